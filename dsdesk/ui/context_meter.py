"""The context meter: a bar of what the next request will carry against the 1M window, split by
source, green / amber / red, with every figure in the tooltip. The label names the two parts
apart — what is sent and what is reserved for the answer — because a bare total read as
"33k attached" when nothing was (it was the reserved output)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from dsdesk.core.budget import ContextBudget

SEGMENTS = (  # (attribute, label, colour) of what the request sends
    ("instructions", "Instructions", QColor("#8e7cc3")),
    ("files", "Files", QColor("#3d85c6")),
    ("conversation", "Conversation", QColor("#45a29e")),
    ("prompt", "Prompt", QColor("#6aa84f")),
)
LEVEL_COLOURS = {"ok": "#2e9d5b", "warn": "#d99a00", "danger": "#d0402b", "over": "#d0402b"}


def compact(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.2f}M"
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    if n >= 1000:
        return f"{n / 1000:.1f}k"
    return str(n)


class _Bar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.budget = ContextBudget()
        self.setMinimumWidth(100)

    def sizeHint(self) -> QSize:
        return QSize(140, 12)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 2.5, -0.5, -2.5)
        p.setPen(self.palette().color(QPalette.ColorRole.Mid))
        p.setBrush(self.palette().color(QPalette.ColorRole.Base))
        p.drawRoundedRect(rect, 3, 3)
        b = self.budget
        x = rect.left() + 1
        inner = rect.width() - 2
        p.setPen(Qt.PenStyle.NoPen)
        top, height = rect.top() + 1, rect.height() - 2
        for attr, _label, colour in SEGMENTS:
            value = getattr(b, attr)
            w = inner * min(value, b.window) / b.window
            if value and w < 1.5:
                w = 1.5  # a non-empty source stays visible, however small
            if w <= 0:
                continue
            w = min(w, rect.right() - 1 - x)
            p.setBrush(colour)
            p.drawRect(QRectF(x, top, w, height))
            x += w
        # The level colour marks where what is sent ends, so the state reads at a glance.
        p.setBrush(QColor(LEVEL_COLOURS[b.level]))
        p.drawRect(QRectF(min(x, rect.right() - 3), top, 2, height))
        x += 2
        # The reserved output is held back, not used: hatched, in the palette's text colour.
        w = min(inner * min(b.reserved_output, b.window) / b.window, rect.right() - 1 - x)
        if w > 0:
            hatch = QColor(self.palette().color(QPalette.ColorRole.Text))
            hatch.setAlphaF(0.45)
            p.setBrush(QBrush(hatch, Qt.BrushStyle.BDiagPattern))
            p.drawRect(QRectF(x, top, w, height))
        p.end()


class ContextMeter(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("context-meter")
        self._bar = _Bar(self)
        self._label = QLabel(self)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        lay.addWidget(self._bar, 1)
        lay.addWidget(self._label)
        self.server_tokens: int | None = None
        self.set_budget(ContextBudget())

    @property
    def budget(self) -> ContextBudget:
        return self._bar.budget

    def label_text(self) -> str:
        return self._label.text()

    def set_budget(self, budget: ContextBudget, server_tokens: int | None = None) -> None:
        self._bar.budget = budget
        self.server_tokens = server_tokens
        approx = "" if budget.exact else "≈"
        pct = budget.fraction * 100
        colour = LEVEL_COLOURS[budget.level]
        self._label.setText(
            f"<span style='color:{colour}'>{approx}{compact(budget.input_tokens)}</span> sent"
            f" · {compact(budget.reserved_output)} reserved / {compact(budget.window)}"
        )
        rows = "".join(
            f"<tr><td><span style='color:{c.name()}'>■</span> {label}</td>"
            f"<td align='right'>{getattr(budget, attr):,}</td></tr>"
            for attr, label, c in SEGMENTS
        )
        rows += (
            f"<tr><td><b>Sent</b></td><td align='right'><b>{budget.input_tokens:,}</b></td></tr>"
            f"<tr><td>▨ Reserved for the answer (max output)</td>"
            f"<td align='right'>{budget.reserved_output:,}</td></tr>"
        )
        note = (
            "Exact V4 token counts."
            if budget.exact
            else "Estimated (≈): the exact V4 tokenizer is not wired in yet."
        )
        server = (
            f"<br>Server counted <b>{server_tokens:,}</b> prompt tokens for the last request."
            if server_tokens is not None
            else ""
        )
        warn = {
            "warn": "<br><b>Over 80% of the window left after the reserved output.</b>",
            "danger": "<br><b>Over 95% of the window left after the reserved output.</b>",
            "over": "<br><b>The next request does not fit: remove context.</b>",
        }.get(budget.level, "")
        self.setToolTip(
            f"<b>Next request: {budget.total:,} of {budget.window:,} tokens ({pct:.1f}%)</b>"
            f"<table>{rows}</table>{note}{server}{warn}"
        )
        self._bar.update()
