"""A tool card's look for one theme: colours, fonts and header metrics, shared by every card.

A timeline holds hundreds of cards; they share one ``CardLook`` per (theme, highlight colour)
instead of each building its own fonts and metrics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QFontMetrics

from dsdesk.ui.agent.card_style import CardColors, card_fonts
from dsdesk.ui.transcript_style import Theme

__all__ = ["CardLook", "format_seconds", "look_for", "with_duration"]

PAD_X = 12  # header: left and right padding
PAD_Y = 6  # header: top and bottom padding
GAP = 8  # header: between glyph, title, summary and chevron

_DURATION_RE = re.compile(r"\d(?:\.\d+)?\s?(?:s|ms|m)\b")


@dataclass(frozen=True)
class CardLook:
    colors: CardColors
    mono: QFont
    small: QFont
    mono_fm: QFontMetrics
    small_fm: QFontMetrics
    line_h: int  # one header line
    glyph_w: int
    chevron_w: int

    def header_height(self, lines: int) -> int:
        return PAD_Y * 2 + self.line_h * lines + (2 if lines > 1 else 0)


_cache: dict[tuple[int, int], tuple[Theme, CardLook]] = {}


def look_for(theme: Theme, highlight: QColor) -> CardLook:
    key = (id(theme), highlight.rgba())
    hit = _cache.get(key)
    if hit is not None and hit[0] is theme:
        return hit[1]
    mono, small = card_fonts(theme)
    mono_fm, small_fm = QFontMetrics(mono), QFontMetrics(small)
    look = CardLook(
        colors=CardColors.from_theme(theme, highlight),
        mono=mono,
        small=small,
        mono_fm=mono_fm,
        small_fm=small_fm,
        line_h=max(mono_fm.height(), small_fm.height()) + 2,
        glyph_w=max(small_fm.horizontalAdvance(g) for g in "✓✗⊘?…") + 2,
        chevron_w=small_fm.horizontalAdvance("▾") + 2,
    )
    if len(_cache) > 8:  # themes change rarely; never grow without bound
        _cache.clear()
    _cache[key] = (theme, look)  # the theme is kept alive, so its id stays its own
    return look


def format_seconds(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} m {rest:02d} s"


def with_duration(summary: str, seconds: float) -> str:
    """``summary · 1.2 s``, unless the summary already names a duration or the call took no
    time worth showing (under 0.05 s: "0.0 s" says nothing)."""
    if seconds < 0.05 or _DURATION_RE.search(summary):
        return summary
    duration = format_seconds(seconds)
    return f"{summary} · {duration}" if summary else duration
