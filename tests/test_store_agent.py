"""Agent turns in the store: tool-call messages, tool results with their ids, outcomes,
approvals and checkpoints are written and read back, exported and imported; a stored path
becomes a conversation the API accepts, repaired when a kill left a call without its result."""

from __future__ import annotations

import json
from typing import Any

from dsdesk.core.events import Usage
from dsdesk.core.messages import Message, ToolCallRecord
from dsdesk.core.request import ChatOptions, build_chat_request
from dsdesk.devserver import rules
from dsdesk.store import ApprovalRecord, Checkpoint, Store, StoredMessage, ToolOutcome
from dsdesk.store.export import dumps
from dsdesk.store.replay import INTERRUPTED_RESULT, conversation_messages
from tests.store_fixtures import Clock

READ = ToolCallRecord("call_00_a", "read_file", '{"path": "src/app.py"}')
RUN = ToolCallRecord("call_01_b", "run_command", '{"command": "rm -rf build"}')


def _agent_turn(store: Store) -> int:
    """user → assistant(2 calls) → 2 results → assistant(final), as the recorder writes it."""
    c = store.new_conversation(store.project("/a").id).id
    store.add_prompt(c, "clean and look")
    w = store.begin_answer(c, model="deepseek-v4-pro", thinking=True, effort="high")
    w.append(reasoning="I should look")
    usage = Usage(100, 20, 0, 100, 10)
    w.finish_tool_calls("", "I should look first.", (READ, RUN), usage=usage)
    store.add_checkpoint(w.message_id, Checkpoint("cp-1", "Before: $ rm -rf build"))
    store.add_message(
        c,
        "tool",
        "1\tprint('hi')",
        tool_call_id=READ.id,
        outcome=ToolOutcome("done", "read_file src/app.py", "1 line", 0.01),
    )
    store.add_message(
        c,
        "tool",
        "The user denied this call. Their reason: keep build",
        tool_call_id=RUN.id,
        outcome=ToolOutcome("denied", "$ rm -rf build", "denied: keep build"),
        approval=ApprovalRecord("deny", "keep build", "deletes recursively"),
    )
    with store.begin_answer(c, model="deepseek-v4-pro", thinking=True) as final:
        final.append(content="It prints hi.", reasoning="done")
    return c


def _accepted(messages: list[Message], thinking: bool = True) -> str | None:
    """The simulator's verdict (its rules carry the real 400 texts); None: accepted."""
    body = build_chat_request(
        [Message.system("sys"), *messages, Message.user("next")], ChatOptions(thinking=thinking)
    )
    return rules.semantic_error(json.loads(json.dumps(body)), thinking)


def test_an_agent_turn_is_stored_and_read_back_whole(store: Store) -> None:
    c = _agent_turn(store)
    thread = store.thread(c)
    assert [m.role for m in thread.messages] == ["user", "assistant", "tool", "tool", "assistant"]
    _, calls, read, run, final = thread.messages
    # a chain: each message under the one before
    assert [m.parent_id for m in thread.messages[1:]] == [m.id for m in thread.messages[:-1]]
    assert calls.tool_calls == (READ, RUN) and calls.status == "done"
    # as sent, not as streamed
    assert calls.reasoning == "I should look first." and calls.content == ""
    assert calls.finish_reason == "tool_calls" and calls.usage == Usage(100, 20, 0, 100, 10)
    assert calls.checkpoints == (Checkpoint("cp-1", "Before: $ rm -rf build"),)
    assert (read.tool_call_id, run.tool_call_id) == (READ.id, RUN.id)
    assert read.outcome == ToolOutcome("done", "read_file src/app.py", "1 line", 0.01)
    assert run.approval == ApprovalRecord("deny", "keep build", "deletes recursively")
    assert final.content == "It prints hi." and final.tool_calls == ()
    # the conversation the model sees again is exactly the live one
    assert conversation_messages(thread.messages) == [
        Message.user("clean and look"),
        Message.assistant("", "I should look first.", (READ, RUN)),
        Message.tool(READ.id, "1\tprint('hi')"),
        Message.tool(RUN.id, "The user denied this call. Their reason: keep build"),
        Message.assistant("It prints hi.", "done"),
    ]
    assert _accepted(conversation_messages(thread.messages)) is None


def test_json_export_round_trips_the_agent_records(store: Store, clock: Clock) -> None:
    c = _agent_turn(store)
    data = json.loads(dumps(store.export_json(c)))
    calls = data["messages"][1]
    assert calls["tool_calls"] == [
        {"id": "call_00_a", "name": "read_file", "arguments": '{"path": "src/app.py"}'},
        {"id": "call_01_b", "name": "run_command", "arguments": '{"command": "rm -rf build"}'},
    ]
    assert calls["checkpoints"] == [{"id": "cp-1", "label": "Before: $ rm -rf build"}]
    denied = data["messages"][3]
    assert denied["tool_call_id"] == "call_01_b"
    assert denied["approval"] == {
        "answer": "deny",
        "reason": "keep build",
        "why": "deletes recursively",
    }
    assert denied["outcome"]["status"] == "denied"
    copy = store.import_json(data, store.project("/b").id)
    old, new = store.thread(c).messages, store.thread(copy.id).messages
    fields = ("role", "content", "tool_calls", "tool_call_id", "outcome", "approval", "checkpoints")
    assert [[getattr(m, f) for f in fields] for m in new] == [
        [getattr(m, f) for f in fields] for m in old
    ]


