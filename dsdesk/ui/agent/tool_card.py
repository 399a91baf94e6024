"""One compact card per tool call in the transcript timeline.

The header — status glyph, the call in one monospace line, summary and duration on the right — is
painted, not built from child widgets: a finished, collapsed card is one QFrame, so a timeline of
500 calls is cheap to create and lay out. Children appear only when needed: the approval block
while a question is open, the output pane once a command prints, the result view when the user
expands the card.

Live output is coalesced like answer text (docs/ARCHITECTURE.md §6): appends go to a pending
list that a single-shot timer flushes at most every ``FLUSH_INTERVAL_MS``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QWidget

from dsdesk.agent.events import Answer, Approval, ToolStatus
from dsdesk.ui.agent.approval import ANSWER_TEXT, APPROVAL_KEYS, ApprovalBlock
from dsdesk.ui.agent.card_look import with_duration
from dsdesk.ui.agent.card_paint import Header
from dsdesk.ui.agent.card_shell import CardShell
from dsdesk.ui.agent.card_style import Phase, glyph_of
from dsdesk.ui.agent.card_views import SCREEN_LINES, OutputPane, TextPane
from dsdesk.ui.agent.live_output import LiveOutput
from dsdesk.ui.agent.output_buffer import OutputBuffer
from dsdesk.ui.transcript_style import Theme

__all__ = ["CardState", "ToolCard"]

_TOGGLE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
_SHORT_RESULT = 300  # characters: a result this short is exported even when collapsed


@dataclass(frozen=True, slots=True)
class CardState:
    """An ended card, parked (see ``transcript_park``): what its header and body show."""

    call_id: str
    name: str
    title: str
    status: ToolStatus | None
    summary: str
    preview: str
    answer_note: str
    body: str
    diff: bool
    expanded: bool
    kind: str = "card"
    ref_id: int | None = None

    def build(self, theme: Theme, parent: QWidget) -> ToolCard:
        return ToolCard.restored(self, theme, parent)


class ToolCard(CardShell):
    """A tool call: streaming → (waiting for approval) → running → ended (see module doc)."""

    sig_answer = Signal(object)
    """(Approval) the user's answer to the approval question this card asked."""

    FLUSH_INTERVAL_MS = 50
    RESULT_LINES = 40  # result lines on screen before "show all"
    ARM_SECONDS = 0.4  # answer keys are ignored this long after a question appears

    def __init__(
        self, call_id: str, name: str, theme: Theme, parent: QWidget | None = None
    ) -> None:
        super().__init__(theme, parent)
        self._asked_at = 0.0
        self.call_id = call_id
        self._name = name
        self._title = name
        self._phase = Phase.STREAMING
        self._status: ToolStatus | None = None
        self._summary = ""
        self._preview = ""  # a failed call: the first line of its error, under the header
        self._arg_bytes = 0
        self._answer_note = ""
        self._result = ""
        self._diff = ""
        self._expanded = False
        self._user_toggled = False
        self._approval: ApprovalBlock | None = None
        self._output: OutputPane | None = None
        self._live: LiveOutput | None = None
        self._body: TextPane | None = None
        self._relayout()
        self.setAccessibleName(name)

    # -- public API ------------------------------------------------------------------------------

    @property
    def waiting(self) -> bool:
        """An approval question is open on this card."""
        return self._phase is Phase.WAITING

    @property
    def expanded(self) -> bool:
        return self._expanded

    @property
    def phase(self) -> Phase:
        return self._phase

    @property
    def summary(self) -> str:
        return self._summary

    @property
    def _buffer(self) -> OutputBuffer | None:
        return self._live.buffer if self._live is not None else None

    @property
    def output_kept(self) -> int:
        """Characters of live output kept in memory (head + tail, bounded)."""
        return self._buffer.size if self._buffer is not None else 0

    def append_arguments(self, text: str) -> None:
        """A fragment of the streaming JSON arguments: only a byte count changes (a repaint)."""
        if self._phase is not Phase.STREAMING:
            return
        self._arg_bytes += len(text.encode("utf-8", "replace"))
        n = self._arg_bytes
        self._set_summary(f"{n:,} bytes" if n < 10_000 else f"{n / 1000:,.1f} kB")

    def set_title(self, title: str) -> None:
        """The final one-line description of the call (``$ pytest -x``)."""
        self._title = title or self._name
        self.setToolTip(self._title)
        if self._phase is Phase.STREAMING:
            self._phase = Phase.READY
            self._summary = ""
        self._changed()

    def ask(self, detail: str, why: str) -> None:
        """Open the approval block in place (the presenter decides whether it takes the
        keyboard: not from someone typing a prompt)."""
        self._close_question()
        look = self._look
        block = ApprovalBlock(detail, why, look.colors, look.mono, look.small, self)
        block.sig_answer.connect(self._on_approval_answer)
        block.reason.sig_cancel.connect(self._on_reason_cancel)
        self._approval = block
        self._phase = Phase.WAITING
        self._summary = "waiting for approval"
        self._add_pane(block, 0)
        self._changed()
        self._asked_at = time.monotonic()

    def cancel_question(self) -> None:
        """The turn was stopped elsewhere: close the question without an answer."""
        if self._phase is Phase.WAITING:
            self._close_question()
            self._phase = Phase.READY
            self._answer_note = "stopped"
            self._summary = "stopped"
            self._changed(relayout=True)

    @property
    def ended(self) -> bool:
        return self._phase is Phase.ENDED

    def append_output(self, text: str) -> None:
        """Live output of the running call; shown at most every ``FLUSH_INTERVAL_MS``."""
        if self._phase is Phase.ENDED or not text:
            return
        if self._live is None:
            self._live = LiveOutput(self.FLUSH_INTERVAL_MS, self)
            self._live.sig_flushed.connect(self._on_live_flushed)
        self._live.append(text)

    def flush_output(self) -> None:
        """Show pending output now."""
        if self._live is not None:
            self._live.flush()

    @property
    def flushes(self) -> int:
        """Output flushes so far (each one appends to the pane once)."""
        return self._live.flushes if self._live is not None else 0

    def finish(
        self, status: ToolStatus, summary: str, result: str, seconds: float, diff: str = ""
    ) -> None:
        """The call ended. The result view is not built until the card is expanded."""
        self.flush_output()
        self._close_question()
        self._phase, self._status = Phase.ENDED, status
        self._result, self._diff = result, diff
        self._summary = with_duration(summary, seconds)
        if status is ToolStatus.FAILED:
            first = next((ln.strip() for ln in result.splitlines() if ln.strip()), "")
            self._preview = "" if first == summary else first
        if self._output is not None and not self._user_toggled:
            self._expanded = False
            self._output.hide()
        self._changed(relayout=True)

    def toggle(self) -> None:
        """Expand or collapse the body (the output, the result or the diff)."""
        if self.has_body():
            self._user_toggled = True
            self._set_expanded(not self._expanded)

    def has_body(self) -> bool:
        return self._output is not None or (
            self._phase is Phase.ENDED and bool(self._result or self._diff)
        )

    def body_text(self) -> str:
        """What the body shows (or would), in full as kept."""
        if self._buffer is not None:
            return self._buffer.text()
        return self._diff or self._result

    def plain_text(self) -> str:
        head = f"{glyph_of(self._phase, self._status)} {self._title}"
        if self._summary:
            head += f" — {self._summary}"
        if self._answer_note and self._answer_note not in self._summary:
            head += f" ({self._answer_note})"
        parts = [head]
        if self._preview:
            parts.append(self._preview)
        if self._approval is not None:
            parts.append(self._approval.plain_text())
        body = self.body_text()
        short = self._buffer is None and len(body) <= _SHORT_RESULT and body.count("\n") < 4
        if body and (self._expanded or short):
            parts.append(body.rstrip("\n"))
        return "\n".join(parts)

    def apply_theme(self, theme: Theme) -> None:
        look = self._set_look(theme)
        if self._approval is not None:
            self._approval.apply_colors(look.colors, look.mono, look.small)
        if self._output is not None:
            self._output.apply_colors(look.colors, look.mono)
        if self._body is not None:
            self._body.apply_colors(look.colors, look.mono)
        self._changed(relayout=True)

    def snapshot(self) -> CardState | None:
        """What building it again takes; None until the call has ended."""
        if self._phase is not Phase.ENDED:
            return None
        body, diff = self.body_text(), self._buffer is None and bool(self._diff)
        return CardState(
            self.call_id,
            self._name,
            self._title,
            self._status,
            self._summary,
            self._preview,
            self._answer_note,
            body,
            diff,
            self._expanded,
        )

    @classmethod
    def restored(cls, state: CardState, theme: Theme, parent: QWidget | None = None) -> ToolCard:
        """An ended card as ``snapshot`` saw it (live output comes back as its text)."""
        card = cls(state.call_id, state.name, theme, parent)
        card._title = state.title
        card.setToolTip(state.title)
        card._phase, card._status = Phase.ENDED, state.status
        card._summary, card._preview = state.summary, state.preview
        card._answer_note = state.answer_note
        if state.diff:
            card._diff = state.body
        else:
            card._result = state.body
        card._changed(relayout=True)
        if state.expanded:
            card._user_toggled = True
            card._set_expanded(True)
        return card

    # -- internals -------------------------------------------------------------------------------

    def _set_summary(self, summary: str) -> None:
        if summary != self._summary:
            self._summary = summary
            self.update()

    def _changed(self, relayout: bool = False) -> None:
        self.setAccessibleName(f"{self._title}: {self._summary}" if self._summary else self._title)
        if self.has_body():
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        if relayout:
            self._relayout()
        self.update()

    def header_lines(self) -> int:
        return 2 if self._preview else 1

    def header(self) -> Header:
        phase, status = self._phase, self._status
        return Header(
            glyph=glyph_of(phase, status),
            glyph_color=self._look.colors.glyph_color(phase, status),
            title=self._title,
            summary=self._summary,
            bad=status is ToolStatus.FAILED or _nonzero_exit(self._summary),
            chevron=("▾" if self._expanded else "▸") if self.has_body() else "",
            preview=self._preview,
            waiting=self.waiting,
            focused=self.hasFocus(),
        )

    def _set_expanded(self, on: bool) -> None:
        self._expanded = on
        if self._output is not None:
            self._output.setVisible(on)
        else:
            if on and self._body is None:
                look = self._look
                text = self._diff or self._result
                self._body = TextPane(
                    text, look.colors, look.mono, self.RESULT_LINES, self, diff=bool(self._diff)
                )
                self._add_pane(self._body)
            if self._body is not None:
                self._body.setVisible(on)
        self._changed(relayout=True)

    def _close_question(self) -> None:
        block, self._approval = self._approval, None
        if block is not None:
            self._drop_pane(block)

    def _on_approval_answer(self, approval: Approval) -> None:
        if self._phase is not Phase.WAITING:
            return
        note = ANSWER_TEXT[approval.answer]
        if approval.answer is Answer.DENY and approval.reason:
            note = f"denied: {approval.reason}"
        self._answer_note = self._summary = note
        allowed = approval.answer in (Answer.ONCE, Answer.SESSION, Answer.ALWAYS)
        self._phase = Phase.RUNNING if allowed else Phase.READY
        self._close_question()
        self._changed(relayout=True)
        self.sig_answer.emit(approval)

    def _on_reason_cancel(self) -> None:
        if self._approval is not None:
            self._approval.reason.clear()
            self._approval.reason.hide()
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_output_show_all(self) -> None:
        if self._output is not None and self._buffer is not None:
            self._output.set_all(self._buffer.text())
            self._user_toggled = True  # the user asked to see it: keep it open

    def _on_live_flushed(self, text: str) -> None:
        if self._phase in (Phase.READY, Phase.STREAMING):
            self._phase = Phase.RUNNING
        pane = self._output
        if pane is None:
            pane = self._output = OutputPane(self._look.colors, self._look.mono, self)
            pane.sig_show_all.connect(self._on_output_show_all)
            self._expanded = self._expanded or not self._user_toggled
            self._add_pane(pane, visible=self._expanded)
            self._changed()
        pane.append(text)
        buffer = self._buffer
        if buffer is not None and (buffer.line_count > SCREEN_LINES or buffer.dropped):
            pane.offer_all(buffer.line_count)

    # -- events ----------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if self._approval is not None and mods == Qt.KeyboardModifier.NoModifier:
            answer = APPROVAL_KEYS.get(event.key())
            if answer is not None and not event.isAutoRepeat():
                # A question that just appeared under someone typing must not catch a "y"
                # meant for the prompt: answer keys count only after a short pause.
                if time.monotonic() - self._asked_at >= self.ARM_SECONDS:
                    self._approval.choose(answer)
                return
        if event.key() in _TOGGLE_KEYS and self.has_body() and not event.isAutoRepeat():
            self.toggle()
            return
        super().keyPressEvent(event)


def _nonzero_exit(summary: str) -> bool:
    return summary.startswith(("exit ", "timed out")) and not summary.startswith("exit 0")
