"""Kill the app's process (SIGKILL) mid-answer: on restart the partial answer is there,
marked interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from dsdesk.devserver import Reply, Simulator
from dsdesk.store import Store

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
