"""A restart brings the session back: the project's last conversation with its attached files,
the model, effort and thinking switch, and the agent mode (issue 14, item 6)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from dsdesk.agent.policy import Mode
from dsdesk.config.settings import load_settings
from dsdesk.devserver import Reply, Simulator
from dsdesk.ui.ui_state import UiState
from tests.qt_async import close_window, open_window, run_scenario, wait_until


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "core.py").write_text("def answer():\n    return 42\n", encoding="utf-8")
    (root / "notes.md").write_text("# notes\n", encoding="utf-8")
    return root


def test_restart_reopens_conversation_files_choices_and_mode(
    qloop, sim: Simulator, tmp_path: Path
) -> None:
    root = _project(tmp_path)
    sim.enqueue(Reply.text("It returns 42."))
    sim.enqueue(Reply.text("Still 42."))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path, load_settings()[0])
        window.open_project(root)
        controller.context.add([root / "pkg" / "core.py"])
        await wait_until(lambda: "pkg/core.py" in controller.context.files)
        panel = window.chat_panel
        panel.effort.setCurrentText("max")
        panel.model.setEditText("deepseek-flash")
        panel.thinking.setChecked(False)
        window.agent_ui.set_mode(Mode.READ_ONLY)
        QTest.keyClicks(window.prompt, "What does core.answer return?")
        QTest.keyClick(window.prompt, Qt.Key.Key_Return)
        await wait_until(lambda: not controller.chat.busy and len(controller.chat.history) == 2)
        window.history_ui.show(focus_search=True)
        QTest.keyClicks(window.history_ui.sidebar.search, "zzz")
        await close_window(window, controller)
        await asyncio.sleep(0.02)

        # A new window on the same DSDESK_HOME, opened the way the app does it.
        state = UiState(tmp_path / "ui.ini")
        window, controller = await open_window(tmp_path, load_settings()[0])
        assert state.last_project == root.resolve()
        window.open_project(state.last_project)
        await wait_until(lambda: len(controller.chat.history) == 2)
        chat = controller.chat
        assert chat.history[0].content.endswith("What does core.answer return?")
        assert chat.history[1].content == "It returns 42."
        assert "It returns 42." in window.transcript.plain_text()
        assert list(controller.context.files) == ["pkg/core.py"]
        assert "def answer():" in chat.base_context
        assert (chat.options.model, chat.options.effort, chat.options.thinking) == (
            "deepseek-flash",
            "max",
            False,
        )
        panel = window.chat_panel
        assert panel.model.currentText() == "deepseek-flash"
        assert panel.effort.currentText() == "max"
        assert not panel.thinking.isChecked()
        assert controller.agent.mode is Mode.READ_ONLY
        assert panel.mode_switch.mode is Mode.READ_ONLY
        assert window.history_ui.sidebar.search.text() == ""
        # The chat goes on from the restored conversation, the file in the system message.
        QTest.keyClicks(window.prompt, "And now?")
        QTest.keyClick(window.prompt, Qt.Key.Key_Return)
        await wait_until(lambda: not chat.busy and len(chat.history) == 4)
        sent = sim.chat_requests[-1].json
        assert "def answer():" in sent["messages"][0]["content"]
        assert sent["messages"][2]["content"] == "It returns 42."
        assert sent["model"] == "deepseek-flash"
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_new_chat_is_what_a_restart_shows_and_modes_are_per_project(
    qloop, sim: Simulator, tmp_path: Path
) -> None:
    root, other = _project(tmp_path), tmp_path / "other"
    other.mkdir()
    sim.enqueue(Reply.text("Hello."))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path, load_settings()[0])
        window.open_project(root)
        window.agent_ui.set_mode(Mode.AUTO_EDIT)
        window.send_prompt("hi")
        await wait_until(lambda: not controller.chat.busy and len(controller.chat.history) == 2)
        window.new_chat()
        window.open_project(other)
        assert controller.agent.mode is Mode.CHAT  # nothing remembered for this one
        window.open_project(root)
        assert controller.agent.mode is Mode.AUTO_EDIT
        await close_window(window, controller)

        window, controller = await open_window(tmp_path, load_settings()[0])
        window.open_project(root)
        await asyncio.sleep(0.2)  # a restore would have happened by now
        assert controller.chat.history == ()
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_settings_changes_reach_the_running_session(qloop, sim: Simulator, tmp_path) -> None:
    async def scenario() -> None:
        window, controller = await open_window(tmp_path, load_settings()[0])
        settings = replace(controller.settings, model="deepseek-flash", effort="max")
        controller.apply_settings(replace(settings, max_tokens=1234))
        opts = controller.chat.options
        assert (opts.model, opts.effort, opts.max_tokens) == ("deepseek-flash", "max", 1234)
        assert window.chat_panel.model.currentText() == "deepseek-flash"
        assert window.chat_panel.effort.currentText() == "max"
        await close_window(window, controller)

    run_scenario(qloop, scenario())
