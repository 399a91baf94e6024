"""The agent loop against the simulator over real HTTP: rounds, tool results, DeepSeek's rules
(the simulator rejects violations with the real 400s), approvals, stop, limits, DSML."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dsdesk.agent import events as ev
from dsdesk.agent.calls import CANCELLED_RESULT, STOPPED_RESULT, TurnLimits
from dsdesk.agent.conversation import Conversation
from dsdesk.agent.events import Answer, Approval, Decision, ToolStatus, TurnStatus
from dsdesk.agent.loop import Turn
from dsdesk.agent.policy import Mode
from dsdesk.agent.tools.base import Effect
from dsdesk.config.prices import shipped_prices_text
from dsdesk.core.pricing import PriceTable
from dsdesk.core.request import ChatOptions
from dsdesk.devserver import Reply, Simulator
from dsdesk.llm.client import DeepSeekClient
from dsdesk.llm.config import ClientConfig
from tests.agent_fakes import Approvals, FakeTool, call, session

KEY = "sk-agent-loop-test-0001"
PRICES = PriceTable.from_toml(shipped_prices_text())
OPTS = ChatOptions(model="deepseek-v4-pro", max_tokens=4000)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_key=KEY) as s:
        yield s


def client(sim: Simulator) -> DeepSeekClient:
    return DeepSeekClient(ClientConfig(base_url=sim.base_url, api_key=KEY, max_retries=0))


async def run_turn(turn: Turn, on_event: Any = None) -> list[ev.TurnEvent]:
    out: list[ev.TurnEvent] = []
    async for e in turn.events():
        out.append(e)
        if on_event:
            on_event(turn, e)
    return out


def play(sim: Simulator, conv: Conversation, prompt: str | None, **kw: Any) -> list[Any]:
    async def go() -> list[ev.TurnEvent]:
        async with client(sim) as c:
            return await run_turn(Turn(conv, c, OPTS, PRICES, prompt=prompt, **kw))

    return asyncio.run(go())


def ended(events: list[ev.TurnEvent]) -> ev.TurnEnded:
    assert isinstance(events[-1], ev.TurnEnded)
    assert sum(isinstance(e, ev.TurnEnded) for e in events) == 1
    return events[-1]


def sent_messages(sim: Simulator, n: int) -> list[dict[str, Any]]:
    return sim.chat_requests[n].json["messages"]


def test_plain_chat_is_a_turn_of_one_round(sim: Simulator) -> None:
    sim.enqueue(Reply.text("Hello there.", "thinking…"))
    conv = Conversation()
    events = play(sim, conv, "hi")
    end = ended(events)
    assert end.status is TurnStatus.DONE and end.rounds == 1 and end.tool_calls == 0
    assert "".join(e.text for e in events if isinstance(e, ev.ContentText)) == "Hello there."
    assert [m.role for m in conv.messages] == ["user", "assistant"]
    assert conv.messages[1].reasoning == "thinking…"
    body = sim.chat_requests[0].json
    assert "tools" not in body and "tool_choice" not in body


def test_tool_round_sends_back_reasoning_calls_and_results_as_a_byte_prefix(
    sim: Simulator, tmp_path: Path
) -> None:
    read = FakeTool("read_file", Effect.READ, reply="1\tprint('hi')")
    sim.enqueue(
        Reply.text(
            "", "I should read it.", tool_calls=[call("call_00_a", "read_file", path="app.py")]
        )
    )
    sim.enqueue(Reply.text("It prints hi."))
    conv = Conversation()
    events = play(sim, conv, "what does app.py do?", session=session(tmp_path, [read]))
    end = ended(events)
    assert end.status is TurnStatus.DONE and end.rounds == 2 and end.tool_calls == 1
    assert read.ran == [{"path": "app.py"}]
    first, second = sent_messages(sim, 0), sent_messages(sim, 1)
    assert second[: len(first)] == first  # the cache invariant: the prefix is unchanged
    assistant, result = second[len(first)], second[len(first) + 1]
    assert assistant["content"] == "" and assistant["reasoning_content"] == "I should read it."
    assert assistant["tool_calls"][0]["id"] == "call_00_a"
    assert result == {"role": "tool", "content": "1\tprint('hi')", "tool_call_id": "call_00_a"}
    body = sim.chat_requests[1].json
    assert body["tools"][0]["function"]["name"] == "read_file" and "tool_choice" not in body
    kinds = [type(e).__name__ for e in events]
    assert (
        kinds.index("ToolCallStarted")
        < kinds.index("ToolCallReady")
        < kinds.index("ToolCallEnded")
        < kinds.index("RoundStarted", kinds.index("ToolCallEnded"))
    )
    [out] = [e for e in events if isinstance(e, ev.ToolOutput)]
    assert out.text == "running read_file\n"
    # The next turn is accepted by the simulator, which checks every rule of the history.
    sim.enqueue(Reply.text("Sure."))
    assert ended(play(sim, conv, "thanks", session=session(tmp_path, [read]))).status is (
        TurnStatus.DONE
    )


def test_parallel_calls_are_one_assistant_message_then_all_results_in_order(
    sim: Simulator, tmp_path: Path
) -> None:
    read = FakeTool("read_file", Effect.READ)
    sim.enqueue(
        Reply.text(
            "",
            tool_calls=[
                call("call_00_x", "read_file", path="a"),
                call("call_01_y", "read_file", path="b"),
            ],
        )
    )
    sim.enqueue(Reply.text("done"))
    conv = Conversation()
    play(sim, conv, "read both", session=session(tmp_path, [read]))
    roles = [(m.role, m.tool_call_id) for m in conv.messages]
    assert roles == [
        ("user", None),
        ("assistant", None),
        ("tool", "call_00_x"),
        ("tool", "call_01_y"),
        ("assistant", None),
    ]


def test_duplicate_or_missing_ids_from_a_server_are_made_unique(
    sim: Simulator, tmp_path: Path
) -> None:
    read = FakeTool("read_file", Effect.READ)
    for _ in range(2):
        sim.enqueue(Reply.text("", tool_calls=[call("call_0", "read_file", path="a")]))
    sim.enqueue(Reply.text("done"))
    conv = Conversation()
    play(sim, conv, "go", session=session(tmp_path, [read]))
    ids = [c.id for m in conv.messages for c in m.tool_calls]
    results = [m.tool_call_id for m in conv.messages if m.role == "tool"]
    assert len(ids) == 2 and len(set(ids)) == 2 and results == ids


def test_deny_with_a_reason_reaches_the_model_and_nothing_runs(
    sim: Simulator, tmp_path: Path
) -> None:
    edit = FakeTool("edit_file", Effect.EDIT)
    asker = Approvals(Approval(Answer.DENY, "use the other file"))
    sim.enqueue(Reply.text("", tool_calls=[call("call_00_e", "edit_file", path="a.py")]))
    sim.enqueue(Reply.text("OK, I will not."))
    conv = Conversation()
    events = play(
        sim, conv, "fix it", session=session(tmp_path, [edit], Mode.READ_ONLY, approver=asker)
    )
    assert edit.ran == []
    [q] = asker.asked
    assert q.title == "edit_file a.py" and "Read-only" in q.why
    [ready] = [e for e in events if isinstance(e, ev.ToolCallReady)]
    assert ready.decision is Decision.ASK
    [done] = [e for e in events if isinstance(e, ev.ToolCallEnded)]
    assert done.status is ToolStatus.DENIED and done.approval is Answer.DENY
    result = sent_messages(sim, 1)[-1]
    assert result["role"] == "tool" and "use the other file" in result["content"]


def test_approve_for_the_session_asks_once(sim: Simulator, tmp_path: Path) -> None:
    edit = FakeTool("edit_file", Effect.EDIT)
    asker = Approvals(Approval(Answer.SESSION))
    s = session(tmp_path, [edit], Mode.READ_ONLY, approver=asker)
    sim.enqueue(Reply.text("", tool_calls=[call("call_00_e", "edit_file", path="a.py")]))
    sim.enqueue(Reply.text("", tool_calls=[call("call_01_e", "edit_file", path="b.py")]))
    sim.enqueue(Reply.text("done"))
    play(sim, Conversation(), "fix both", session=s)
    assert len(asker.asked) == 1 and len(edit.ran) == 2
    assert [r.pattern for r in s.policy.session] == ["*"] and s.policy.rules == []


def test_stop_while_a_tool_runs_answers_every_call_and_keeps_a_valid_conversation(
    sim: Simulator, tmp_path: Path
) -> None:
    slow = FakeTool("run_command", Effect.EXECUTE, delay=30)
    read = FakeTool("read_file", Effect.READ)
    s = session(tmp_path, [slow, read], Mode.FULL_AUTO)
    sim.enqueue(
        Reply.text(
            "",
            tool_calls=[
                call("call_00_r", "run_command", command="sleep 30"),
                call("call_01_r", "read_file", path="x"),
            ],
        )
    )
    conv = Conversation()

    def stop_when_running(turn: Turn, e: ev.TurnEvent) -> None:
        if isinstance(e, ev.ToolOutput):
            turn.stop()

    async def go() -> list[ev.TurnEvent]:
        async with client(sim) as c:
            return await run_turn(
                Turn(conv, c, OPTS, PRICES, prompt="go", session=s), stop_when_running
            )

    events = asyncio.run(go())
    assert ended(events).status is TurnStatus.STOPPED
    assert read.ran == []
    tools = [m for m in conv.messages if m.role == "tool"]
    assert [m.tool_call_id for m in tools] == ["call_00_r", "call_01_r"]
    assert [m.content for m in tools] == [STOPPED_RESULT, CANCELLED_RESULT]
    statuses = [e.status for e in events if isinstance(e, ev.ToolCallEnded)]
    assert statuses == [ToolStatus.CANCELLED, ToolStatus.CANCELLED]
    sim.enqueue(Reply.text("Stopped, fine."))
    assert ended(play(sim, conv, "ok", session=s)).status is TurnStatus.DONE


def test_stop_mid_answer_keeps_what_arrived(sim: Simulator) -> None:
    sim.enqueue(Reply.text("word " * 400, chunk_delay=0.01, chunk_size=5))
    conv = Conversation()

    def stop_after_some(turn: Turn, e: ev.TurnEvent) -> None:
        if isinstance(e, ev.ContentText) and e.text.count("word") and len(conv.messages) == 0:
            turn.stop()

    async def go() -> list[ev.TurnEvent]:
        async with client(sim) as c:
            return await run_turn(Turn(conv, c, OPTS, PRICES, prompt="talk"), stop_after_some)

    events = asyncio.run(go())
    assert ended(events).status is TurnStatus.STOPPED
    assert [m.role for m in conv.messages] == ["user", "assistant"]
    assert 0 < len(conv.messages[1].content) < len("word " * 400)


def test_step_budget_pauses_and_continue_goes_on(sim: Simulator, tmp_path: Path) -> None:
    read = FakeTool("read_file", Effect.READ)
    s = session(tmp_path, [read])
    for n in range(3):
        sim.enqueue(Reply.text("", tool_calls=[call(f"call_{n:02d}_s", "read_file", path=str(n))]))
    sim.enqueue(Reply.text("finished"))
    conv = Conversation()
    end = ended(play(sim, conv, "go", session=s, limits=TurnLimits(max_steps=2)))
    assert end.status is TurnStatus.LIMIT and "2 steps" in end.message
    end = ended(play(sim, conv, None, session=s, limits=TurnLimits(max_steps=2)))
    assert end.status is TurnStatus.DONE and len(read.ran) == 3
    assert [m.role for m in conv.messages].count("user") == 1


def test_repeated_identical_calls_warn_then_pause(sim: Simulator, tmp_path: Path) -> None:
    read = FakeTool("read_file", Effect.READ)
    for n in range(6):
        sim.enqueue(Reply.text("", tool_calls=[call(f"call_{n:02d}_p", "read_file", path="same")]))
    events = play(sim, Conversation(), "go", session=session(tmp_path, [read]))
    notices = [e.text for e in events if isinstance(e, ev.Notice)]
    assert any("3 times" in n for n in notices)
    end = ended(events)
    assert end.status is TurnStatus.LIMIT and "5 times" in end.message and len(read.ran) == 5


def test_dsml_markup_in_content_is_caught_not_shown(sim: Simulator, tmp_path: Path) -> None:
    markup = 'Let me look.<｜DSML｜function_calls><｜DSML｜invoke name="read_file">'
    sim.enqueue(Reply.text(markup, chunk_size=2))
    conv = Conversation()
    events = play(sim, conv, "go", session=session(tmp_path, [FakeTool("read_file", Effect.READ)]))
    shown = "".join(e.text for e in events if isinstance(e, ev.ContentText))
    assert shown == "Let me look."
    end = ended(events)
    assert end.status is TurnStatus.ERROR and "DSML" in end.message
    assert conv.messages == []  # Retry resends the same request


def test_a_failed_first_round_leaves_the_conversation_unchanged(sim: Simulator) -> None:
    sim.enqueue(Reply.error(402))
    conv = Conversation()
    end = ended(play(sim, conv, "hi"))
    assert end.status is TurnStatus.ERROR and end.error_kind == "balance"
    assert end.http_status == 402 and conv.messages == []


@pytest.mark.parametrize(
    ("reason", "status", "words"),
    [
        ("content_filter", TurnStatus.FILTERED, "content filter"),
        ("insufficient_system_resource", TurnStatus.BUSY, "Retry"),
        ("length", TurnStatus.LENGTH, "Continue"),
    ],
)
def test_finish_reasons_in_plain_words(
    sim: Simulator, reason: str, status: TurnStatus, words: str
) -> None:
    sim.enqueue(Reply.text("partial", finish_reason=reason))
    end = ended(play(sim, Conversation(), "hi"))
    assert end.status is status and words in end.message


def test_usage_and_cost_are_summed_over_rounds(sim: Simulator, tmp_path: Path) -> None:
    read = FakeTool("read_file", Effect.READ)
    sim.enqueue(Reply.text("", tool_calls=[call("call_00_u", "read_file", path="a")]))
    sim.enqueue(Reply.text("done"))
    conv = Conversation()
    events = play(sim, conv, "go", session=session(tmp_path, [read]))
    rounds = [e for e in events if isinstance(e, ev.RoundEnded)]
    end = ended(events)
    assert end.usage is not None and len(rounds) == 2
    assert end.usage.prompt_tokens == sum(r.usage.prompt_tokens for r in rounds if r.usage)
    assert end.cost == pytest.approx(sum(r.cost for r in rounds if r.cost is not None))
    assert rounds[1].usage is not None and rounds[1].usage.cache_hit_tokens > 0
    assert conv.server_prompt == (rounds[1].usage.prompt_tokens, 3)
    json.dumps([m.content for m in conv.messages])  # plain data


def test_changing_effort_or_tools_mid_conversation_is_a_visible_cache_miss(
    sim: Simulator, tmp_path: Path
) -> None:
    conv = Conversation()
    sim.enqueue(Reply.text("one"))
    assert not [e for e in play(sim, conv, "a") if isinstance(e, ev.Notice)]
    sim.enqueue(Reply.text("two"))
    assert not [e for e in play(sim, conv, "b") if isinstance(e, ev.Notice)]  # same head

    async def go(opts: ChatOptions) -> list[ev.TurnEvent]:
        async with client(sim) as c:
            return await run_turn(Turn(conv, c, opts, PRICES, prompt="c"))

    sim.enqueue(Reply.text("three"))
    events = asyncio.run(go(OPTS.__class__(model=OPTS.model, max_tokens=4000, effort="max")))
    [notice] = [e for e in events if isinstance(e, ev.Notice)]
    assert "full cache miss" in notice.text
    assert conv.cache_note is None or "effort" in conv.cache_note
