"""The command palette: every action, fuzzy filter, Enter runs it, recent ones first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from dsdesk.ui.palette import CommandPalette
from tests.qt_async import close_window, open_window, run_scenario, wait_until


def test_palette_lists_filters_runs_and_remembers(qloop, tmp_path: Path) -> None:
    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.prompt.setFocus()
        QTest.keyClick(
            window.prompt,
            Qt.Key.Key_P,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), CommandPalette))
        palette = QApplication.activeModalWidget()
        assert isinstance(palette, CommandPalette)
        names = [palette.list.item(i).text() for i in range(palette.list.count())]
        assert any(n.startswith("Thinking mode") and "Ctrl+T" in n for n in names)
        assert len(names) >= 15
        QTest.keyClicks(palette.query, "thnk")
        assert palette.list.currentItem().text().startswith("Thinking mode")
        was = window.chat_panel.thinking.isChecked()
        QTest.keyClick(palette.query, Qt.Key.Key_Return)
        await wait_until(lambda: window.chat_panel.thinking.isChecked() != was)
        QTest.keyClick(window.prompt, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), CommandPalette))
        again = QApplication.activeModalWidget()
        assert again.list.item(0).text().startswith("Thinking mode")  # recent first
        QTest.keyClick(again.query, Qt.Key.Key_Escape)
        await wait_until(lambda: QApplication.activeModalWidget() is None)
        assert window.actions_.conflicts() == []
        await close_window(window, controller)

    run_scenario(qloop, scenario())
