"""A stored path as the conversation the model sees again, valid for the API whatever the store
holds after a crash.

A turn is a user message and everything after it until the next one: in an agent turn, rounds
of an assistant message with ``tool_calls`` followed by one tool message per call, then the final
answer. Reopening must never send what DeepSeek rejects (docs/ARCHITECTURE.md §4), so:

- a call whose result never arrived (dsdesk was killed while it ran) gets
  :data:`INTERRUPTED_RESULT`;
- results come right after their call, in call order; a result with no call is left out;
- a call id used earlier on the path is renamed (call and result) so ids stay unique;
- as in the live chat, an answer that failed or brought nothing is left out, and a prompt with
  nothing after it (never answered) is not resent; an agent turn whose final answer failed keeps
  its finished rounds (the live conversation keeps them too).
"""

from __future__ import annotations

from collections.abc import Sequence

from dsdesk.core.messages import Message, ToolCallRecord
from dsdesk.store.records import StoredMessage

__all__ = ["INTERRUPTED_RESULT", "conversation_messages"]

INTERRUPTED_RESULT = "(interrupted: dsdesk was closed before this call finished)"


def conversation_messages(messages: Sequence[StoredMessage]) -> list[Message]:
    out: list[Message] = []
    turn: list[Message] = []
    prompt: StoredMessage | None = None
    used: set[str] = set()
    i = 0
    while i < len(messages):
        m = messages[i]
        i += 1
        if m.role == "user":
            if prompt is not None and turn:
                out += [Message.user(prompt.content), *turn]
            prompt, turn = m, []
        elif prompt is None:
            continue  # no prompt before it (a system note, a stray result): not resent
        elif m.role == "assistant" and m.tool_calls:
            results: dict[str, str] = {}
            while i < len(messages) and messages[i].role == "tool":
                r = messages[i]
                results.setdefault(r.tool_call_id or "", r.content)
                i += 1
            turn += _round(m, results, used)
        elif m.role == "assistant" and m.status != "error" and m.content:
            turn.append(Message.assistant(m.content, m.reasoning))
        # anything else (a tool message outside a round, an empty or failed answer) is left out
    if prompt is not None and turn:
        out += [Message.user(prompt.content), *turn]
    return out


def _round(m: StoredMessage, results: dict[str, str], used: set[str]) -> list[Message]:
    """The assistant's calls, then exactly one result per call in call order."""
    calls: list[ToolCallRecord] = []
    answers: list[Message] = []
    for call in m.tool_calls:
        cid = call.id
        n = 1
        while not cid or cid in used:
            cid = f"{call.id or 'call'}_{n}"
            n += 1
        used.add(cid)
        calls.append(ToolCallRecord(cid, call.name, call.arguments))
        answers.append(Message.tool(cid, results.get(call.id, INTERRUPTED_RESULT)))
    return [Message.assistant(m.content, m.reasoning, tuple(calls)), *answers]