def test_markdown_shows_calls_compactly_with_results_folded(store: Store) -> None:
    c = _agent_turn(store)
    md = store.export_markdown(c)
    assert "▸ `read_file src/app.py` — 1 line\n" in md
    assert "▸ `$ rm -rf build` — denied: keep build · denied by you\n" in md
    assert "<details><summary>Result</summary>\n\n```\n1\tprint('hi')\n```\n\n</details>" in md
    assert "_Checkpoint: Before: $ rm -rf build (`cp-1`)_" in md
    assert md.count("## Assistant") == 1  # the rounds of a turn read as one answer
    assert md.count("## Tool") == 0  # results are under their calls
    assert md.index("▸ `read_file") < md.index("▸ `$ rm") < md.index("It prints hi.")


# -- the load-side repair ------------------------------------------------------------------------


def _m(mid: int, role: str, content: str = "", status: str = "done", **kw: Any) -> StoredMessage:
    return StoredMessage(
        mid, 1, mid - 1 or None, role, content, kw.pop("reasoning", None), status,  # type: ignore[arg-type]
        None, None, None, None, None, **kw,
    )  # fmt: skip


def test_a_call_killed_before_its_result_gets_an_interrupted_result() -> None:
    stored = [
        _m(1, "user", "look"),
        _m(2, "assistant", reasoning="r", tool_calls=(READ, RUN)),
        _m(3, "tool", "file text", tool_call_id=READ.id),
        # killed while run_command ran: no result for call_01_b
    ]
    naive = [
        Message.user("look"),
        Message.assistant("", "r", (READ, RUN)),
        Message.tool(READ.id, "file text"),
    ]
    assert _accepted(naive) is not None  # what the API would reject (a dangling call)
    repaired = conversation_messages(stored)
    assert repaired == [*naive, Message.tool(RUN.id, INTERRUPTED_RESULT)]
    assert _accepted(repaired) is None


def test_repair_orders_results_drops_orphans_and_keeps_ids_unique() -> None:
    stored = [
        _m(1, "user", "q1"),
        _m(2, "assistant", tool_calls=(READ, RUN)),
        _m(3, "tool", "ran", tool_call_id=RUN.id),  # out of call order
        _m(4, "tool", "stray", tool_call_id="call_99"),  # no such call
        _m(5, "tool", "read", tool_call_id=READ.id),
        _m(6, "assistant", "answer 1"),
        _m(7, "tool", "orphan after the answer", tool_call_id="call_98"),
        _m(8, "user", "q2"),
        _m(9, "assistant", tool_calls=(READ,)),  # an id used before on the path
        _m(10, "tool", "read again", tool_call_id=READ.id),
        _m(11, "assistant", "answer 2"),
    ]
    msgs = conversation_messages(stored)
    assert [(m.role, m.tool_call_id or "", m.content) for m in msgs] == [
        ("user", "", "q1"),
        ("assistant", "", ""),
        ("tool", READ.id, "read"),
        ("tool", RUN.id, "ran"),
        ("assistant", "", "answer 1"),
        ("user", "", "q2"),
        ("assistant", "", ""),
        ("tool", "call_00_a_1", "read again"),
        ("assistant", "", "answer 2"),
    ]
    assert msgs[6].tool_calls[0].id == "call_00_a_1"
    assert _accepted(msgs) is None and _accepted(msgs, thinking=False) is None


def test_a_turn_cut_off_after_its_rounds_keeps_them() -> None:
    stored = [
        _m(1, "user", "q1"),
        _m(2, "assistant", tool_calls=(READ,), reasoning="r"),
        _m(3, "tool", "read", tool_call_id=READ.id),
        _m(4, "assistant", "", "interrupted", reasoning="half a thought"),  # killed mid-round
        _m(5, "user", "q2"),
        _m(6, "assistant", tool_calls=(RUN,)),
        _m(7, "tool", "ok", tool_call_id=RUN.id),
        _m(8, "assistant", "", "error"),  # the next round failed
        _m(9, "user", "q3"),
        _m(10, "assistant", "", "stopped"),  # plain chat: nothing arrived, left out
        _m(11, "user", "never answered"),
    ]
    msgs = conversation_messages(stored)
    assert [(m.role, m.content) for m in msgs] == [
        ("user", "q1"),
        ("assistant", ""),
        ("tool", "read"),
        ("user", "q2"),
        ("assistant", ""),
        ("tool", "ok"),
    ]
    assert _accepted(msgs) is None
