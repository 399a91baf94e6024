"""Painting a tool card's frame and one-line header (no child widgets: see tool_card)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from dsdesk.ui.agent.card_look import GAP, PAD_X, PAD_Y, CardLook

__all__ = ["Header", "paint_card"]

_EDIT_COUNTS_RE = re.compile(r"^(\+[\d,]+) (−[\d,]+)(.*)$")  # "+2 −1", "+2 −1 · 0.3 s"
_MID = Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True, slots=True)
class Header:
    """What the header shows."""

    glyph: str
    glyph_color: QColor
    title: str
    summary: str
    bad: bool  # the summary reports a failure (red)
    chevron: str  # "▸", "▾" or "" (nothing to expand)
    preview: str  # a second line (a failed call's error), or ""
    waiting: bool
    focused: bool


def paint_card(p: QPainter, look: CardLook, width: int, height: int, head: Header) -> None:
    c = look.colors
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(0, 0, width, height).adjusted(0.5, 0.5, -0.5, -0.5)
    p.setPen(QPen(c.ask_edge if head.waiting else c.edge, 1.0))
    p.setBrush(c.fill)
    p.drawRoundedRect(rect, 6.0, 6.0)
    if head.focused:
        pen = QPen(c.focus)
        pen.setWidthF(2.0)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 5.0, 5.0)

    h, y = look.line_h, PAD_Y
    x, right = PAD_X, width - PAD_X
    p.setFont(look.small)
    p.setPen(head.glyph_color)
    p.drawText(QRect(x, y, look.glyph_w, h), _MID | Qt.AlignmentFlag.AlignHCenter, head.glyph)
    x += look.glyph_w + GAP - 2
    if head.chevron:
        p.setPen(c.dim)
        p.drawText(QRect(right - look.chevron_w, y, look.chevron_w, h), _MID, head.chevron)
        right -= look.chevron_w + GAP
    if head.summary:
        right = _paint_summary(p, look, head, x, right) - GAP - 4
    p.setFont(look.mono)
    p.setPen(c.head_text)
    title = look.mono_fm.elidedText(head.title, Qt.TextElideMode.ElideRight, max(0, right - x))
    p.drawText(QRect(x, y, max(0, right - x), h), _MID, title)
    if head.preview:
        p.setFont(look.small)
        p.setPen(c.bad)
        room = width - PAD_X - x
        line = look.small_fm.elidedText(head.preview, Qt.TextElideMode.ElideRight, room)
        p.drawText(QRect(x, y + h + 2, room, h), _MID, line)


def _paint_summary(p: QPainter, look: CardLook, head: Header, left: int, right: int) -> int:
    """Right-aligned summary ending at ``right``; returns where it starts. An edit's counts
    ("+2 −1") are green and red, as in a diff."""
    c, fm, h, y = look.colors, look.small_fm, look.line_h, PAD_Y
    p.setFont(look.small)
    room = max(0, int((right - left) * 0.55))
    text = fm.elidedText(head.summary, Qt.TextElideMode.ElideRight, room)
    m = _EDIT_COUNTS_RE.match(text) if not head.bad else None
    pieces = [(text, c.bad if head.bad else c.dim)]
    if m is not None:
        pieces = [(m.group(1), c.ok), (" " + m.group(2), c.bad), (m.group(3), c.dim)]
    x = right - sum(fm.horizontalAdvance(t) for t, _ in pieces)
    start = x
    for piece, color in pieces:
        w = fm.horizontalAdvance(piece)
        p.setPen(color)
        p.drawText(QRect(x, y, w, h), _MID, piece)
        x += w
    return start
