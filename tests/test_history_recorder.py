"""Prompts and answers reach the conversation store as they stream."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsdesk.config.settings import Settings
from dsdesk.devserver import Reply, Simulator
from dsdesk.services.controller import AppController
from tests.qt_async import run_scenario, wait_until


def test_answers_are_stored_with_their_metadata_and_partial_ones_on_stop(
    qloop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Simulator(api_key="sk-history-0001") as sim:
        monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-history-0001")
        monkeypatch.setenv("DEEPSEEK_BASE_URL", sim.base_url)
        sim.enqueue(Reply.text("Stored answer.", reasoning="Thinking first."))
        sim.enqueue(Reply.text("word " * 3000, chunk_size=5, chunk_delay=0.003))

        async def scenario() -> None:
            controller = AppController(Settings())
            history = controller.history
            assert history is not None
            history.set_project(tmp_path)
            chat = controller.chat
            chat.send("first question")
            await wait_until(lambda: not chat.busy)
            chat.set_options(thinking=False)
            pieces: list[str] = []
            chat.sig_content.connect(pieces.append)
            chat.send("second question")
            # A few words have arrived (the first piece alone may be a single "word ").
            await wait_until(lambda: len("".join(pieces)) > 20)
            chat.stop()
            await wait_until(lambda: not chat.busy)
            assert history.conversation_id is not None
            messages = history.store.thread(history.conversation_id).messages
            assert [m.role for m in messages] == ["user", "assistant", "user", "assistant"]
            first = messages[1]
            assert first.content == "Stored answer." and first.reasoning == "Thinking first."
            assert first.status == "done" and first.usage is not None and first.thinking
            last = messages[3]
            assert last.status == "stopped" and last.content.startswith("word word")
            hits = history.store.search("Stored")
            assert hits and "<mark>" in hits[0].snippet_html
            await controller.shutdown()

        run_scenario(qloop, scenario())
