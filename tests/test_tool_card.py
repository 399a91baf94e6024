"""Tool-call cards of the agent timeline (dsdesk.ui.agent.tool_card) and what they build on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from dsdesk.agent.events import Answer, Approval, ToolStatus
from dsdesk.core.redact import strip_ansi
from dsdesk.ui.agent.approval import ApprovalBlock
from dsdesk.ui.agent.card_style import Phase
from dsdesk.ui.agent.card_views import SCREEN_LINES, OutputPane, TextPane
from dsdesk.ui.agent.output_buffer import OutputBuffer, clean_output
from dsdesk.ui.agent.tool_card import ToolCard
from dsdesk.ui.transcript import TranscriptView
from dsdesk.ui.transcript_style import Theme

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

DIFF = "--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n"


class Host(QWidget):
    """A shown, active window holding cards in a column."""

    def __init__(self) -> None:
        super().__init__()
        self.column = QVBoxLayout(self)
        self.theme = Theme.from_palette(self.palette(), self.font())

    def card(self, name: str = "run_command", title: str | None = None) -> ToolCard:
        card = ToolCard(f"call_{self.column.count()}", name, self.theme, self)
        if title is not None:
            card.set_title(title)
        self.column.addWidget(card)
        card.show()
        return card


@pytest.fixture
def host(qtbot: QtBot) -> Iterator[Host]:
    h = Host()
    qtbot.addWidget(h)
    h.resize(700, 500)
    h.show()
    qtbot.waitExposed(h)
    h.activateWindow()
    yield h


def children(card: ToolCard) -> list[QWidget]:
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # closed blocks go
    return card.findChildren(QWidget)


@pytest.fixture(autouse=True)
def _armed_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answer keys count at once here; the pause itself has its own test."""
    monkeypatch.setattr(ToolCard, "ARM_SECONDS", 0.0)


def answers(card: ToolCard) -> list[Approval]:
    got: list[Approval] = []
    card.sig_answer.connect(got.append)
    return got


# -- header ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "summary", "seconds", "glyph", "shown"),
    [
        (ToolStatus.DONE, "120 lines", 0.1, "✓", "120 lines · 0.1 s"),
        (ToolStatus.DONE, "exit 1 · 3.2 s", 3.2, "✓", "exit 1 · 3.2 s"),  # not doubled
        (ToolStatus.FAILED, "error", 0.0, "✗", "error"),
        (ToolStatus.DENIED, "denied: use the other file", 0.0, "⊘", "denied: use the other file"),
        (ToolStatus.CANCELLED, "stopped", 75.0, "⊘", "stopped · 1 m 15 s"),
        (ToolStatus.DONE, "3 matches", 0.01, "✓", "3 matches"),  # no "0.0 s"
    ],
)
def test_header_shows_glyph_title_summary_and_duration(
    host: Host, status: ToolStatus, summary: str, seconds: float, glyph: str, shown: str
) -> None:
    card = host.card("read_file", "read_file src/app.py 1–120")
    card.finish(status, summary, "result", seconds)
    assert card.summary == shown
    assert card.phase is Phase.ENDED
    assert card.plain_text().splitlines()[0] == f"{glyph} read_file src/app.py 1–120 — {shown}"
    assert card.toolTip() == "read_file src/app.py 1–120"
    card.grab()  # paints (elided title, chevron) without warnings


def test_a_failed_call_shows_the_first_line_of_its_error_under_the_header(host: Host) -> None:
    card = host.card("read_file", "read_file src/missing.py")
    one_line = card.sizeHint().height()
    card.finish(ToolStatus.FAILED, "error", "\nsrc/missing.py does not exist.\nmore", 0.0)
    assert card.plain_text().splitlines()[1] == "src/missing.py does not exist."
    assert card.sizeHint().height() > one_line
    assert not card.expanded and children(card) == []


def test_arguments_stream_as_a_byte_count_until_the_title_is_known(host: Host) -> None:
    card = host.card("write_file")
    for piece in ['{"path": ', '"a.py", ', '"content": "é"}']:
        card.append_arguments(piece)
    assert card.phase is Phase.STREAMING
    n = len('{"path": "a.py", "content": "é"}'.encode())
    assert card.summary == f"{n} bytes"
    assert card.plain_text() == f"… write_file — {n} bytes"
    card.append_arguments("x" * 20_000)
    assert card.summary == "20.0 kB"
    assert children(card) == []
    card.set_title("write_file a.py")
    assert card.phase is Phase.READY and card.summary == ""
    card.append_arguments("late")  # ignored once the call is complete
    assert card.plain_text() == "… write_file a.py"


