"""One compact card per tool call in the transcript timeline.

The header — status glyph, the call in one monospace line, summary and duration on the right — is
painted, not built from child widgets: a finished, collapsed card is one QFrame, so a timeline of
500 calls is cheap to create and lay out. Children appear only when needed: the approval block
while a question is open, the output pane once a command prints, the result view when the user
expands the card.

Live output is coalesced like answer text (DESIGN.md §6): appends go to a pending list that a
single-shot timer flushes at most every ``FLUSH_INTERVAL_MS``.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QApplication, QFrame, QVBoxLayout, QWidget

from dsdesk.agent.events import Answer, Approval, ToolStatus
from dsdesk.ui.agent.approval import ANSWER_TEXT, APPROVAL_KEYS, ApprovalBlock
from dsdesk.ui.agent.card_look import GAP, PAD_X, PAD_Y, look_for, with_duration
from dsdesk.ui.agent.card_style import Phase, glyph_of
from dsdesk.ui.agent.card_views import SCREEN_LINES, OutputPane, TextPane
from dsdesk.ui.agent.output_buffer import OutputBuffer, clean_output
from dsdesk.ui.transcript_style import Theme

__all__ = ["ToolCard"]

_TOGGLE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
_SHORT_RESULT = 300  # characters: a result this short is exported even when collapsed


class ToolCard(QFrame):
    """A tool call: streaming → (waiting for approval) → running → ended (see module doc)."""

    sig_answer = Signal(object)
    """(Approval) the user's answer to the approval question this card asked."""

    FLUSH_INTERVAL_MS = 50
    RESULT_LINES = 40  # result lines on screen before "show all"

    def __init__(
        self, call_id: str, name: str, theme: Theme, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
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
        self._buffer: OutputBuffer | None = None
        self._body: TextPane | None = None
        self._pending: list[str] = []
        self._carry = ""
        self._timer: QTimer | None = None
        self.flushes = 0  # output flushes so far (coalescing is observable)
        self._theme = theme
        self._look = look_for(theme, self.palette().highlight().color())
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._lay = QVBoxLayout(self)
        self._lay.setSpacing(8)
        self._update_margins()
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
        """Open the approval block in place and take the keyboard."""
        self._close_question()
        look = self._look
        block = ApprovalBlock(detail, why, look.colors, look.mono, look.small, self)
        block.sig_answer.connect(self._on_approval_answer)
        block.reason.sig_cancel.connect(self._on_reason_cancel)
        self._approval = block
        self._lay.insertWidget(0, block)
        block.show()  # now: a layout shows a child added to a visible widget only later
        self._phase = Phase.WAITING
        self._summary = "waiting for approval"
        self._changed(relayout=True, chain=True)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def cancel_question(self) -> None:
        """The turn was stopped elsewhere: close the question without an answer."""
        if self._phase is Phase.WAITING:
            self._close_question()
            self._phase = Phase.READY
            self._answer_note = "stopped"
            self._summary = "stopped"
            self._changed(relayout=True)

    def append_output(self, text: str) -> None:
        """Live output of the running call; shown at most every ``FLUSH_INTERVAL_MS``."""
        if self._phase is Phase.ENDED or not text:
            return
        self._pending.append(text)
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.setInterval(self.FLUSH_INTERVAL_MS)
            self._timer.timeout.connect(self._on_timer_timeout)
        if not self._timer.isActive():
            self._timer.start()

    def flush_output(self) -> None:
        """Show pending output now."""
        if self._timer is not None:
            self._timer.stop()
        if not self._pending:
            return
        self.flushes += 1
        text, self._carry = clean_output("".join(self._pending), self._carry)
        self._pending.clear()
        if not text:
            return
        if self._buffer is None:
            self._buffer = OutputBuffer()
        self._buffer.append(text)
        if self._phase in (Phase.READY, Phase.STREAMING):
            self._phase = Phase.RUNNING
        pane = self._output
        if pane is None:
            pane = self._output = OutputPane(self._look.colors, self._look.mono, self)
            pane.sig_show_all.connect(self._on_output_show_all)
            self._lay.addWidget(pane)
            self._expanded = self._expanded or not self._user_toggled
            pane.setVisible(self._expanded)
            self._changed(relayout=True, chain=True)
        pane.append(text)
        buffer = self._buffer
        if buffer.line_count > SCREEN_LINES or buffer.dropped:
            pane.offer_all(buffer.line_count)

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
        self._theme = theme
        self._look = look = look_for(theme, self.palette().highlight().color())
        if self._approval is not None:
            self._approval.apply_colors(look.colors, look.mono, look.small)
        if self._output is not None:
            self._output.apply_colors(look.colors, look.mono)
        if self._body is not None:
            self._body.apply_colors(look.colors, look.mono)
        self._changed(relayout=True)

    # -- internals -------------------------------------------------------------------------------

    def _set_summary(self, summary: str) -> None:
        if summary != self._summary:
            self._summary = summary
            self.update()

    def _changed(self, relayout: bool = False, chain: bool = False) -> None:
        self.setAccessibleName(f"{self._title}: {self._summary}" if self._summary else self._title)
        if self.has_body():
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        if relayout:
            self._update_margins()
        if chain:
            self._chain()
        self.update()

    def _update_margins(self) -> None:
        lines = 2 if self._preview else 1
        top = self._look.header_height(lines)
        visible = any(
            w is not None and not w.isHidden() for w in (self._approval, self._output, self._body)
        )
        self._lay.setContentsMargins(PAD_X, top, PAD_X, 10 if visible else 0)

    def _chain(self) -> None:
        """Lazily built links join the Tab chain right after the card, not at the window's end."""
        prev: QWidget = self
        for w in self.findChildren(QWidget):
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.focusProxy() is None:
                QWidget.setTabOrder(prev, w)
                prev = w

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
                self._lay.addWidget(self._body)
                self._chain()
            if self._body is not None:
                self._body.setVisible(on)
        self._changed(relayout=True)

    def _close_question(self) -> None:
        block, self._approval = self._approval, None
        if block is None:
            return
        focused = QApplication.focusWidget()
        if focused is not None and (focused is self or self.isAncestorOf(focused)):
            self.setFocus(Qt.FocusReason.OtherFocusReason)  # keep the keyboard on this card
        self._lay.removeWidget(block)
        block.hide()
        block.deleteLater()

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

    def _on_timer_timeout(self) -> None:
        self.flush_output()

    # -- events ----------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if self._approval is not None and mods == Qt.KeyboardModifier.NoModifier:
            answer = APPROVAL_KEYS.get(event.key())
            if answer is not None and not event.isAutoRepeat():
                self._approval.choose(answer)
                return
        if event.key() in _TOGGLE_KEYS and self.has_body() and not event.isAutoRepeat():
            self.toggle()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and event.position().y() < (
            self._lay.contentsMargins().top()
        ):
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.toggle()
            return
        super().mousePressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusOutEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        look, c = self._look, self._look.colors
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QPen(c.ask_edge if self.waiting else c.edge, 1.0))
        p.setBrush(c.fill)
        p.drawRoundedRect(rect, 6.0, 6.0)
        if self.hasFocus():
            pen = QPen(c.focus)
            pen.setWidthF(2.0)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 5.0, 5.0)

        h, y = look.line_h, PAD_Y
        mid = Qt.AlignmentFlag.AlignVCenter
        x, right = PAD_X, self.width() - PAD_X
        p.setFont(look.small)
        p.setPen(c.glyph_color(self._phase, self._status))
        glyph_rect = QRect(x, y, look.glyph_w, h)
        p.drawText(
            glyph_rect, mid | Qt.AlignmentFlag.AlignHCenter, glyph_of(self._phase, self._status)
        )
        x += look.glyph_w + GAP - 2
        if self.has_body():
            p.setPen(c.dim)
            p.drawText(
                QRect(right - look.chevron_w, y, look.chevron_w, h),
                mid,
                "▾" if self._expanded else "▸",
            )
            right -= look.chevron_w + GAP
        if self._summary:
            bad = self._status is ToolStatus.FAILED or _nonzero_exit(self._summary)
            p.setPen(c.bad if bad else c.dim)
            room = max(0, int((right - x) * 0.55))
            text = look.small_fm.elidedText(self._summary, Qt.TextElideMode.ElideRight, room)
            width = look.small_fm.horizontalAdvance(text)
            p.drawText(QRect(right - width, y, width, h), mid, text)
            right -= width + GAP + 4
        p.setFont(look.mono)
        p.setPen(c.head_text)
        title = look.mono_fm.elidedText(self._title, Qt.TextElideMode.ElideRight, right - x)
        p.drawText(QRect(x, y, right - x, h), mid, title)
        if self._preview:
            p.setFont(look.small)
            p.setPen(c.bad)
            width = self.width() - PAD_X - x
            line = look.small_fm.elidedText(self._preview, Qt.TextElideMode.ElideRight, width)
            p.drawText(QRect(x, y + h + 2, width, h), mid, line)


def _nonzero_exit(summary: str) -> bool:
    return summary.startswith(("exit ", "timed out")) and not summary.startswith("exit 0")
