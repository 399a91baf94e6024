"""Agent mode in the window over the simulator's scripted session on the sample project: each
mode, approvals from the keyboard (once / session / always / deny with a reason), Esc during a
running command, restoring a checkpoint, and reopening the conversation from history."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from dsdesk.agent.policy import Mode, load_rules
from dsdesk.config.paths import data_dir
from dsdesk.devserver import Simulator
from dsdesk.devserver.script import load_script, parse_script
from dsdesk.ui.agent.checkpoints_ui import CheckpointRow, CheckpointsDialog
from dsdesk.ui.agent.tool_card import ToolCard
from tests.qt_async import close_window, open_window, run_scenario, wait_until
from tests.test_devserver_agent import DEMO, SAMPLE

DEMO_ROUNDS = 7


@pytest.fixture(autouse=True)
def _armed_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ToolCard, "ARM_SECONDS", 0.0)  # the pause has its own test


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "sample-project"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def enqueue(sim: Simulator, replies: list[Any]) -> None:
    for reply in replies:
        sim.enqueue(reply)


def in_window(
    qloop: Any, tmp_path: Path, body: Callable[[Any, Any], Awaitable[None]], timeout: float
) -> None:
    """Run ``body(window, controller)`` in the real window, closed however it ends."""

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        try:
            await body(window, controller)
        finally:
            await close_window(window, controller)

    run_scenario(qloop, scenario(), timeout=timeout)


def cards(window: Any) -> list[ToolCard]:
    return [e for e in window.transcript._entries if isinstance(e, ToolCard)]


async def start(window: Any, project: Path, mode: Mode, prompt: str = "Fix the failing test"):
    window.open_project(project)
    await wait_until(lambda: window.controller.agent.sandboxed is not None)
    window.agent_ui.set_mode(mode)
    assert window.controller.agent.mode is mode
    window.prompt.setPlainText(prompt)
    window.send_prompt(prompt)


async def answer_next(window: Any, key: Qt.Key, text: str = "") -> ToolCard:
    """Wait for a question, check the window shows it, answer from the keyboard."""
    await wait_until(lambda: any(c.waiting for c in cards(window)), within=20)
    [card] = [c for c in cards(window) if c.waiting]
    assert window.windowTitle().startswith("Approval needed — ")
    assert "Approval needed" in window.turn_status.text()
    assert QApplication.focusWidget() is card or card.isAncestorOf(QApplication.focusWidget())
    QTest.keyClick(QApplication.focusWidget(), key)
    if text:
        QTest.keyClicks(QApplication.focusWidget(), text)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    await wait_until(lambda: not card.waiting)
    await wait_until(lambda: QApplication.focusWidget() is window.prompt)  # back to typing
    return card


def tool_results(sim: Simulator) -> list[str]:
    return [m["content"] for m in sim.chat_requests[-1].json["messages"] if m["role"] == "tool"]


def test_full_auto_runs_the_demo_without_questions_and_restores_a_checkpoint(
    qloop, sim, tmp_path: Path, project: Path
) -> None:
    enqueue(sim, load_script(DEMO))
    words = project / "textstats" / "words.py"
    before = words.read_text()

    async def scenario(window: Any, controller: Any) -> None:
        await start(window, project, Mode.FULL_AUTO)
        await wait_until(
            lambda: not controller.chat.busy and len(sim.chat_requests) == 7, within=60
        )
        assert len(cards(window)) == DEMO_ROUNDS
        assert all(not c.waiting for c in cards(window))
        assert "text.split()" in words.read_text()
        assert "7 tests, all passing" in window.transcript.answer_text()
        runs = [r for r in tool_results(sim) if r.startswith("exit code")]
        assert runs[-1].startswith("exit code 0")
        assert window.windowTitle() == "sample-project — dsdesk"
        rows = [e for e in window.transcript._entries if isinstance(e, CheckpointRow)]
        assert len(rows) == 1
        rows[0].button.click()
        await wait_until(lambda: isinstance(window._dialog, CheckpointsDialog))
        dialog = window._dialog
        await wait_until(lambda: dialog.restore_button.isEnabled(), within=20)
        assert "textstats/words.py" in dialog.preview.toPlainText()
        dialog.restore_button.click()
        await wait_until(lambda: words.read_text() == before, within=20)
        await wait_until(lambda: "To undo the restore" in window.statusBar().currentMessage())

    in_window(qloop, tmp_path, scenario, timeout=90)


def test_auto_edit_asks_for_commands_session_answer_asks_once(
    qloop, sim, tmp_path: Path, project: Path
) -> None:
    enqueue(sim, load_script(DEMO))

    async def scenario(window: Any, controller: Any) -> None:
        await start(window, project, Mode.AUTO_EDIT)
        card = await answer_next(window, Qt.Key.Key_S)  # python -m unittest: this session
        assert card.isVisible()
        await wait_until(lambda: not controller.chat.busy, within=60)
        assert sum(1 for c in cards(window) if "unittest" in c.plain_text()) == 2
        results = tool_results(sim)
        assert results[-1].startswith("exit code 0")  # the second run was not asked

    in_window(qloop, tmp_path, scenario, timeout=90)


def test_read_only_asks_for_the_edit_always_stores_a_rule_and_deny_reason_reaches_the_model(
    qloop, sim, tmp_path: Path, project: Path
) -> None:
    enqueue(sim, load_script(DEMO))

    async def scenario(window: Any, controller: Any) -> None:
        await start(window, project, Mode.READ_ONLY)
        await answer_next(window, Qt.Key.Key_A)  # python -m unittest: always
        await answer_next(window, Qt.Key.Key_N, "keep the split, fix the test instead")
        await wait_until(lambda: not controller.chat.busy, within=60)
        results = tool_results(sim)
        assert any("keep the split, fix the test instead" in r for r in results)
        assert 'text.split(" ")' in (project / "textstats" / "words.py").read_text()
        rules, _ = load_rules(data_dir(), project)
        assert [(r.tool, r.pattern) for r in rules] == [("run_command", "python -m unittest*")]
        assert results[-1].startswith("exit code")  # the second run: allowed by the rule

    in_window(qloop, tmp_path, scenario, timeout=90)


def test_allow_once_asks_again_for_the_next_command(
    qloop, sim, tmp_path: Path, project: Path
) -> None:
    enqueue(sim, load_script(DEMO))

    async def scenario(window: Any, controller: Any) -> None:
        await start(window, project, Mode.AUTO_EDIT)
        first = await answer_next(window, Qt.Key.Key_Y)
        second = await answer_next(window, Qt.Key.Key_Y)  # asked again: once was once
        assert first is not second
        await wait_until(lambda: not controller.chat.busy, within=60)
        assert tool_results(sim)[-1].startswith("exit code 0")
        assert controller.chat.agent is not None
        assert controller.chat.agent.policy.session == []

    in_window(qloop, tmp_path, scenario, timeout=90)


SLOW = """
[[reply]]
tool_calls = [{ name = "run_command", arguments = { command = "echo started; sleep 31.4159" } }]
"""


def test_esc_during_a_running_command_kills_it_and_records_the_turn_as_stopped(
    qloop, sim, tmp_path: Path, project: Path
) -> None:
    for reply in parse_script(SLOW):
        sim.enqueue(reply)

    async def scenario(window: Any, controller: Any) -> None:
        await start(window, project, Mode.FULL_AUTO, "wait")
        await wait_until(lambda: any("started" in c.body_text() for c in cards(window)), within=20)
        window.actions_.action("stop").trigger()  # Esc
        await wait_until(lambda: not controller.chat.busy, within=20)
        assert not _running("sleep 31.4159")
        tools = [m for m in controller.chat.history if m.role == "tool"]
        assert len(tools) == 1 and "stopped" in tools[0].content
        thread = controller.history.store.thread(controller.history.conversation_id)
        assert [m.role for m in thread.messages] == ["user", "assistant", "tool"]

    in_window(qloop, tmp_path, scenario, timeout=60)


def test_reopening_an_agent_conversation_shows_its_timeline(
    qloop, sim, tmp_path: Path, project: Path
) -> None:
    enqueue(sim, load_script(DEMO))

    async def scenario(window: Any, controller: Any) -> None:
        await start(window, project, Mode.FULL_AUTO)
        await wait_until(
            lambda: not controller.chat.busy and len(sim.chat_requests) == 7, within=60
        )
        live = [c.plain_text().splitlines()[0] for c in cards(window)]
        cid = controller.history.conversation_id
        window.new_chat()
        window.history_ui.open_conversation(cid)
        await wait_until(lambda: any(isinstance(e, ToolCard) for e in window.transcript._entries))
        shown = [e for e in window.transcript._entries if isinstance(e, ToolCard)]
        assert [c.plain_text().splitlines()[0] for c in shown] == live
        assert any(isinstance(e, CheckpointRow) for e in window.transcript._entries)

    in_window(qloop, tmp_path, scenario, timeout=90)


def _running(command: str) -> bool:
    want = command.encode()
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").strip()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if cmdline == want and state != "Z":
            return True
    return False


def test_a_long_session_builds_its_requests_off_the_gui_thread(
    qloop, sim, tmp_path: Path, project: Path
) -> None:
    """Past 64 messages the request is built and encoded in a worker thread: the turn still
    runs to its end in the window's loop."""
    script = "".join(
        f'[[reply]]\ntool_calls = [{{ name = "grep", arguments = {{ pattern = "w{n}" }} }}]\n'
        for n in range(40)  # different calls: the same one five times would pause the turn
    )
    for reply in parse_script(script + '[[reply]]\ncontent = "Seen it all."\n'):
        sim.enqueue(reply)

    async def scenario(window: Any, controller: Any) -> None:
        await start(window, project, Mode.READ_ONLY, "look around")
        await wait_until(lambda: not controller.chat.busy, within=60)
        assert len(controller.chat.history) == 1 + 40 * 2 + 1
        assert controller.chat.history[-1].content == "Seen it all."

    in_window(qloop, tmp_path, scenario, timeout=90)