# -- approvals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "answer", "note"),
    [
        (Qt.Key.Key_Y, Answer.ONCE, "allowed once"),
        (Qt.Key.Key_S, Answer.SESSION, "allowed for this session"),
        (Qt.Key.Key_A, Answer.ALWAYS, "allowed always"),
        (Qt.Key.Key_Escape, Answer.STOP, "stopped"),
    ],
)
def test_approval_keys_answer_and_collapse_the_block(
    host: Host, key: Qt.Key, answer: Answer, note: str
) -> None:
    card = host.card(title="$ rm -rf build")
    got = answers(card)
    card.ask("rm -rf build", "deletes recursively")
    card.setFocus()  # the presenter gives it the keyboard unless someone is typing
    assert card.waiting and card.hasFocus()
    assert card.summary == "waiting for approval"
    text = card.plain_text()
    assert "deletes recursively" in text and "rm -rf build" in text and "y once" in text
    QTest.keyClick(card, key)
    assert got == [Approval(answer)]
    assert not card.waiting
    assert card.summary == note
    assert not any(isinstance(w, ApprovalBlock) for w in children(card))
    QTest.keyClick(card, Qt.Key.Key_Y)  # no second answer
    assert len(got) == 1


def test_n_asks_for_a_reason_and_enter_denies_with_it(host: Host) -> None:
    card = host.card(title="$ rm -rf build")
    got = answers(card)
    card.ask("rm -rf build", "deletes recursively")
    QTest.keyClick(card, Qt.Key.Key_N)
    assert got == [] and card.waiting
    field = QApplication.focusWidget()
    block = card.findChild(ApprovalBlock)
    assert block is not None and field is block.reason and block.reason.isVisible()
    assert "Reason for the model" in block.reason.placeholderText()
    QTest.keyClicks(field, "use the other file")  # y, s, a typed here are just letters
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert got == [Approval(Answer.DENY, "use the other file")]
    assert card.summary == "denied: use the other file"
    assert card.hasFocus()  # the keyboard stays on the card, not lost with the block


def test_deny_without_a_reason(host: Host) -> None:
    card = host.card(title="$ make")
    got = answers(card)
    card.ask("make", "")
    QTest.keyClick(card, Qt.Key.Key_N)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Enter)
    assert got == [Approval(Answer.DENY, "")]
    assert card.summary == "denied"


def test_esc_in_the_reason_field_goes_back_and_esc_on_the_card_stops(host: Host) -> None:
    card = host.card(title="$ make")
    got = answers(card)
    card.ask("make", "runs a command")
    QTest.keyClick(card, Qt.Key.Key_N)
    QTest.keyClicks(QApplication.focusWidget(), "nope")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    block = card.findChild(ApprovalBlock)
    assert got == [] and card.waiting and block is not None
    assert block.reason.isHidden() and block.reason.text() == ""
    assert card.hasFocus()
    QTest.keyClick(card, Qt.Key.Key_Escape)
    assert got == [Approval(Answer.STOP)]


def test_keys_pressed_on_an_approval_link_reach_the_card(host: Host) -> None:
    card = host.card(title="$ make")
    got = answers(card)
    card.ask("make", "runs a command")
    block = card.findChild(ApprovalBlock)
    assert block is not None
    link = block.buttons[Answer.ALWAYS]
    link.setFocus()
    QTest.keyClick(link, Qt.Key.Key_S)
    assert got == [Approval(Answer.SESSION)]


@pytest.mark.parametrize("answer", [Answer.ONCE, Answer.SESSION, Answer.ALWAYS, Answer.STOP])
def test_clicking_the_choices_answers(host: Host, qtbot: QtBot, answer: Answer) -> None:
    card = host.card(title="$ make")
    got = answers(card)
    card.ask("make", "runs a command")
    block = card.findChild(ApprovalBlock)
    assert block is not None
    qtbot.mouseClick(block.buttons[answer], Qt.MouseButton.LeftButton)
    assert got == [Approval(answer)]


def test_clicking_deny_opens_the_reason_field_and_links_are_tab_stops(
    host: Host, qtbot: QtBot
) -> None:
    card = host.card(title="$ make")
    got = answers(card)
    card.ask("make", "runs a command")
    block = card.findChild(ApprovalBlock)
    assert block is not None
    tab_stops = []
    w = card.nextInFocusChain()
    while w is not card and len(tab_stops) < 6:
        if w.isVisible() and w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            tab_stops.append(w)
        w = w.nextInFocusChain()
    # right after the card, not at the end of the window's chain
    assert tab_stops[:5] == list(block.buttons.values())
    qtbot.mouseClick(block.buttons[Answer.DENY], Qt.MouseButton.LeftButton)
    assert got == [] and block.reason.isVisible()
    QTest.keyClick(block.reason, Qt.Key.Key_Return)
    assert got == [Approval(Answer.DENY)]


