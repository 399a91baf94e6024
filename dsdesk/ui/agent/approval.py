"""The approval block a tool card opens in place: why it asks, exactly what will run or change,
and the answers — keys first (y / s / a / n / Esc), each also a clickable link.

Keys pressed on the card (or any of its links) reach ``ToolCard.keyPressEvent``, which maps them
with ``APPROVAL_KEYS``; the reason field handles its own Enter and Esc.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from dsdesk.agent.events import Answer, Approval
from dsdesk.ui.agent.card_style import CardColors
from dsdesk.ui.agent.card_views import TextPane, looks_like_diff
from dsdesk.ui.transcript_widgets import LinkButton

__all__ = ["ANSWER_TEXT", "APPROVAL_KEYS", "ApprovalBlock"]

DETAIL_LINES = 40

APPROVAL_KEYS: dict[int, Answer] = {
    Qt.Key.Key_Y: Answer.ONCE,
    Qt.Key.Key_S: Answer.SESSION,
    Qt.Key.Key_A: Answer.ALWAYS,
    Qt.Key.Key_N: Answer.DENY,
    Qt.Key.Key_Escape: Answer.STOP,
}

# (key cap, link text, hint for plain text) in the order shown.
_CHOICES: tuple[tuple[str, str, str, Answer], ...] = (
    ("y", "Allow once", "once", Answer.ONCE),
    ("s", "This session", "this session", Answer.SESSION),
    ("a", "Always", "always", Answer.ALWAYS),
    ("n", "Deny…", "deny", Answer.DENY),
    ("Esc", "Stop", "stop", Answer.STOP),
)

ANSWER_TEXT = {
    Answer.ONCE: "allowed once",
    Answer.SESSION: "allowed for this session",
    Answer.ALWAYS: "allowed always",
    Answer.DENY: "denied",
    Answer.STOP: "stopped",
}


class ReasonEdit(QLineEdit):
    """One line for the model: Enter denies with it, Esc goes back to the choices."""

    sig_cancel = Signal()
    """Esc: hide the field, keep the question open."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.sig_cancel.emit()
            return
        super().keyPressEvent(event)


class ChoiceButton(LinkButton):
    """A key cap and its link ("[y] Allow once"), painted as one compact, focusable control."""

    def __init__(self, key: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.key = key
        self._cap_font = QFont(self.font())
        self._cap_fill = QColor(Qt.GlobalColor.transparent)
        self._cap_edge = QColor(Qt.GlobalColor.gray)
        self._cap_text = QColor(Qt.GlobalColor.black)

    def set_look(self, font: QFont, cap_font: QFont, colors: CardColors) -> None:
        self.setFont(font)
        self._cap_font = cap_font
        self._cap_fill, self._cap_edge, self._cap_text = colors.out_bg, colors.edge, colors.dim
        self.updateGeometry()
        self.update()

    def _cap_width(self) -> int:
        return QFontMetrics(self._cap_font).horizontalAdvance(self.key) + 10

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        width = self._cap_width() + 6 + fm.horizontalAdvance(self.text()) + 8
        return QSize(width, fm.height() + 8)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        h = self.height()
        cap_h = QFontMetrics(self._cap_font).height() + 2
        cap = QRectF(2.5, (h - cap_h) / 2 + 0.5, self._cap_width(), cap_h)
        p.setPen(QPen(self._cap_edge, 1.0))
        p.setBrush(self._cap_fill)
        p.drawRoundedRect(cap, 3.5, 3.5)
        p.setFont(self._cap_font)
        p.setPen(self._cap_text)
        p.drawText(cap, Qt.AlignmentFlag.AlignCenter, self.key)
        p.setFont(self.font())
        p.setPen(self.palette().color(self.palette().ColorRole.ButtonText))
        text_x = cap.right() + 6
        p.drawText(
            QRectF(text_x, 0, self.width() - text_x, h),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            self.text(),
        )
        if self.hasFocus():
            pen = QPen(self.palette().color(self.palette().ColorRole.Highlight))
            pen.setWidthF(1.5)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 4, 4)


class ApprovalBlock(QWidget):
    """Why, what, and the answers (see the module docstring)."""

    sig_answer = Signal(object)
    """(Approval) the user's answer."""

    def __init__(
        self,
        detail: str,
        why: str,
        colors: CardColors,
        mono: QFont,
        small: QFont,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        self.why = QLabel(why or "This call needs your approval.", self)
        self.why.setWordWrap(True)
        self.why.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.why)
        self.detail = TextPane(
            detail, colors, mono, DETAIL_LINES, self, diff=looks_like_diff(detail)
        )
        lay.addWidget(self.detail)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        self.buttons: dict[Answer, ChoiceButton] = {}
        for cap, text, _hint, answer in _CHOICES:
            button = ChoiceButton(cap, text, self)
            button.setObjectName(f"approve:{answer.value}")
            button.setToolTip(f"{text.rstrip('…')} ({cap})")
            button.clicked.connect(lambda _=False, a=answer: self.choose(a))
            row.addWidget(button)
            self.buttons[answer] = button
        row.addStretch(1)
        lay.addLayout(row)

        self.reason = ReasonEdit(self)
        self.reason.setPlaceholderText("Reason for the model (Enter to deny; empty for none)")
        self.reason.returnPressed.connect(self._on_reason_returnPressed)
        self.reason.hide()
        lay.addWidget(self.reason)
        self.apply_colors(colors, mono, small)

    def apply_colors(self, colors: CardColors, mono: QFont, small: QFont) -> None:
        self.why.setFont(small)
        self.why.setStyleSheet(f"color: {colors.dim.name()}")
        self.detail.apply_colors(colors, mono)
        cap_font = QFont(mono)
        cap_font.setPointSizeF(small.pointSizeF() * 0.9)
        for button in self.buttons.values():
            button.set_look(small, cap_font, colors)
        self.reason.setFont(small)

    def choose(self, answer: Answer) -> None:
        """Answer with ``answer``; Deny first asks for the optional reason."""
        if answer is Answer.DENY:
            self.reason.show()
            self.reason.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.sig_answer.emit(Approval(answer))

    @property
    def asking_reason(self) -> bool:
        return not self.reason.isHidden()

    def _on_reason_returnPressed(self) -> None:
        self.sig_answer.emit(Approval(Answer.DENY, self.reason.text().strip()))

    def plain_text(self) -> str:
        return f"{self.why.text()}\n{self.detail.text()}\n" + " · ".join(
            f"{cap} {hint}" for cap, _text, hint, _answer in _CHOICES
        )
