"""Parking (dsdesk.ui.transcript_park): a long transcript keeps only the screens around the view
built, and an entry built back looks and behaves as it did."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget
from pytestqt.qtbot import QtBot

from dsdesk.agent.events import Answer, ToolStatus
from dsdesk.services.history import MessageRef
from dsdesk.ui.agent.tool_card import ToolCard
from dsdesk.ui.transcript import TranscriptView
from dsdesk.ui.transcript_messages import AnswerMessage, UserMessage
from dsdesk.ui.transcript_park import Parked

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

STEPS = 60  # rounds: an answer and a tool card each, about 40 screens in all


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[TranscriptView]:
    v = TranscriptView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.show()
    qtbot.waitExposed(v)
    v.parking.keep_built = 10  # park as soon as possible (the app waits for 60 built entries)
    yield v
    v.clear()


def fill(view: TranscriptView, steps: int = STEPS) -> None:
    view.add_user_message("Study the project", "V4 Pro", MessageRef(1, 1, 1))
    for n in range(steps):
        view.begin_answer("", MessageRef(100 + n, 1, 1), continuation=n > 0)
        view.append_reasoning(f"step {n}: I should look at module {n} next. " * 3)
        view.append_content(f"Reading **module_{n}.py** now.\n\n```python\nx = {n}\n```\n")
        view.set_reasoning_tokens(40 + n)
        view.end_answer("done", f"usage of step {n}")
        card = ToolCard(f"call-{n}", "run_command", view.theme)
        view.add_card(card)
        card.set_title(f"$ pytest tests/test_{n}.py")
        card.append_output("".join(f"output {n}.{k}\n" for k in range(30)))
        card.finish(ToolStatus.DONE, "exit 0", f"result {n}", 0.5)
    view.begin_answer("", MessageRef(999, 1, 1), continuation=True)
    view.append_content("All done.")
    view.end_answer("done", "final usage")


def add_read_cards(view: TranscriptView, steps: int = STEPS) -> list[ToolCard]:
    """Ended read_file cards, one a step."""
    cards = []
    for n in range(steps):
        card = ToolCard(f"c{n}", "read_file", view.theme)
        view.add_card(card)
        card.set_title(f"read_file f{n}.py")
        card.finish(ToolStatus.DONE, "12 lines", "x\n" * 12, 0.1)
        cards.append(card)
    return cards


def settle(qtbot: QtBot, view: TranscriptView) -> None:
    """Let layout and parking run until nothing more changes."""
    for _ in range(40):
        before = (view.parking.parked_total, view.parking.built_total)
        for _ in range(3):
            QApplication.processEvents()
        qtbot.wait(5)
        if (view.parking.parked_total, view.parking.built_total) == before:
            if not view.parking.pending():
                return
            qtbot.waitUntil(lambda: not view.parking.pending(), timeout=2000)


def built(view: TranscriptView) -> list[QWidget]:
    return [e for e in view._entries if not isinstance(e, Parked)]


def on_screen(view: TranscriptView) -> list[QWidget]:
    bar = view.scroll_bar()
    top, bottom = bar.value(), bar.value() + view._scroll.viewport().height()
    return [e for e in view._entries if y(view, e) + e.height() > top and y(view, e) < bottom]


def y(view: TranscriptView, entry: QWidget) -> int:
    """``entry``'s top in the transcript (its own ``y()`` is in its page)."""
    return entry.mapTo(view._body, QPoint(0, 0)).y()


def test_far_entries_are_parked_and_the_text_is_unchanged(
    view: TranscriptView, qtbot: QtBot
) -> None:
    view.parking.enabled = False
    fill(view)
    settle(qtbot, view)
    everything = view.plain_text()
    height = view._body.height()
    assert len(built(view)) == len(view._entries) == 2 * STEPS + 2

    view.parking.enabled = True
    view.parking.update()
    settle(qtbot, view)

    assert view.parking.parked_total > 0
    assert len(built(view)) < len(view._entries) / 2
    assert view.plain_text() == everything  # stand-ins keep their entry's text
    assert abs(view._body.height() - height) <= 2  # and its height: the scroll bar is the same
    assert view.is_at_bottom()
    assert all(not isinstance(e, Parked) for e in on_screen(view))


