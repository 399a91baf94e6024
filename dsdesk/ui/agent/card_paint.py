"""Painting a tool card's frame and one-line header (no child widgets: see tool_card)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap

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


_M = 8  # corner size of the frame's nine-patch (radius 6, pen, focus ring)
_S = 2 * _M + 1  # the nine-patch: corners and a one-pixel middle
_frames: dict[tuple[int, int, int, float], QPixmap] = {}


def _frame_pixmap(fill: QColor, edge: QColor, ring: QColor | None, dpr: float) -> QPixmap:
    """The rounded frame as a small nine-patch, antialiased once: drawing an antialiased
    rounded rectangle per card per paint costs ten times more than blitting this."""
    key = (fill.rgba(), edge.rgba(), ring.rgba() if ring is not None else 0, dpr)
    pm = _frames.get(key)
    if pm is not None:
        return pm
    pm = QPixmap(round(_S * dpr), round(_S * dpr))
    pm.setDevicePixelRatio(dpr)
    pm.fill(Qt.GlobalColor.transparent)
    q = QPainter(pm)
    q.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(0, 0, _S, _S).adjusted(0.5, 0.5, -0.5, -0.5)
    q.setPen(QPen(edge, 1.0))
    q.setBrush(fill)
    q.drawRoundedRect(rect, 6.0, 6.0)
    if ring is not None:
        pen = QPen(ring)
        pen.setWidthF(2.0)
        q.setPen(pen)
        q.setBrush(Qt.BrushStyle.NoBrush)
        q.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 5.0, 5.0)
    q.end()
    if len(_frames) > 32:
        _frames.clear()
    _frames[key] = pm
    return pm


def _paint_frame(p: QPainter, pm: QPixmap, fill: QColor, w: int, h: int) -> None:
    d = pm.devicePixelRatio()
    m, c = _M, _S - _M  # c: where the right/bottom corners start in the nine-patch

    def src(x: float, y: float, sw: float, sh: float) -> QRectF:
        return QRectF(x * d, y * d, sw * d, sh * d)

    mid_w, mid_h = max(0, w - 2 * m), max(0, h - 2 * m)
    p.drawPixmap(QRectF(0, 0, m, m), pm, src(0, 0, m, m))
    p.drawPixmap(QRectF(w - m, 0, m, m), pm, src(c, 0, m, m))
    p.drawPixmap(QRectF(0, h - m, m, m), pm, src(0, c, m, m))
    p.drawPixmap(QRectF(w - m, h - m, m, m), pm, src(c, c, m, m))
    p.drawPixmap(QRectF(m, 0, mid_w, m), pm, src(m, 0, 1, m))
    p.drawPixmap(QRectF(m, h - m, mid_w, m), pm, src(m, c, 1, m))
    p.drawPixmap(QRectF(0, m, m, mid_h), pm, src(0, m, m, 1))
    p.drawPixmap(QRectF(w - m, m, m, mid_h), pm, src(c, m, m, 1))
    p.fillRect(QRect(m, m, mid_w, mid_h), fill)


def paint_card(p: QPainter, look: CardLook, width: int, height: int, head: Header) -> None:
    c = look.colors
    edge = c.ask_edge if head.waiting else c.edge
    dpr = p.device().devicePixelRatioF()
    pm = _frame_pixmap(c.fill, edge, c.focus if head.focused else None, dpr)
    _paint_frame(p, pm, c.fill, width, height)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)

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