def test_a_long_diff_to_approve_is_capped_with_show_all(host: Host) -> None:
    diff = "--- a/x\n+++ b/x\n@@ -1,100 +1,100 @@\n" + "".join(f"+line {i}\n" for i in range(100))
    card = host.card("edit_file", "edit_file x")
    card.ask(diff, "edits a file")
    block = card.findChild(ApprovalBlock)
    assert block is not None
    assert block.detail.text().count("\n") + 1 == 40
    assert block.detail.show_all.isVisible() and "103 lines" in block.detail.show_all.text()
    block.detail.show_all.click()
    assert block.detail.text().count("\n") + 1 == 103 and block.detail.show_all.isHidden()


def test_cancel_question_collapses_without_an_answer(host: Host) -> None:
    card = host.card(title="$ make")
    got = answers(card)
    card.ask("make", "runs a command")
    card.cancel_question()
    assert got == [] and not card.waiting and card.summary == "stopped"
    assert children(card) == []
    card.finish(ToolStatus.CANCELLED, "stopped", "The turn was stopped.", 0.0)
    assert card.plain_text().startswith("⊘ $ make — stopped")


# -- live output ----------------------------------------------------------------------------------


def test_output_appends_are_coalesced(host: Host, qtbot: QtBot) -> None:
    card = host.card(title="$ make")
    for i in range(5000):
        card.append_output(f"line {i}\n")
    assert card.flushes == 0  # nothing rendered per chunk
    qtbot.waitUntil(lambda: card.flushes == 1, timeout=2000)
    pane = card.findChild(OutputPane)
    assert pane is not None and pane.isVisible() and card.expanded
    assert pane.edit.document().blockCount() == SCREEN_LINES
    assert pane.text().splitlines()[-1] == "line 4999"
    assert card.phase is Phase.RUNNING
    assert card.flushes == 1


def test_ansi_escapes_are_stripped_even_when_split_between_chunks(host: Host) -> None:
    card = host.card(title="$ pytest")
    for piece in [
        "\x1b[32mPASS",
        "ED\x1b[",
        "0m ok\r\n",
        "\x1b]0;title\x07bell\x07 done\x1b",
        "[1mX",
    ]:
        card.append_output(piece)
        card.flush_output()
    pane = card.findChild(OutputPane)
    assert pane is not None
    assert pane.text() == "PASSED ok\nbell doneX"
    card.finish(ToolStatus.DONE, "exit 0", "", 0.5)
    assert card.body_text() == "PASSED ok\nbell doneX"


def test_clean_output_and_strip_ansi() -> None:
    assert strip_ansi("\x1b[1;31mred\x1b[0m\tx\x07\x08") == "red\tx"
    assert clean_output("a\x1b[3", "") == ("a", "\x1b[3")
    assert clean_output("1mb", "\x1b[3") == ("b", "")
    assert clean_output("a\r", "") == ("a", "\r")
    assert clean_output("\nb\rc", "\r") == ("\nb\nc", "")


def test_on_screen_cap_and_show_all_reveals_everything_kept(host: Host) -> None:
    card = host.card(title="$ seq 1000")
    card.append_output("".join(f"{i}\n" for i in range(1, 1001)))
    card.flush_output()
    pane = card.findChild(OutputPane)
    assert pane is not None
    assert pane.edit.document().blockCount() <= SCREEN_LINES
    assert pane.show_all.isVisible() and pane.show_all.text() == "show all (1,000 lines)"
    pane.show_all.click()
    assert pane.text().splitlines() == [str(i) for i in range(1, 1001)]
    assert pane.show_all.isHidden()
    card.append_output("1001\n")  # still following after show all
    card.flush_output()
    assert pane.text().splitlines()[-1] == "1001"


def test_kept_output_is_bounded(host: Host) -> None:
    card = host.card(title="$ yes")
    chunk = "y" * 99 + "\n"
    for _ in range(50):
        card.append_output(chunk * 1000)  # 5 MB in all
    card.flush_output()
    assert card.output_kept <= 2_000_000
    text = card.body_text()
    assert "characters not kept" in text
    assert text.startswith(chunk) and text.endswith(chunk)


