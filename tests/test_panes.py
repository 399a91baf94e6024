"""The window's panes (sidebar, tree, chat, preview) are never shown, saved or restored at a
width where they cannot be used (issue 14, item 1)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QSplitter, QWidget

from dsdesk.ui.ui_state import UiState
from tests.qt_async import close_window, open_window, run_scenario, wait_until

USABLE = 120  # px: below this a tree or a list shows nothing useful


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "hello.py").write_text("def hello():\n    return 'hi'\n")
    return project


async def _open_preview_and_close_it(window, project: Path) -> None:
    window.open_project(project)
    window.tree.setFocus()
    target = window.project / "hello.py"
    assert window.tree.select_path(target)
    await wait_until(lambda: window.tree.current_path() == target)
    QTest.keyClick(window.tree, Qt.Key.Key_Return)
    await wait_until(lambda: "return 'hi'" in window.preview.text())
    window.preview.setFocus()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    await wait_until(lambda: not window.preview.isVisible())


def test_sidebar_opens_usable_after_a_preview_and_after_a_restart(qloop, sim, tmp_path) -> None:
    project = _project(tmp_path)

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        await _open_preview_and_close_it(window, project)
        QTest.keyClick(window.tree, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
        sidebar = window.history_ui.sidebar
        await wait_until(lambda: sidebar.isVisible())
        assert sidebar.width() >= max(USABLE, sidebar.minimumWidth())
        QTest.keyClick(sidebar.list, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
        await wait_until(lambda: not sidebar.isVisible())
        await close_window(window, controller)

        again, controller2 = await open_window(tmp_path)
        QTest.keyClick(
            again.prompt,
            Qt.Key.Key_F,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        search = again.history_ui.sidebar.search
        await wait_until(lambda: search.hasFocus())
        assert search.width() >= USABLE  # what is typed is seen
        assert again.history_ui.sidebar.width() >= again.history_ui.sidebar.minimumWidth()
        await close_window(again, controller2)

    run_scenario(qloop, scenario())


def _old_state(sizes: list[int]) -> bytes:
    """A splitter state as an older dsdesk saved it: collapsible panes, no minimums."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    for _ in sizes:
        splitter.addWidget(QWidget())
    splitter.resize(sum(sizes) + 3 * splitter.handleWidth(), 400)
    splitter.setSizes(sizes)
    state = splitter.saveState()
    splitter.deleteLater()
    return state


def test_a_collapsed_or_dragged_narrow_tree_comes_back_usable(qloop, sim, tmp_path) -> None:
    for tree in (0, 12):
        home = tmp_path / f"tree{tree}"
        home.mkdir()
        ui = UiState(home / "ui.ini")
        ui.set_blob("splitter", _old_state([0, tree, 1000, 0]))
        ui.sync()

        async def scenario(home: Path = home) -> None:
            window, controller = await open_window(home)
            await asyncio.sleep(0.05)  # let the window lay out
            assert window.tree.width() >= max(USABLE, window.tree.minimumWidth())
            # Dragging can no longer make it invisible either.
            window.splitter.setSizes([0, 0, window.splitter.width(), 0])
            assert window.tree.width() >= USABLE
            await close_window(window, controller)

        run_scenario(qloop, scenario())


def test_each_pane_has_a_usable_minimum_and_shows_at_it_or_wider(qloop, sim, tmp_path) -> None:
    project = _project(tmp_path)

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.open_project(project)
        window.history_ui.show()
        window._on_tree_open_file(project / "hello.py")
        await wait_until(lambda: window.preview.isVisible())
        panes = [window.history_ui.sidebar, window.tree, window.chat_panel, window.preview]
        for pane in panes:
            assert pane.minimumWidth() >= USABLE or pane.minimumSizeHint().width() >= USABLE
            assert pane.width() >= max(USABLE, pane.minimumWidth()), pane
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_the_preview_leaves_the_chat_its_natural_width_when_there_is_room(
    qloop, sim, tmp_path
) -> None:
    project = _project(tmp_path)

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.resize(1100, 760)
        window.open_project(project)
        await asyncio.sleep(0.05)
        window._on_tree_open_file(project / "hello.py")
        await wait_until(lambda: window.preview.isVisible())
        await asyncio.sleep(0.05)
        chat = window.chat_panel
        assert chat.width() >= chat.sizeHint().width()  # the model box is not cut
        assert window.preview.width() >= 300
        await close_window(window, controller)

    run_scenario(qloop, scenario())
