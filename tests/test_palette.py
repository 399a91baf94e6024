"""The command palette: an overlay inside the window with every action (context, preview, tree,
models, effort), fuzzy-ranked with the matched letters marked, Enter runs, Esc gives the keyboard
back, recent ones first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from dsdesk.ui.main_window import MainWindow
from dsdesk.ui.palette import POSITIONS_ROLE, CommandPalette
from tests.qt_async import close_window, open_window, run_scenario, wait_until

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


async def _open(window: MainWindow) -> CommandPalette:
    QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_P, CTRL_SHIFT)
    palette = window.dialogs.palette
    await wait_until(lambda: palette.isVisible() and palette.query.hasFocus())
    return palette


def _texts(palette: CommandPalette) -> list[str]:
    return [text for text, _hint in palette.rows()]


def test_overlay_fuzzy_runs_and_gives_the_keyboard_back(qloop, tmp_path: Path) -> None:
    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.prompt.setFocus()
        palette = await _open(window)
        # Inside the window, frameless, at the top: no window of its own.
        assert palette.parentWidget() is window and not palette.isWindow()
        assert QApplication.activeModalWidget() is None
        assert palette.geometry().top() < window.height() // 4
        rows = dict(palette.rows())
        assert rows["Toggle thinking"] == "Ctrl+T"
        assert len(rows) >= 30
        QTest.keyClicks(palette.query, "tgth")
        assert _texts(palette)[0] == "Toggle thinking"
        first = palette.list.model().index(0, 0)
        assert first.data(POSITIONS_ROLE) == (0, 2, 7, 8)  # T-g-th highlighted
        was = window.chat_panel.thinking.isChecked()
        QTest.keyClick(palette.query, Qt.Key.Key_Return)
        await wait_until(lambda: window.chat_panel.thinking.isChecked() != was)
        assert not palette.isVisible() and window.prompt.hasFocus()
        # The second key opens it too; the last command comes first; Esc closes it (not the
        # window's Esc action) and the focus goes back to where it was.
        window.transcript.setFocus()
        QTest.keyClick(window.transcript, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        await wait_until(lambda: palette.isVisible() and palette.query.hasFocus())
        assert _texts(palette)[0] == "Toggle thinking"
        QTest.keyClick(palette.query, Qt.Key.Key_Escape)
        await wait_until(lambda: not palette.isVisible())
        assert window.transcript.hasFocus()
        assert window.actions_.conflicts() == []
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_every_action_is_there_models_and_effort_too(qloop, tmp_path: Path) -> None:
    async def scenario() -> None:
        project = tmp_path / "proj"
        project.mkdir()
        (project / "a.py").write_text("x = 1\n")
        window, controller = await open_window(tmp_path)
        window.open_project(project)
        await wait_until(lambda: window.tree.model().rowCount() > 0)
        window.tree.setCurrentIndex(window.tree.model().index(0, 0))
        window._on_client_models(["deepseek-v4-pro", "deepseek-v4-flash"])
        palette = await _open(window)
        rows = dict(palette.rows())
        for text in (
            "Put the whole project in context",
            "Exclude from context…",
            "Tree: open the selected file",
            "Tree: put the selection in or out of context",
            "Model: deepseek-v4-pro",
            "Model: deepseek-v4-flash",
            "Effort: high",
            "Effort: max",
        ):
            assert text in rows, text
        assert rows["Model: deepseek-v4-pro"] == "current"
        assert rows["Tree: put the selection in or out of context"] == "Space in the file tree"
        assert "Close the preview" not in rows  # no preview open
        assert "Clear context" not in rows  # nothing attached yet
        QTest.keyClicks(palette.query, "mflash")
        assert _texts(palette)[0] == "Model: deepseek-v4-flash"
        QTest.keyClick(palette.query, Qt.Key.Key_Return)
        await wait_until(lambda: window.chat.options.model == "deepseek-v4-flash")
        palette = await _open(window)
        QTest.keyClicks(palette.query, "effort max")
        QTest.keyClick(palette.query, Qt.Key.Key_Return)
        await wait_until(lambda: window.chat.options.effort == "max")
        # Space from the palette: the tree's selection goes into the context.
        palette = await _open(window)
        QTest.keyClicks(palette.query, "tree context")
        assert _texts(palette)[0] == "Tree: put the selection in or out of context"
        QTest.keyClick(palette.query, Qt.Key.Key_Return)
        await wait_until(lambda: "a.py" in controller.context.files)
        palette = await _open(window)
        assert "Clear context" in dict(palette.rows())
        QTest.keyClicks(palette.query, "clear context")
        QTest.keyClick(palette.query, Qt.Key.Key_Return)
        await wait_until(lambda: not controller.context.files)
        # Open the file from the palette, then close the preview from it.
        palette = await _open(window)
        QTest.keyClicks(palette.query, "tree open")
        QTest.keyClick(palette.query, Qt.Key.Key_Return)
        await wait_until(lambda: window.preview.isVisible())
        palette = await _open(window)
        QTest.keyClicks(palette.query, "close preview")
        assert _texts(palette)[0] == "Close the preview"
        QTest.keyClick(palette.query, Qt.Key.Key_Return)
        await wait_until(lambda: not window.preview.isVisible())
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_a_click_elsewhere_closes_it(qloop, tmp_path: Path) -> None:
    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.prompt.setFocus()
        palette = await _open(window)
        window.transcript.setFocus(Qt.FocusReason.MouseFocusReason)
        await wait_until(lambda: not palette.isVisible())
        assert window.transcript.hasFocus()  # not pulled back to the prompt
        await close_window(window, controller)

    run_scenario(qloop, scenario())
