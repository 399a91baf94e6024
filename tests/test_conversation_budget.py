"""The meter's estimate of a long conversation: each message is counted once, not at every
budget (a reopened 500-step agent session has a thousand messages; the meter asks again at
every pause in typing)."""

from __future__ import annotations

import pytest

from dsdesk.agent import conversation as conv_mod
from dsdesk.agent.conversation import Conversation, estimate_message
from dsdesk.core.messages import Message, ToolCallRecord
from dsdesk.workspace.tokenizer_data import v4_counter


def long_session(rounds: int) -> list[Message]:
    out = [Message.user("study it")]
    for n in range(rounds):
        call = ToolCallRecord(f"call_{n}", "read_file", f'{{"path": "f{n}.py"}}')
        out.append(Message("assistant", f"round {n}", f"thinking {n}", (call,)))
        out.append(Message("tool", f"line {n}\n" * 20, tool_call_id=call.id))
    return out


def test_each_message_is_counted_once_and_the_total_is_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    v4_counter()  # loaded: counts are exact, so they can be kept
    messages = long_session(200)
    expected = sum(estimate_message(m) for m in messages)
    calls = 0
    real = conv_mod.estimate_message

    def counting(m: Message) -> int:
        nonlocal calls
        calls += 1
        return real(m)

    monkeypatch.setattr(conv_mod, "estimate_message", counting)
    c = Conversation(messages=list(messages))
    first = c.budget(1000, draft="a")
    assert first.conversation == expected and calls == len(messages)
    again = c.budget(1000, draft="ab")
    assert again.conversation == expected and calls == len(messages)  # none counted again
    c.messages[1] = Message("assistant", "changed", "thinking", c.messages[1].tool_calls)
    assert c.budget(1000).conversation == expected - estimate_message(messages[1]) + (
        estimate_message(c.messages[1])
    )
    assert calls == len(messages) + 1  # only the replaced one
