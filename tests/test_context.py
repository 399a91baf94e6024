"""Project context in requests: cache-friendly layout, exact counts, appended updates."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from dsdesk.config.settings import Settings
from dsdesk.devserver import Reply, Simulator
from dsdesk.services.controller import AppController
from dsdesk.workspace.tokenizer_data import v4_counter
from tests.qt_async import run_scenario, wait_until


def make_project(root: Path) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "AGENTS.md").write_text("Use type hints. Keep functions small.\n")
    (root / "app.py").write_text("def main():\n    print('hello')\n" * 20)
    (root / "pkg" / "util.py").write_text("VALUE = 1\n" * 50)
    (root / "pkg" / "data.bin").write_bytes(b"\x00" * 64)


def messages_prefix(raw: bytes) -> bytes:
    """The request bytes up to the end of the messages array (the messages come first)."""
    return raw[: raw.index(b'],"stream"')]


def test_five_turns_extend_byte_for_byte_and_a_change_is_appended(
    qloop, sim: Simulator, tmp_path: Path
) -> None:
    make_project(tmp_path)

    async def scenario() -> None:
        controller = AppController(Settings(max_tokens=1000))
        await asyncio.to_thread(v4_counter)
        ctx, chat = controller.context, controller.chat
        ctx.set_project(tmp_path)
        ctx.add([tmp_path / "app.py", tmp_path / "pkg"])
        await wait_until(lambda: len(ctx.files) == 2 and ctx.instructions is not None)
        assert list(ctx.files) == ["app.py", "pkg/util.py"]  # the binary is skipped
        budget = chat.budget("turn 1", ctx.files_tokens, ctx.instructions_tokens)
        for turn in range(1, 6):
            sim.enqueue(Reply.text(f"answer {turn}"))
            assert chat.send(f"turn {turn}")
            await wait_until(lambda: not chat.busy)
        raws = [r.body for r in sim.chat_requests]
        for before, after in itertools.pairwise(raws):
            assert after.startswith(messages_prefix(before))
        first = sim.chat_requests[0].json
        system = first["messages"][0]["content"]
        assert "Use type hints" in system and '<file path="pkg/util.py">' in system
        # The local count of the first request matches what the server counted (within 1 %).
        served = controller.chat.stats  # totals of all answers
        first_prompt = v4_counter().request_tokens(first["messages"])
        assert abs(budget.input_tokens - first_prompt) <= first_prompt * 0.01
        assert served.cache_hit > 0  # later turns hit the simulated prompt cache

        (tmp_path / "app.py").write_text("def main():\n    print('changed')\n")
        await wait_until(lambda: chat.pending_updates)
        sim.enqueue(Reply.text("answer 6"))
        chat.send("turn 6")
        await wait_until(lambda: not chat.busy and len(sim.chat_requests) == 6)
        last_raw = sim.chat_requests[5].body
        assert last_raw.startswith(messages_prefix(raws[4]))  # earlier bytes unchanged
        last = sim.chat_requests[5].json["messages"]
        assert last[0]["content"] == system
        assert "print('changed')" in last[-1]["content"]
        assert last[-1]["content"].endswith("turn 6")
        assert chat.pending_updates == ()
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_server_prompt_tokens_equal_the_local_exact_count(qloop, sim, tmp_path: Path) -> None:
    make_project(tmp_path)

    async def scenario() -> None:
        controller = AppController(Settings(max_tokens=1000))
        await asyncio.to_thread(v4_counter)
        controller.context.set_project(tmp_path)
        controller.context.add_whole_project()
        await wait_until(lambda: len(controller.context.files) == 2)
        assert "AGENTS.md" not in controller.context.files  # it is the instructions file
        sim.enqueue(Reply.text("ok"))
        controller.chat.send("hello")
        await wait_until(lambda: controller.chat.stats.answers == 1)
        sent = sim.chat_requests[0].json["messages"]
        stats = controller.chat.stats
        assert stats.cache_hit + stats.cache_miss == v4_counter().request_tokens(sent)
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_exclude_list_is_saved_per_project_and_applied(qloop, sim, tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "poetry.lock").write_text("lock\n")
    (tmp_path / "gen").mkdir()
    (tmp_path / "gen" / "big_pb2.py").write_text("X = 1\n")

    async def scenario() -> None:
        controller = AppController(Settings())
        await asyncio.to_thread(v4_counter)
        ctx = controller.context
        ctx.set_project(tmp_path)
        assert "*.lock" in ctx.excludes  # sensible defaults
        ctx.set_excludes([*ctx.excludes, "gen/"])
        ctx.add_whole_project()
        await wait_until(lambda: "app.py" in ctx.files)
        assert "poetry.lock" not in ctx.files and "gen/big_pb2.py" not in ctx.files
        ctx.add([tmp_path / "poetry.lock"])  # named on its own: always added
        await wait_until(lambda: "poetry.lock" in ctx.files)
        again = AppController(Settings())
        again.context.set_project(tmp_path)
        assert "gen/" in again.context.excludes  # saved with the project
        await again.shutdown()
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_summarise_older_turns_then_restore(qloop, sim, tmp_path: Path) -> None:
    async def scenario() -> None:
        controller = AppController(Settings())
        chat = controller.chat
        for turn in range(1, 5):
            sim.enqueue(Reply.text(f"answer {turn}"))
            chat.send(f"question {turn}")
            await wait_until(lambda: not chat.busy)
        older = chat.older_turns(keep_last=1)
        assert [m.content for m in older][:2] == ["question 1", "answer 1"] and len(older) == 6
        sim.enqueue(Reply.text("We discussed questions 1 to 3."))
        assert chat.summarize_older(keep_last=1)
        await wait_until(lambda: not chat.busy and chat.can_restore)
        summary_request = sim.chat_requests[-1].json
        assert summary_request["thinking"] == {"type": "disabled"}
        assert "Summarise the conversation" in summary_request["messages"][-1]["content"]
        assert "We discussed" in chat.history[0].content and len(chat.history) == 4
        sim.enqueue(Reply.text("answer 5"))
        chat.send("question 5")
        await wait_until(lambda: not chat.busy)
        sent = [m["content"] for m in sim.chat_requests[-1].json["messages"]]
        assert "question 1" not in sent and any("We discussed" in c for c in sent)
        assert chat.restore_turns()  # the originals come back, nothing was lost
        assert [m.content for m in chat.history][:2] == ["question 1", "answer 1"]
        await controller.shutdown()

    run_scenario(qloop, scenario())
