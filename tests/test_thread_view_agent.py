"""A long agent turn reopened from history: the transcript builds only its last rounds, "Show
earlier" adds the rounds before, and the turn's checkpoint row stays at its end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from dsdesk.core.messages import ToolCallRecord
from dsdesk.store import Checkpoint, Store, ToolOutcome
from dsdesk.ui.agent.checkpoints_ui import CheckpointRow
from dsdesk.ui.agent.tool_card import ToolCard
from dsdesk.ui.thread_view import TAIL, first_shown, show_earlier, show_thread
from dsdesk.ui.transcript import TranscriptView
from dsdesk.ui.transcript_messages import ActionRow, AnswerMessage, UserMessage

STEPS = 100


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[TranscriptView]:
    v = TranscriptView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    yield v


def agent_turn(store: Store, steps: int = STEPS) -> int:
    """A prompt, ``steps`` rounds of one call each (the first made a checkpoint), an answer."""
    c = store.new_conversation(store.project("/tmp/p").id)
    store.add_prompt(c.id, "study it")
    for n in range(steps):
        call_id = f"call_{n}"
        m = store.add_message(
            c.id,
            "assistant",
            f"round {n}",
            reasoning=f"thinking {n}",
            tool_calls=(ToolCallRecord(call_id, "read_file", '{"path": "a.py"}'),),
        )
        if n == 0:
            store.add_checkpoint(m.id, Checkpoint("cp-1", "before: study it"))
        store.add_message(
            c.id,
            "tool",
            f"result {n}",
            tool_call_id=call_id,
            outcome=ToolOutcome("done", f"read_file a.py #{n}", "1 line", 0.01),
        )
    store.add_message(c.id, "assistant", "all done")
    return c.id


def test_a_long_agent_turn_opens_at_its_last_rounds(store: Store, view: TranscriptView) -> None:
    thread = store.thread(agent_turn(store))
    first = first_shown(thread)
    assert 0 < first <= len(thread.messages) - TAIL
    assert thread.messages[first].role == "assistant"  # a round: its answer, then its call
    assert thread.messages[first - 1].role == "tool"
    show_thread(view, thread, prices_of(), first=first)
    entries = view._entries
    assert len(entries) <= TAIL + 3  # the link, the messages, the checkpoint row
    assert (
        isinstance(entries[0], ActionRow) and f"Show {first:,} earlier" in entries[0].plain_text()
    )
    assert isinstance(entries[1], AnswerMessage) and not entries[1].continuation
    assert isinstance(entries[2], ToolCard)
    # The turn's checkpoint was made in its first round (not built): its row is still at the end.
    assert isinstance(entries[-1], CheckpointRow)
    assert "all done" in view.answer_text()


def test_show_earlier_adds_the_rounds_before_and_the_turn_reads_as_one(
    store: Store, view: TranscriptView
) -> None:
    thread = store.thread(agent_turn(store))
    first = first_shown(thread)
    show_thread(view, thread, prices_of(), first=first)
    while first > 0:
        earlier = first_shown(thread, include=thread.messages[max(0, first - 60)].id)
        show_earlier(view, thread, prices_of(), earlier, first)
        first = earlier
    entries = view._entries
    assert isinstance(entries[0], UserMessage)
    answers = [e for e in entries if isinstance(e, AnswerMessage)]
    assert len(answers) == STEPS + 1
    assert not answers[0].continuation
    assert all(a.continuation for a in answers[1:])  # no header where a part began before
    assert sum(isinstance(e, ToolCard) for e in entries) == STEPS
    assert [type(e) for e in entries].count(CheckpointRow) == 1
    assert isinstance(entries[-1], CheckpointRow)
    cards = [e for e in entries if isinstance(e, ToolCard)]
    assert [c.plain_text().split(" — ")[0][2:] for c in cards] == [
        f"read_file a.py #{n}" for n in range(STEPS)
    ]


def test_a_plain_chat_still_opens_at_a_prompt(store: Store) -> None:
    c = store.new_conversation(store.project("/tmp/p").id)
    for n in range(60):
        store.add_prompt(c.id, f"question {n}")
        store.add_message(c.id, "assistant", f"answer {n}")
    thread = store.thread(c.id)
    first = first_shown(thread)
    assert first == len(thread.messages) - TAIL and thread.messages[first].role == "user"


def prices_of():  # type: ignore[no-untyped-def]
    from dsdesk.config.prices import load_price_table

    return load_price_table()[0]
