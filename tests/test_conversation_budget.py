"""The meter's estimate of a long conversation: each message is counted once, not at every
budget, and a budget counts only so much exactly (a reopened 500-step agent session has a
thousand messages, 1-2 MB: a second of counting on the GUI thread); the rest is estimated and
counted on later budgets, flagged as not exact until then."""

from __future__ import annotations

import pytest

from dsdesk.agent import conversation as conv_mod
from dsdesk.agent.conversation import EXACT_CHARS_PER_BUDGET, Conversation, estimate_message
from dsdesk.core.messages import Message, ToolCallRecord
from dsdesk.workspace.tokenizer_data import v4_counter


def long_session(rounds: int) -> list[Message]:
    out = [Message.user("study it")]
    for n in range(rounds):
        call = ToolCallRecord(f"call_{n}", "read_file", f'{{"path": "f{n}.py"}}')
        out.append(Message("assistant", f"round {n}", f"thinking {n}", (call,)))
        out.append(Message("tool", f"line {n} of the file\n" * 20, tool_call_id=call.id))
    return out


def test_a_long_conversation_is_counted_a_part_per_budget_then_never_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    v4_counter()  # loaded: counts are exact, so they can be kept
    messages = long_session(200)
    chars = sum(len(m.content) + len(m.reasoning or "") for m in messages)
    assert chars > 3 * EXACT_CHARS_PER_BUDGET
    expected = sum(estimate_message(m) for m in messages)
    counted: list[int] = []
    real = conv_mod.count_without_waiting

    def counting(text: str) -> int:
        counted.append(len(text))
        return real(text)

    monkeypatch.setattr(conv_mod, "count_without_waiting", counting)
    c = Conversation(messages=list(messages))
    first = c.budget(1000, draft="a")
    overhead = len(c.system_prompt) + len("a")  # counted at every budget
    assert not first.exact and 0 < sum(counted) - overhead <= EXACT_CHARS_PER_BUDGET
    for _ in range(20):
        if c.budget(1000, draft="a").exact:
            break
    counted.clear()
    done = c.budget(1000, draft="ab")
    assert done.exact and done.conversation == expected
    assert sum(counted) == len(c.system_prompt) + 2  # no message counted again
    c.messages[1] = Message("assistant", "changed", "thinking", c.messages[1].tool_calls)
    want = expected - estimate_message(messages[1]) + estimate_message(c.messages[1])
    counted.clear()
    assert c.budget(1000).conversation == want
    assert len(counted) == 2  # the system prompt and the replaced message
