"""Token counts and the in-context mark in the project tree, drawn by a delegate so the tree's
model stays a plain, lazy file listing. Space on a row puts it in or out of the context."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from dsdesk.ui.context_meter import compact
from dsdesk.ui.file_tree_model import IS_DIR_ROLE, REL_PATH_ROLE

# (rel path) -> (in context: "all" | "some" | "", tokens or None)
InfoFn = Callable[[str, bool], tuple[str, int | None]]
ACCENT = QColor("#3d85c6")


class TokenDelegate(QStyledItemDelegate):
    def __init__(self, info: InfoFn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._info = info

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        rel = index.data(REL_PATH_ROLE)
        if not isinstance(rel, str):
            super().paint(painter, option, index)
            return
        is_dir = bool(index.data(IS_DIR_ROLE))
        state, tokens = self._info(rel, is_dir)
        text = compact(tokens) if tokens else ""
        width = option.fontMetrics.horizontalAdvance(text) + 10 if text else 0
        opt = QStyleOptionViewItem(option)
        opt.rect = option.rect.adjusted(0, 0, -width, 0)
        super().paint(painter, opt, index)
        painter.save()
        if text:
            selected = bool(option.state & QStyle.StateFlag.State_Selected)
            role = (
                QPalette.ColorRole.HighlightedText
                if selected
                else QPalette.ColorRole.PlaceholderText
            )
            colour = ACCENT if state and not selected else option.palette.color(role)
            painter.setPen(colour)
            r = QRect(
                option.rect.right() - width, option.rect.top(), width - 4, option.rect.height()
            )
            painter.drawText(r, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        if state:
            # A bar at the left edge: full for "in context", half for "partly".
            h = option.rect.height() if state == "all" else option.rect.height() // 2
            painter.fillRect(QRect(option.rect.left(), option.rect.bottom() - h + 1, 3, h), ACCENT)
        painter.restore()