def test_scrolling_builds_what_comes_into_view_without_moving_it(
    view: TranscriptView, qtbot: QtBot
) -> None:
    fill(view)
    settle(qtbot, view)
    bar = view.scroll_bar()
    bar.setValue(bar.maximum() // 2)
    settle(qtbot, view)
    assert view.parking.built_total > 0  # the middle was parked, and came back
    shown = on_screen(view)
    assert shown and all(not isinstance(e, Parked) for e in shown)
    first, offset = shown[0], y(view, shown[0]) - bar.value()
    # Page up a few screens, then back: the same entry at the same place.
    for _ in range(4):
        bar.triggerAction(bar.SliderAction.SliderPageStepSub)
        settle(qtbot, view)
        assert all(not isinstance(e, Parked) for e in on_screen(view))
    for _ in range(4):
        bar.triggerAction(bar.SliderAction.SliderPageStepAdd)
        settle(qtbot, view)
    top = next(e for e in on_screen(view))
    assert top.plain_text() == first.plain_text()
    assert abs((y(view, top) - bar.value()) - offset) <= 2

    bar.setValue(0)
    settle(qtbot, view)
    assert isinstance(view._entries[0], UserMessage)
    assert isinstance(view._entries[-1], AnswerMessage)  # the last answer always stays built
    assert isinstance(view._entries[len(view._entries) // 2], Parked)


def test_a_card_and_an_answer_come_back_as_the_user_left_them(
    view: TranscriptView, qtbot: QtBot
) -> None:
    fill(view)
    settle(qtbot, view)
    bar = view.scroll_bar()
    bar.setValue(0)
    settle(qtbot, view)
    card = next(e for e in view._entries if isinstance(e, ToolCard))
    answer = next(e for e in view._entries[2:] if isinstance(e, AnswerMessage))
    card.toggle()  # expanded by the user
    answer.reasoning_button.click()  # reasoning shown
    settle(qtbot, view)
    card_text, answer_text = card.plain_text(), answer.plain_text()
    card_at, answer_at = view._entries.index(card), view._entries.index(answer)

    bar.setValue(bar.maximum())
    settle(qtbot, view)
    assert isinstance(view._entries[card_at], Parked)
    assert isinstance(view._entries[answer_at], Parked)
    bar.setValue(0)
    settle(qtbot, view)

    card2, answer2 = view._entries[card_at], view._entries[answer_at]
    assert isinstance(card2, ToolCard) and card2 is not card
    assert isinstance(answer2, AnswerMessage) and answer2 is not answer
    assert card2.expanded and card2.plain_text() == card_text
    assert answer2.is_reasoning_expanded() and answer2.plain_text() == answer_text
    # Its keys work: Enter on the card collapses it again.
    card2.setFocus()
    qtbot.keyClick(card2, Qt.Key.Key_Return)
    assert not card2.expanded


def test_focus_and_the_streaming_answer_are_never_parked(
    view: TranscriptView, qtbot: QtBot
) -> None:
    view.add_user_message("go", "")
    view.begin_answer("")
    view.append_content("working")
    view.flush()
    streaming = view.last_answer()
    cards = add_read_cards(view)
    view.activateWindow()
    qtbot.waitActive(view)
    cards[1].setFocus()
    assert QApplication.focusWidget() is cards[1]
    settle(qtbot, view)
    assert view.parking.parked_total > 0
    assert streaming in view._entries  # still streaming: kept, though it is far above
    assert view._entries[0].__class__ is UserMessage  # the last prompt stays too
    assert cards[1] in view._entries  # it has the keyboard
    assert cards[2] not in view._entries  # its neighbour, as far away, is parked
    view.append_content(" and done")
    view.end_answer("done")
    assert "working and done" in view.plain_text()


def test_a_short_transcript_is_never_parked(view: TranscriptView, qtbot: QtBot) -> None:
    view.parking.keep_built = 60
    fill(view, steps=25)  # 52 entries, about 17 screens
    settle(qtbot, view)
    bar = view.scroll_bar()
    bar.setValue(0)
    settle(qtbot, view)
    assert view.parking.parked_total == 0
    fill(view, steps=10)  # 22 more: now there are more than 60
    settle(qtbot, view)
    assert view.parking.parked_total > 0


def test_message_and_last_prompt_build_a_parked_entry(view: TranscriptView, qtbot: QtBot) -> None:
    fill(view)
    settle(qtbot, view)
    parked = next(e for e in view._entries if isinstance(e, Parked) and e.state.kind == "answer")
    mid = parked.state.ref_id
    assert mid is not None
    entry = view.message(mid)
    assert isinstance(entry, AnswerMessage) and entry.tools.ref is not None
    assert entry.tools.ref.id == mid and entry in view._entries
    prompt = view.last_user_message()
    assert isinstance(prompt, UserMessage) and prompt.text == "Study the project"


def test_tab_walks_built_entries_in_screen_order(view: TranscriptView, qtbot: QtBot) -> None:
    fill(view)
    settle(qtbot, view)
    bar = view.scroll_bar()
    bar.setValue(bar.maximum() // 3)
    settle(qtbot, view)
    cards = [e for e in view._entries if isinstance(e, ToolCard)]
    assert len(cards) >= 3
    order = []
    w = cards[0]
    for _ in range(400):
        if isinstance(w, ToolCard) and w in cards:
            order.append(w)
        w = w.nextInFocusChain()
        if w is cards[0]:
            break
    assert order == cards  # built back in the middle, still in screen order


def test_scroll_keys_work_inside_a_card_expanded_later(view: TranscriptView, qtbot: QtBot) -> None:
    fill(view, steps=10)
    settle(qtbot, view)
    card = next(e for e in reversed(view._entries) if isinstance(e, ToolCard))
    card.toggle()  # its result pane is built now, after the card joined the transcript
    settle(qtbot, view)
    pane = card.findChildren(QAbstractScrollArea)[0]  # its text, focused by a click
    view.activateWindow()
    qtbot.waitActive(view)
    pane.setFocus()
    bar = view.scroll_bar()
    before = bar.value()
    qtbot.keyClick(pane, Qt.Key.Key_PageUp)
    assert bar.value() < before  # the transcript scrolled, from inside the new pane


def test_home_and_end_in_a_deny_reason_move_in_the_text(view: TranscriptView, qtbot: QtBot) -> None:
    fill(view, steps=10)
    card = ToolCard("ask-1", "run_command", view.theme)
    view.add_card(card)
    card.set_title("$ rm -rf build")
    card.ask("rm -rf build", "deletes files")
    settle(qtbot, view)
    block = card._approval
    assert block is not None
    view.activateWindow()
    qtbot.waitActive(view)
    block.choose(Answer.DENY)  # asks for the reason first
    reason = block.reason
    assert QApplication.focusWidget() is reason
    qtbot.keyClicks(reason, "too risky")
    bar = view.scroll_bar()
    bar.setValue(0)
    qtbot.keyClick(reason, Qt.Key.Key_End)
    qtbot.keyClick(reason, Qt.Key.Key_Home)
    assert reason.cursorPosition() == 0 and bar.value() == 0
    qtbot.keyClick(reason, Qt.Key.Key_End)
    assert reason.cursorPosition() == len("too risky") and bar.value() == 0


def test_growth_under_a_view_at_the_bottom_is_looked_at_lazily_a_scroll_at_once(
    view: TranscriptView, qtbot: QtBot
) -> None:
    fill(view, steps=20)
    settle(qtbot, view)
    assert view.is_at_bottom()
    view.begin_answer("", MessageRef(5000, 1, 1), continuation=True)
    passes = view.parking.passes
    for n in range(30):  # an answer streaming: the transcript grows under the view
        view.append_content(f"line {n} of a long answer\n\n")
        view.flush()
        QApplication.processEvents()
    assert view.parking.passes - passes <= 1
    qtbot.waitUntil(lambda: view.parking.passes > passes, timeout=2000)  # but it does look

    passes = view.parking.passes
    bar = view.scroll_bar()
    bar.setValue(bar.maximum() // 3)  # the user scrolls away: the next turn of the loop looks
    QApplication.processEvents()
    QApplication.processEvents()
    assert view.parking.passes > passes
    settle(qtbot, view)  # building goes in 4 ms slices
    assert all(not isinstance(e, Parked) for e in on_screen(view))


def test_one_entry_a_pass_still_settles_at_once_after_a_lazy_look(
    view: TranscriptView, qtbot: QtBot
) -> None:
    """With no budget a pass builds one entry and parks one; the pass after one that left work
    comes on the next turn of the loop, also when the look was a lazy one (a jump to the
    bottom, which the view then follows: its 250 ms once stuck to the timer, and settling
    took seconds)."""
    fill(view)
    settle(qtbot, view)
    bar = view.scroll_bar()
    bar.setValue(0)
    settle(qtbot, view)
    view.parking.budget_s = 0
    passes, done_before = view.parking.passes, view.parking.built_total + view.parking.parked_total
    bar.setValue(bar.maximum())
    # Dozens of passes, each on the next turn: far below 250 ms × dozens.
    qtbot.waitUntil(lambda: not view.parking.pending(), timeout=3000)
    done = view.parking.built_total + view.parking.parked_total - done_before
    assert done >= 20
    # One entry built, or parked, a pass (and as many parked as built): the work was sliced.
    assert 2 * (view.parking.passes - passes) >= done
    assert all(not isinstance(e, Parked) for e in on_screen(view))
    assert isinstance(view._entries[2], Parked)  # the far end parked


def test_an_entry_that_cannot_be_parked_does_not_hold_up_the_others(
    view: TranscriptView, qtbot: QtBot
) -> None:
    """With no budget, a pass that could only try the entry with the keyboard (not to be
    parked) would try it again on every pass, forever: it is skipped, and the next parked."""
    view.add_user_message("go", "")
    cards = add_read_cards(view)
    view.activateWindow()
    qtbot.waitActive(view)
    view.parking.budget_s = 0
    cards[1].setFocus()
    view.parking.schedule()
    qtbot.waitUntil(lambda: not view.parking.pending(), timeout=3000)
    assert cards[1] in view._entries  # it has the keyboard
    assert all(c not in view._entries for c in cards[2:10])  # the far ones around it parked


def test_the_last_prompt_is_known_after_entries_above_it_come_and_go(
    view: TranscriptView, qtbot: QtBot
) -> None:
    """The last prompt's index is kept, not looked for on every parking pass: entries added
    above it ("Show earlier") and the top entry removed move it, and it is still the one."""
    view.add_user_message("the last prompt", "", MessageRef(7, 1, 1))
    view.begin_answer("")
    view.append_content("its answer")
    view.end_answer("done")
    view.add_actions([("earlier", "Show earlier messages")])  # a link at the end
    with view.inserting_at_top():
        view.add_actions([("earlier", "Show earlier messages")])
        view.add_user_message("an earlier prompt", "", MessageRef(3, 1, 1))
    prompt = view.last_user_message()
    assert prompt is not None and prompt.text == "the last prompt"
    view.remove_first()  # the "earlier" link goes
    view.remove_first()  # and the earlier prompt
    prompt = view.last_user_message()
    assert prompt is not None and prompt.text == "the last prompt"
    assert view.message(7) is prompt and view.message(3) is None
    view.clear()
    assert view.last_user_message() is None
    view.add_user_message("a new one", "")
    prompt = view.last_user_message()
    assert prompt is not None and prompt.text == "a new one"


def test_headers_built_back_are_one_line_beside_their_links(
    view: TranscriptView, qtbot: QtBot
) -> None:
    """An answer built back is first laid out narrow, then at its width: its header (a
    word-wrapped label) must end one line tall, level with its links, not four lines tall."""
    view.add_user_message("Study the project", "V4 Pro · thinking · high", MessageRef(1, 1, 1))
    for n in range(STEPS):
        view.begin_answer("deepseek-v4-pro · thinking · high", MessageRef(100 + n, 1, 1))
        view.append_content(f"Reading module_{n}.py now.")
        view.end_answer("done", f"input 12,{n:03} (cache hit 11,000 / miss 1,{n:03}) · $0.0011")
        card = ToolCard(f"call-{n}", "read_file", view.theme)
        view.add_card(card)
        card.set_title(f"read_file module_{n}.py")
        card.finish(ToolStatus.DONE, "3 lines", "x\n" * 3, 0.1)
    settle(qtbot, view)
    bar = view.scroll_bar()
    for _ in range(12):  # page up on the running loop: entries are built back as they come
        bar.triggerAction(bar.SliderAction.SliderPageStepSub)
        qtbot.wait(30)
    settle(qtbot, view)
    answers = [e for e in on_screen(view) if isinstance(e, AnswerMessage)]
    assert answers and view.parking.built_total > 0
    for a in answers:
        header, tools = a._header, a._tools
        assert header is not None and tools is not None
        assert header.height() < 2 * header.fontMetrics().lineSpacing()
        assert abs(header.geometry().center().y() - tools.geometry().center().y()) <= 3