def test_output_buffer_keeps_head_and_tail() -> None:
    buf = OutputBuffer(head_max=10, tail_max=10)
    for piece in ["0123456", "789abcdef", "ghijklmnop", "q\n"]:
        buf.append(piece)
    assert buf.size == 20 and buf.total == 28 and buf.dropped == 8
    assert buf.text() == "0123456789\n… 8 characters not kept …\nijklmnopq\n"
    assert buf.line_count == 1


def test_output_collapses_when_the_call_ends_unless_the_user_opened_it(host: Host) -> None:
    card = host.card(title="$ make")
    card.append_output("building\n")
    card.flush_output()
    pane = card.findChild(OutputPane)
    assert pane is not None and pane.isVisible()
    card.finish(ToolStatus.DONE, "exit 0 · 1.0 s", "exit code 0\nbuilding", 1.0)
    assert pane.isHidden() and not card.expanded
    assert card.plain_text() == "✓ $ make — exit 0 · 1.0 s"
    QTest.keyClick(card, Qt.Key.Key_Return)  # the body is the output it streamed
    assert pane.isVisible() and card.findChild(TextPane) is None
    assert card.plain_text().endswith("\nbuilding")

    other = host.card(title="$ make again")
    other.append_output("x\n")
    other.flush_output()
    other.toggle()  # the user closes it while it runs …
    other.toggle()  # … and opens it again: their choice holds
    other.finish(ToolStatus.DONE, "exit 0", "", 1.0)
    assert other.expanded


# -- result body ----------------------------------------------------------------------------------


def test_the_result_view_is_built_only_when_expanded(host: Host) -> None:
    card = host.card("read_file", "read_file a.py")
    result = "".join(f"line {i}\n" for i in range(100))
    card.finish(ToolStatus.DONE, "100 lines", result, 0.1)
    assert children(card) == []  # collapsed: a painted header and nothing else
    assert card.plain_text() == "✓ read_file a.py — 100 lines · 0.1 s"
    card.setFocus()
    QTest.keyClick(card, Qt.Key.Key_Space)
    body = card.findChild(TextPane)
    assert body is not None and body.isVisible() and card.expanded
    assert body.text().splitlines() == [f"line {i}" for i in range(40)]
    assert body.show_all.text() == "show all (100 lines)"
    body.show_all.click()
    assert len(body.text().splitlines()) == 100
    assert card.plain_text().endswith("line 99")
    QTest.keyClick(card, Qt.Key.Key_Enter)
    assert body.isHidden() and not card.expanded
    QTest.keyClick(card, Qt.Key.Key_Return)
    assert card.findChild(TextPane) is body  # built once


def test_clicking_the_header_toggles(host: Host, qtbot: QtBot) -> None:
    card = host.card("read_file", "read_file a.py")
    card.finish(ToolStatus.DONE, "1 line", "x", 0.1)
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(40, 10))
    assert card.expanded and card.hasFocus()


def test_a_short_result_is_exported_collapsed_and_an_empty_one_has_no_body(host: Host) -> None:
    card = host.card("search", "grep x")
    card.finish(ToolStatus.DONE, "1 match", "a.py:1: x\n", 0.2)
    assert card.plain_text() == "✓ grep x — 1 match · 0.2 s\na.py:1: x"
    empty = host.card("search", "grep y")
    empty.finish(ToolStatus.DONE, "no matches", "", 0.2)
    assert not empty.has_body()
    QTest.keyClick(empty, Qt.Key.Key_Return)
    assert not empty.expanded and children(empty) == []


def test_an_edit_expands_to_a_coloured_diff(host: Host) -> None:
    card = host.card("edit_file", "edit_file x.py")
    card.finish(ToolStatus.DONE, "+1 −1", "Applied.", 0.02, diff=DIFF)
    card.toggle()
    body = card.findChild(TextPane)
    assert body is not None
    doc = body.view.document()
    tints = {
        doc.findBlockByNumber(i).text(): doc.findBlockByNumber(i).blockFormat().background()
        for i in range(doc.blockCount())
    }
    look = card._look
    assert tints["+c"].color() == look.colors.add_bg
    assert tints["-b"].color() == look.colors.del_bg
    assert tints[" a"].style() == Qt.BrushStyle.NoBrush


# -- theme, keyboard, transcript ------------------------------------------------------------------


