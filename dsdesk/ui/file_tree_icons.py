"""Small painted icons for the file tree, one per coarse file kind.

Painted with QPainter rather than taken from the platform theme: the theme's icons differ per
desktop, are missing on the offscreen platform, and do not tell a Python file from a config file.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

__all__ = ["icon_for_kind"]

# Badge colour per kind; None: a plain page.
_BADGES: dict[str, str | None] = {
    "python": "#3572A5",
    "markdown": "#5A6B7B",
    "config": "#D9822B",
    "code": "#8250DF",
    "image": "#2DA44E",
    "text": None,
    "binary": "#57606A",
    "symlink": "#0969DA",
}

_cache: dict[str, QIcon] = {}


def icon_for_kind(kind: str) -> QIcon:
    """The icon for an ``Entry.kind`` ("folder", "python", …); empty for unknown kinds."""
    icon = _cache.get(kind)
    if icon is None:
        icon = QIcon()
        if kind == "folder" or kind in _BADGES:
            for size in (16, 24, 32, 48):
                icon.addPixmap(_paint(kind, size))
        _cache[kind] = icon
    return icon


def _paint(kind: str, size: int) -> QPixmap:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 16, size / 16)  # draw on a 16×16 grid whatever the pixel size
    if kind == "folder":
        _folder(p)
    else:
        _page(p, kind)
    p.end()
    return pix


def _folder(p: QPainter) -> None:
    body = QColor("#E3A72F")
    path = QPainterPath()
    path.moveTo(1.5, 3.5)
    path.lineTo(6.0, 3.5)
    path.lineTo(7.5, 5.0)
    path.lineTo(14.5, 5.0)
    path.lineTo(14.5, 13.5)
    path.lineTo(1.5, 13.5)
    path.closeSubpath()
    p.setPen(QPen(body.darker(140), 1.0))
    p.setBrush(body)
    p.drawPath(path)
    # A lighter front flap gives the shape depth at 16 px.
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(body.lighter(125))
    p.drawRect(QRectF(2.0, 6.5, 12.0, 6.5))


def _page(p: QPainter, kind: str) -> None:
    badge = _BADGES.get(kind)
    dark = kind == "binary"
    fill = QColor("#6E7781") if dark else QColor("#FAFBFC")
    edge = QColor("#57606A")
    page = QPainterPath()
    page.moveTo(3.0, 1.5)
    page.lineTo(9.5, 1.5)
    page.lineTo(13.0, 5.0)
    page.lineTo(13.0, 14.5)
    page.lineTo(3.0, 14.5)
    page.closeSubpath()
    p.setPen(QPen(edge, 1.0))
    p.setBrush(fill)
    p.drawPath(page)
    fold = QPainterPath()
    fold.moveTo(9.5, 1.5)
    fold.lineTo(9.5, 5.0)
    fold.lineTo(13.0, 5.0)
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(fold)
    # Text lines: plain pages are told apart from badged ones by these alone.
    p.setPen(QPen(QColor("#D0D7DE") if dark else QColor("#8C959F"), 1.0))
    for y in (7.5, 9.5) if badge else (7.5, 9.5, 11.5):
        p.drawLine(QPointF(5.0, y), QPointF(11.0, y))
    if badge is None:
        return
    color = QColor(badge)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    if kind == "symlink":
        # A bent arrow: "this points elsewhere".
        p.setPen(QPen(color, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.setBrush(Qt.BrushStyle.NoBrush)
        arrow = QPainterPath()
        arrow.moveTo(5.0, 13.5)
        arrow.quadTo(5.0, 10.0, 10.0, 10.0)
        p.drawPath(arrow)
        p.drawLine(QPointF(8.5, 8.5), QPointF(10.3, 10.0))
        p.drawLine(QPointF(8.5, 11.5), QPointF(10.3, 10.0))
    elif kind == "image":
        mountain = QPainterPath()
        mountain.moveTo(4.0, 13.5)
        mountain.lineTo(7.0, 10.0)
        mountain.lineTo(9.0, 12.0)
        mountain.lineTo(10.5, 10.5)
        mountain.lineTo(12.0, 13.5)
        mountain.closeSubpath()
        p.drawPath(mountain)
    else:
        p.drawRoundedRect(QRectF(1.0, 10.5, 10.0, 4.5), 1.2, 1.2)
