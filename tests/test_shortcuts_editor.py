"""Shortcuts are configurable: saved with the settings, applied at once and on the next start;
a conflict is refused, naming both actions; Tab walks through the window's controls; F1 lists
every key (the widgets' too) with a filter."""

from __future__ import annotations

import tomllib
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from dsdesk.config.paths import settings_path
from dsdesk.config.settings import load_settings
from dsdesk.services.controller import AppController
from dsdesk.ui.dialogs import ShortcutsDialog
from dsdesk.ui.keys import REVIEW_ACCEPT_FILE, REVIEW_KEYS, TREE_CONTEXT, TREE_KEYS
from dsdesk.ui.main_window import MainWindow
from dsdesk.ui.shortcuts_editor import ShortcutsEditor
from dsdesk.ui.ui_state import UiState
from tests.qt_async import close_window, open_window, run_scenario, wait_until


async def _open_editor(window: MainWindow) -> ShortcutsEditor:
    window.dialogs.edit_shortcuts()
    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), ShortcutsEditor))
    editor = QApplication.activeModalWidget()
    assert isinstance(editor, ShortcutsEditor)
    return editor


def test_edit_save_conflict_and_restart(qloop, tmp_path: Path) -> None:
    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        editor = await _open_editor(window)
        editor.edits["new_chat"].setKeySequence(QKeySequence("Ctrl+T"))  # taken by Thinking
        editor._on_buttons_accepted()
        problem = editor.problem.text()
        assert "used by both" in problem and "Toggle thinking" in problem
        assert editor.isVisible()
        editor.edits["new_chat"].setKeySequence(QKeySequence("Ctrl+Alt+N"))
        editor._on_buttons_accepted()
        await wait_until(lambda: not editor.isVisible())
        assert window.actions_.action("new_chat").shortcut().toString() == "Ctrl+Alt+N"
        saved = tomllib.loads(settings_path().read_text())
        assert saved["shortcuts"] == {"new_chat": "Ctrl+Alt+N"}
        await close_window(window, controller)
        settings, problems = load_settings()
        assert problems == []
        again = AppController(settings)
        window2 = MainWindow(again, UiState(tmp_path / "ui.ini"))
        assert window2.actions_.action("new_chat").shortcut().toString() == "Ctrl+Alt+N"
        assert window2.actions_.conflicts() == []
        window2.close()
        await again.shutdown()
        window2.deleteLater()

    run_scenario(qloop, scenario())


def test_tab_walks_the_focus_chain(qloop, tmp_path: Path) -> None:
    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.prompt.setFocus()
        panel = window.chat_panel
        visited = []
        for _ in range(5):
            QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            visited.append(QApplication.focusWidget())
        # Prompt → agent mode → thinking switch → effort → model → send: the controls around
        # the prompt.
        assert visited[0] is panel.mode_switch.combo
        assert visited[1] is panel.thinking and visited[2] is panel.effort
        assert panel.model.isAncestorOf(visited[3]) or visited[3] is panel.model
        assert visited[4] is panel.send_button
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_a_clash_shows_while_typing_and_defaults_come_back(qloop, tmp_path: Path) -> None:
    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        editor = await _open_editor(window)
        field = editor.edits["fix_edits"]
        field.setFocus()
        QTest.keyClick(field, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
        await wait_until(lambda: bool(editor.problem.text()))
        text = editor.problem.text()
        assert "Ctrl+E" in text and "Edit last prompt" in text and "fix failed edits" in text
        assert "color" in field.styleSheet() and "color" in editor.edits["edit_prompt"].styleSheet()
        editor.restore_defaults()
        assert editor.problem.text() == "" and field.styleSheet() == ""
        assert editor.mapping()["edit_prompt"] == "Ctrl+E" and editor.mapping()["fix_edits"] == ""
        editor.reject()
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_f1_lists_every_key_from_the_same_tables_and_filters(qloop, tmp_path: Path) -> None:
    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.prompt.setFocus()
        QTest.keyClick(window.prompt, Qt.Key.Key_F1)
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), ShortcutsDialog))
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ShortcutsDialog)
        rows = dialog.visible_rows()
        # The tree's and Review's keys, read from the specs the widgets match against.
        for spec in TREE_KEYS + REVIEW_KEYS:
            assert (spec.key_text(), spec.text, spec.where) in rows
        assert ("Space", TREE_CONTEXT.text, "File tree") in rows
        assert ("A", REVIEW_ACCEPT_FILE.text, "Review") in rows
        assert any(r[1] == "Clear context" for r in rows)
        await wait_until(lambda: dialog.filter.hasFocus())
        QTest.keyClicks(dialog.filter, "review")
        shown = dialog.visible_rows()
        assert [r for r in shown if r[2] == "Review"] == [r for r in rows if r[2] == "Review"]
        assert {r[1] for r in shown if r[2] != "Review"} == {"Review edits…"}
        dialog.filter.clear()
        QTest.keyClicks(dialog.filter, "tgth")  # no word starts so: letters in order
        fuzzy = [r[1] for r in dialog.visible_rows()]
        assert "Toggle thinking" in fuzzy and "New chat" not in fuzzy
        dialog.filter.clear()
        QTest.keyClicks(dialog.filter, "ctrl+t")
        assert [r[1] for r in dialog.visible_rows()] == ["Toggle thinking"]
        dialog.close()
        await close_window(window, controller)

    run_scenario(qloop, scenario())