def _dark_palette(widget: QWidget) -> QPalette:
    pal = QPalette(widget.palette())
    for role, color in [
        (QPalette.ColorRole.Window, QColor(37, 37, 40)),
        (QPalette.ColorRole.Base, QColor(28, 28, 31)),
        (QPalette.ColorRole.Text, QColor(220, 220, 222)),
        (QPalette.ColorRole.WindowText, QColor(220, 220, 222)),
    ]:
        pal.setColor(role, color)
    return pal


def _dark_theme(widget: QWidget) -> Theme:
    return Theme.from_palette(_dark_palette(widget), widget.font())


def test_theme_switch_recolours_header_and_open_panes(host: Host) -> None:
    card = host.card(title="$ make")
    card.ask(DIFF, "edits")
    done = host.card("edit_file", "edit_file x.py")
    done.finish(ToolStatus.DONE, "+1 −1", "Applied.", 0.02, diff=DIFF)
    done.toggle()
    dark = _dark_theme(host)
    light_fill = card._look.colors.fill
    for c in (card, done):
        c.apply_theme(dark)
    assert card._look.colors.fill != light_fill
    assert card._look.colors.fill.lightness() < 60
    body = done.findChild(TextPane)
    assert body is not None
    plus = next(
        body.view.document().findBlockByNumber(i)
        for i in range(body.view.document().blockCount())
        if body.view.document().findBlockByNumber(i).text() == "+c"
    )
    assert plus.blockFormat().background().color() == done._look.colors.add_bg
    card.grab()
    done.grab()


def test_tab_reaches_cards_and_enter_space_toggle(host: Host) -> None:
    start = QPushButton("start", host)
    host.column.insertWidget(0, start)
    start.show()
    a = host.card("read_file", "read_file a")
    a.finish(ToolStatus.DONE, "1 line", "a", 0.1)
    b = host.card("read_file", "read_file b")
    b.finish(ToolStatus.DONE, "1 line", "b", 0.1)
    start.setFocus(Qt.FocusReason.TabFocusReason)
    QTest.keyClick(start, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is a
    QTest.keyClick(a, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is b
    QTest.keyClick(b, Qt.Key.Key_Space)
    assert b.expanded
    b.grab()  # the focus ring paints


def test_cards_in_the_transcript(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    card = ToolCard("call_1", "read_file", view.theme)
    card.set_title("read_file a.py")
    card.finish(ToolStatus.DONE, "2 lines", "one\ntwo\n", 0.3)
    view.add_card(card)
    assert "✓ read_file a.py — 2 lines · 0.3 s\none\ntwo" in view.plain_text()
    view.setPalette(_dark_palette(view))  # the transcript's theme switch reaches it
    assert card._look.colors.fill.lightness() < 80


def test_answer_keys_right_after_a_question_appears_are_ignored(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone typing "y…" as the question pops up must not approve it."""
    monkeypatch.setattr(ToolCard, "ARM_SECONDS", 60.0)
    card = host.card(title="$ make deploy")
    got = answers(card)
    card.ask("make deploy", "commands ask")
    card.setFocus()
    QTest.keyClick(card, Qt.Key.Key_Y)
    QTest.keyClick(card, Qt.Key.Key_A)
    assert got == [] and card.waiting
    monkeypatch.setattr(ToolCard, "ARM_SECONDS", 0.0)
    QTest.keyClick(card, Qt.Key.Key_Y)
    assert got == [Approval(Answer.ONCE)]


def test_a_card_painted_from_its_pixmap_shows_its_state_now(host: Host) -> None:
    """A short card is painted once into a pixmap and copied after: every change it shows
    (summary, status, focus, theme) must paint it anew, exactly as a fresh card would."""

    def image(c: ToolCard) -> QImage:
        return c.grab().toImage()

    card = host.card(title="$ pytest -x")
    card.finish(ToolStatus.DONE, "exit 0", "1 passed", 0.4)
    twin = host.card(title="$ pytest -x")
    twin.finish(ToolStatus.DONE, "exit 0", "1 passed", 0.4)
    host.column.addStretch(1)  # the cards as tall as their header
    QApplication.processEvents()
    assert card.height() < 80
    first = image(card)
    assert image(card) == first == image(twin)  # copied: the same picture again
    # A changed summary (a card reused for a later state) is painted anew.
    summary = card._summary
    card._set_summary("exit 1")
    assert image(card) != first
    card._set_summary(summary)
    assert image(card) == first
    card.setFocus()  # the focus ring
    QApplication.processEvents()
    assert card.hasFocus() and image(card) != first
    twin.setFocus()
    QApplication.processEvents()
    assert image(card) == first
    card.apply_theme(_dark_theme(host))
    assert image(card) != first
