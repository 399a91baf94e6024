"""Showing a stored conversation in the transcript, as it looked when it streamed: versions,
reasoning with its token count, status and the usage line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from dsdesk.agent.events import ToolStatus
from dsdesk.core.events import Usage
from dsdesk.core.pricing import PriceTable, format_cost
from dsdesk.services.chat_types import mode_text
from dsdesk.services.history import MessageRef
from dsdesk.store import StoredMessage, Thread
from dsdesk.ui.agent.checkpoints_ui import CheckpointRow
from dsdesk.ui.agent.tool_card import ToolCard
from dsdesk.ui.transcript import TranscriptView
from dsdesk.ui.transcript_messages import AnswerMessage
from dsdesk.ui.transcript_style import Theme

# A stored answer cut off by a crash (or still being written by another dsdesk) shows as
# stopped, with the reason in its status line.
_STATUS = {
    "done": "done",
    "error": "error",
    "stopped": "stopped",
    "interrupted": "stopped",
    "streaming": "stopped",
}
# Building a message's widgets costs 2-3 ms, so a long conversation opens at its last messages
# and earlier ones are added on request ("Show N earlier messages").
TAIL = 40
EARLIER_ACTION = "earlier"


def usage_text(usage: Usage, cost: float | None, currency: str) -> str:
    u = usage
    return (
        f"input {u.prompt_tokens:,} (cache hit {u.cache_hit_tokens:,} / miss "
        f"{u.cache_miss_tokens:,}) · reasoning {u.reasoning_tokens:,} · "
        f"output {u.output_tokens:,} · {format_cost(cost, currency)}"
    )


def first_shown(thread: Thread, shown: int | None = None, include: int | None = None) -> int:
    """Index of the first message to build: the last ``TAIL`` ones, reaching back to the
    message ``include`` (an id) if it is earlier; always where an exchange or a round starts:
    a prompt, or a round of an agent turn (an answer after a tool result), so one agent turn
    of hundreds of steps opens at its last rounds too."""
    messages = thread.messages[:shown]
    first = max(0, len(messages) - TAIL)
    ids = [m.id for m in messages]
    if include in ids:
        first = min(first, ids.index(include))
    while first > 0 and not _starts_round(messages, first):
        first -= 1
    return first


def _starts_round(messages: Sequence[StoredMessage], i: int) -> bool:
    m = messages[i]
    return m.role == "user" or (m.role == "assistant" and messages[i - 1].role == "tool")


def show_thread(
    view: TranscriptView,
    thread: Thread,
    prices: PriceTable,
    shown: int | None = None,
    first: int = 0,
) -> None:
    """Replace the transcript with messages ``first`` to ``shown`` of the thread (None: to the
    end); a link offers the ones before ``first``."""
    view.clear()
    with view.layout_deferred():
        _add(view, thread, prices, first, shown)


def show_earlier(
    view: TranscriptView, thread: Thread, prices: PriceTable, first: int, end: int
) -> None:
    """Add messages ``first`` to ``end`` above the ones shown (which start at ``end``, under
    the "Show earlier messages" link); only the new ones are built."""
    view.remove_first()
    with view.inserting_at_top(), view.layout_deferred():
        _add(view, thread, prices, first, end)
    if 0 < end < len(thread.messages) and _starts_round(thread.messages, end):
        entry = view.message(thread.messages[end].id)  # it opened the part shown before
        if isinstance(entry, AnswerMessage) and thread.messages[end].role == "assistant":
            entry.set_continuation()  # now under its tool cards: no header


def _add(
    view: TranscriptView, thread: Thread, prices: PriceTable, first: int, end: int | None
) -> None:
    if first > 0:
        view.add_actions([(f"▲ Show {first:,} earlier messages", EARLIER_ACTION)])
    messages = thread.messages
    stop = len(messages) if end is None else end
    # Of the turn being shown, added at its end; a turn shown from one of its later rounds
    # has its checkpoints in the rounds before (not built): collect them too.
    checkpoints: list[tuple[str, str]] = []
    start = first
    while start > 0 and messages[start].role != "user":
        start -= 1
        checkpoints[:0] = [(c.id, c.label) for c in messages[start].checkpoints]
    for i in range(first, stop):
        m = messages[i]
        ref = MessageRef(m.id, *thread.version(m.id))
        if m.role == "user" and checkpoints:
            _add_checkpoints(view, checkpoints)
        if m.role == "user":
            # The mode a prompt was sent in is stored with its answer; shown as when it was sent.
            nxt = messages[i + 1] if i + 1 < len(messages) else None
            meta = mode_text(nxt.model, nxt.thinking, nxt.effort) if nxt else ""
            view.add_user_message(m.content, meta, ref)
        elif m.role == "assistant":
            after_tool = i > first and messages[i - 1].role == "tool"
            _show_answer(view, m, ref, prices, continuation=after_tool)
            checkpoints += [(c.id, c.label) for c in m.checkpoints]
        elif m.role == "tool":
            view.add_card(stored_tool_card(m, view.theme))
    if checkpoints and (stop == len(messages) or messages[stop].role == "user"):
        _add_checkpoints(view, checkpoints)  # the turn ends here (not in the part shown below)


def _add_checkpoints(view: TranscriptView, checkpoints: list[tuple[str, str]]) -> None:
    cid, label = checkpoints[0]  # the turn's first: "before this turn"
    view.add_card(CheckpointRow(cid, label))
    checkpoints.clear()


def stored_tool_card(m: StoredMessage, theme: Theme) -> ToolCard:
    """A finished card for a stored tool result, as it looked when the call ended."""
    outcome = m.outcome
    card = ToolCard(m.tool_call_id or "", outcome.title if outcome else "tool", theme)
    if outcome is None:
        card.set_title("tool call")
        card.finish(ToolStatus.DONE, "", m.content, 0.0)
        return card
    card.set_title(outcome.title)
    summary = outcome.summary
    if m.approval is not None and m.approval.answer in ("once", "session", "always"):
        summary = f"{summary} · allowed {_ALLOWED[m.approval.answer]}".lstrip(" ·")
    try:
        status = ToolStatus(outcome.status)
    except ValueError:  # written by a newer dsdesk: show it, do not fail the whole thread
        status = ToolStatus.DONE
    card.finish(status, summary, m.content, outcome.seconds)
    return card


_ALLOWED = {"once": "once", "session": "for the session", "always": "always"}


def _show_answer(
    view: TranscriptView,
    m: StoredMessage,
    ref: MessageRef,
    prices: PriceTable,
    *,
    continuation: bool = False,
) -> None:
    meta = mode_text(m.model, m.thinking, m.effort)
    view.begin_answer(meta, ref, continuation=continuation)
    if m.reasoning:
        view.append_reasoning(m.reasoning)
    view.append_content(m.content)
    line = None
    if m.usage is not None:
        view.set_reasoning_tokens(m.usage.reasoning_tokens)
        when = datetime.fromtimestamp(m.created_at, UTC)
        cost = prices.cost(m.usage, m.model, when) if m.model else None
        line = usage_text(m.usage, cost, prices.currency)
    if m.status == "interrupted":
        line = "interrupted (dsdesk was closed mid-answer)" + (f" · {line}" if line else "")
    elif m.status == "streaming":
        line = "unfinished: another dsdesk window is writing it, or it was cut off"
    elif m.status == "error" and m.error:
        line = m.error
    view.end_answer(_STATUS.get(m.status, "done"), line)
