"""Empty states: a window with no project, an empty transcript and an empty conversations list
each say what to do next, and everything they offer works from the keyboard."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from dsdesk.devserver.demo import demo_reply
from dsdesk.ui.ui_state import MAX_RECENT, UiState
from tests.qt_async import close_window, open_window, run_scenario, wait_until


def test_recent_projects_are_kept_most_recent_first(tmp_path: Path) -> None:
    state = UiState(tmp_path / "ui.ini")
    assert state.recent_projects == []
    odd = tmp_path / "a, b [x]"  # commas and brackets survive the INI file
    state.last_project = odd
    state.sync()
    assert UiState(tmp_path / "ui.ini").recent_projects == [odd]
    for i in range(MAX_RECENT + 2):
        state.last_project = tmp_path / f"p{i}"
    state.last_project = tmp_path / "p3"  # reopened: moves to the front, not listed twice
    recent = UiState(tmp_path / "ui.ini").recent_projects
    assert recent[0] == tmp_path / "p3" and len(recent) == MAX_RECENT
    assert recent.count(tmp_path / "p3") == 1


def test_no_project_offers_open_folder_and_recent_projects_from_the_keyboard(
    qloop, sim, tmp_path: Path
) -> None:
    kept, gone = tmp_path / "kept-proj", tmp_path / "gone-proj"
    kept.mkdir()
    (kept / "main.py").write_text("print(1)\n")
    state = UiState(tmp_path / "ui.ini")
    state.last_project = kept
    state.last_project = gone  # deleted since: not offered
    state.sync()

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        pane = window.empty_states.no_project
        assert pane.isVisible()
        rows = [pane.list.item(i).text() for i in range(pane.list.count())]
        assert rows[0] == "Open a folder…  (Ctrl+O)"
        assert len(rows) == 2 and rows[1].startswith("kept-proj")
        QTest.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # focus tree
        await wait_until(lambda: QApplication.focusWidget() is pane.list)
        QTest.keyClick(pane.list, Qt.Key.Key_Down)
        QTest.keyClick(pane.list, Qt.Key.Key_Return)
        await wait_until(lambda: window.project == kept.resolve())
        assert not pane.isVisible()
        await wait_until(lambda: QApplication.focusWidget() is window.tree)
        assert window.ui_state.recent_projects[0] == kept.resolve()
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_empty_transcript_shows_example_prompts_and_keys(qloop, sim, tmp_path: Path) -> None:
    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        hint = window.empty_states.transcript_hint
        assert hint.isVisible()
        text = hint.text()
        assert "Explain what this project does" in text
        assert "Shift+Enter" in text and "Ctrl+Shift+P" in text and "F1" in text
        hint.linkActivated.emit("example:2")
        assert window.prompt.toPlainText() == "Add type hints to @"
        await wait_until(window.prompt.hasFocus)
        window.prompt.clear()
        window.send_prompt("hello")
        assert not hint.isVisible()
        await wait_until(lambda: len(sim.chat_requests) == 1 and not controller.chat.busy)
        window.new_chat()
        assert hint.isVisible()
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_empty_conversation_list_says_so(qloop, sim, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        sidebar = window.history_ui.sidebar
        assert "Open a folder" in sidebar.list.placeholder
        window.open_project(project)
        window.history_ui.show()
        await wait_until(lambda: "No conversations yet" in sidebar.list.placeholder)
        assert sidebar.list.count() == 0
        sidebar.search.setText("zebra")
        assert sidebar.list.count() == 0 and "zebra" in sidebar.list.placeholder
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_demo_answer_points_gui_users_to_the_devserver_script() -> None:
    text = demo_reply([{"role": "user", "content": "hi"}], 0).content
    assert "dsdesk devserver --script" in text
    assert "Simulator.enqueue" not in text
