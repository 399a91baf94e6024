"""Kill the app's process (SIGKILL) mid-answer: on restart the partial answer is there,
marked interrupted. Killed mid-loop in agent mode: every message that had arrived is there, and
the call cut off is answered on reopening, so the conversation goes on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dsdesk.config.settings import Settings
from dsdesk.core.messages import Message
from dsdesk.devserver import Reply, Simulator
from dsdesk.services.controller import AppController
from dsdesk.services.history import conversation_turns
from dsdesk.store import Store
from dsdesk.store.replay import INTERRUPTED_RESULT
from tests.agent_fakes import call
from tests.qt_async import run_scenario, wait_until

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from PySide6.QtWidgets import QApplication
    from dsdesk.config.settings import Settings
    from dsdesk.services.controller import AppController
    from dsdesk.services.event_loop import new_event_loop

    app = QApplication([])

    async def main():
        controller = AppController(Settings())
        controller.chat.set_options(thinking=False)
        controller.chat.send("tell me a long story")
        while True:  # streams until killed
            await asyncio.sleep(0.05)
            writer = controller.history._writer
            if writer is not None and writer.pending:
                print("streaming", flush=True)

    with asyncio.Runner(loop_factory=lambda: new_event_loop(app)) as runner:
        runner.run(main())
    """
)


def test_sigkill_mid_answer_keeps_the_partial_text(tmp_path: Path) -> None:
    with Simulator(api_key="sk-kill-0001") as sim:
        sim.enqueue(Reply.text("once upon a time " * 400, chunk_size=6, chunk_delay=0.01))
        env = {
            **os.environ,
            "DEEPSEEK_API_KEY": "sk-kill-0001",
            "DEEPSEEK_BASE_URL": sim.base_url,
            "QT_QPA_PLATFORM": "offscreen",
        }
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "streaming"
        time.sleep(1.5)  # past at least one timed flush
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
    store = Store()  # the same DSDESK_HOME as the child: reopening recovers
    try:
        assert store.recovered == 1
        [conversation] = store.conversations(store.project("(no project)").id)
        messages = store.thread(conversation.id).messages
        assert [m.role for m in messages] == ["user", "assistant"]
        answer = messages[1]
        assert answer.status == "interrupted"
        assert answer.content.startswith("once upon a time once")
        assert len(answer.content) < len("once upon a time " * 400)
    finally:
        store.close()


AGENT_CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from PySide6.QtWidgets import QApplication
    from dsdesk.agent import events as ev
    from dsdesk.agent.policy import Mode
    from dsdesk.agent.tools.base import Effect
    from dsdesk.config.settings import Settings
    from dsdesk.services.controller import AppController
    from dsdesk.services.event_loop import new_event_loop
    from tests.agent_fakes import FakeTool, session

    app = QApplication([])

    async def main():
        controller = AppController(Settings())
        root = Path(sys.argv[1])
        controller.history.set_project(root)
        tools = [
            FakeTool("read_file", Effect.READ, reply="1\\tx = 1"),
            FakeTool("run_command", Effect.EXECUTE, reply="never", delay=600),
        ]
        controller.chat.agent = session(root, tools, Mode.FULL_AUTO)

        def on_event(e):
            if isinstance(e, ev.ToolOutput) and e.call_id == "call_02_c":
                print("running", flush=True)

        controller.chat.sig_turn_event.connect(on_event)
        controller.chat.send("check the project")
        while True:  # the command runs until killed
            await asyncio.sleep(0.05)

    with asyncio.Runner(loop_factory=lambda: new_event_loop(app)) as runner:
        runner.run(main())
    """
)


def test_sigkill_mid_tool_call_keeps_every_message_and_reopens_valid(
    qloop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Simulator(api_key="sk-kill-0002") as sim:
        sim.enqueue(Reply.text("", "Read it.", tool_calls=[call("call_00_a", "read_file")]))
        sim.enqueue(
            Reply.text(
                "",
                "Read again, then run.",
                tool_calls=[call("call_01_b", "read_file"), call("call_02_c", "run_command")],
            )
        )
        env = {
            **os.environ,
            "DEEPSEEK_API_KEY": "sk-kill-0002",
            "DEEPSEEK_BASE_URL": sim.base_url,
            "QT_QPA_PLATFORM": "offscreen",
        }
        child = subprocess.Popen(
            [sys.executable, "-c", AGENT_CHILD, str(tmp_path)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "running"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL

        # Reopened by the app: everything that had arrived is there, and the call that was
        # running is answered as interrupted, so the API accepts the conversation.
        monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-kill-0002")
        monkeypatch.setenv("DEEPSEEK_BASE_URL", sim.base_url)
        sim.enqueue(Reply.text("The command was cut off; run it again?"))

        async def scenario() -> None:
            controller = AppController(Settings())
            history, chat = controller.history, controller.chat
            assert history is not None
            history.set_project(tmp_path)
            [conversation] = history.store.conversations(history.project_id)
            thread = history.store.thread(conversation.id)
            roles = [m.role for m in thread.messages]
            assert roles == ["user", "assistant", "tool", "assistant", "tool"]
            round2 = thread.messages[3]
            assert [c.id for c in round2.tool_calls] == ["call_01_b", "call_02_c"]
            assert round2.reasoning == "Read again, then run."
            assert thread.messages[4].tool_call_id == "call_01_b"
            assert thread.messages[4].content == "1\tx = 1"
            turns = conversation_turns(thread.messages)
            assert turns[-1] == Message.tool("call_02_c", INTERRUPTED_RESULT)
            chat.load_history(turns)
            history.continue_in(conversation.id, thread.messages[-1].id)
            chat.send("what happened?")
            await wait_until(lambda: not chat.busy)
            sent = sim.chat_requests[-1].json["messages"]
            assert sent[-2] == {
                "role": "tool",
                "content": INTERRUPTED_RESULT,
                "tool_call_id": "call_02_c",
            }
            stored = history.store.thread(conversation.id).messages
            assert stored[-1].content == "The command was cut off; run it again?"
            assert stored[-1].status == "done"
            await controller.shutdown()

        run_scenario(qloop, scenario())
