"""Colours and glyphs of tool cards, derived from the transcript's Theme (light and dark).

As in ``transcript_style``, colours are palette roles or blends of them; the status hues (green,
amber, red) are fixed hues blended into the palette's text and base, so they stay subtle on both.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont

from dsdesk.agent.events import ToolStatus
from dsdesk.ui.transcript_style import Theme, blend

__all__ = ["CardColors", "Phase", "card_fonts", "glyph_of"]

_GREEN = QColor(46, 160, 67)
_RED = QColor(220, 60, 60)
_AMBER = QColor(214, 150, 20)


class Phase(enum.Enum):
    """Where a card is in its call's life."""

    STREAMING = "streaming"  # the model is still writing the arguments
    READY = "ready"  # complete, about to be judged or run
    WAITING = "waiting"  # an approval question is open
    RUNNING = "running"  # allowed, running
    ENDED = "ended"  # finish() was called


_GLYPHS = {
    ToolStatus.DONE: "✓",
    ToolStatus.FAILED: "✗",
    ToolStatus.DENIED: "⊘",
    ToolStatus.CANCELLED: "⊘",
}


def glyph_of(phase: Phase, status: ToolStatus | None) -> str:
    if phase is Phase.ENDED and status is not None:
        return _GLYPHS[status]
    return "?" if phase is Phase.WAITING else "…"


@dataclass(frozen=True)
class CardColors:
    fill: QColor  # the card's background
    edge: QColor  # its border
    ask_edge: QColor  # the border while it waits for an answer
    head_text: QColor  # the call
    dim: QColor  # summary, duration, hints
    ok: QColor  # ✓
    bad: QColor  # ✗ and a failed summary
    ask: QColor  # ? and the approval accent
    focus: QColor  # keyboard focus ring
    out_bg: QColor  # output / result / detail panes
    add_bg: QColor  # diff: added line
    del_bg: QColor  # diff: removed line
    hunk: QColor  # diff: @@ lines

    @classmethod
    def from_theme(cls, theme: Theme, highlight: QColor) -> CardColors:
        t, base, dark = theme.text, theme.base, theme.dark
        return cls(
            fill=blend(base, t, 0.035 if dark else 0.02),
            edge=blend(base, t, 0.16 if dark else 0.13),
            ask_edge=blend(base, _AMBER, 0.7),
            head_text=t,
            dim=theme.dim,
            ok=blend(_GREEN, t, 0.15 if dark else 0.05),
            bad=blend(_RED, t, 0.1 if dark else 0.05),
            ask=blend(_AMBER, t, 0.1 if dark else 0.15),
            focus=highlight,
            out_bg=theme.code_bg,
            add_bg=blend(base, _GREEN, 0.17 if dark else 0.13),
            del_bg=blend(base, _RED, 0.15 if dark else 0.12),
            hunk=blend(theme.dim, theme.link, 0.5),
        )

    def glyph_color(self, phase: Phase, status: ToolStatus | None) -> QColor:
        if phase is Phase.WAITING:
            return self.ask
        if phase is not Phase.ENDED or status is None:
            return self.dim
        if status is ToolStatus.DONE:
            return self.ok
        return self.bad if status is ToolStatus.FAILED else self.dim


def card_fonts(theme: Theme) -> tuple[QFont, QFont]:
    """(monospace for the call and output, small UI font for summaries and hints)."""
    mono = QFont(theme.mono_family)
    mono.setStyleHint(QFont.StyleHint.Monospace)
    mono.setPointSizeF(theme.code_pt)
    small = QFont(theme.font)
    small.setPointSizeF(theme.font.pointSizeF() * 0.88)
    return mono, small
