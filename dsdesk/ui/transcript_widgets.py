"""Building blocks of the transcript: auto-height text browsers, link buttons, message frames."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QRect, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QEnterEvent,
    QFocusEvent,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QWidget,
)

__all__ = ["AutoHeightBrowser", "DisclosureButton", "LinkButton", "RoundedFrame", "WrappedLabel"]

_ACTIVATE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_ARROWS = (Qt.Key.Key_Up, Qt.Key.Key_Down)


def _passed_up(event: QKeyEvent) -> bool:
    """Up and Down on a button: Qt would move the focus; ignored, the key goes up to the
    transcript, which scrolls (as it does for PageUp, PageDown, Home and End, which buttons
    ignore anyway)."""
    plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if event.key() in _ARROWS and plain == Qt.KeyboardModifier.NoModifier:
        event.ignore()
        return True
    return False


class AutoHeightBrowser(QTextBrowser):
    """A read-only browser exactly as tall as its document: the transcript scrolls, not it."""

    sig_cursor_moved = Signal(QRect)
    """Cursor rectangle (viewport coordinates) after keyboard link navigation moved it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setOpenLinks(False)
        self.setUndoRedoEnabled(False)  # an undo stack would keep every streamed edit alive
        self.viewport().setAutoFillBackground(False)  # show the message's own background
        doc = self.document()
        doc.setUndoRedoEnabled(False)
        doc.setDocumentMargin(0)
        doc.documentLayout().documentSizeChanged.connect(self._on_layout_documentSizeChanged)
        self.cursorPositionChanged.connect(self._on_self_cursorPositionChanged)
        self.setFixedHeight(0)

    def _on_layout_documentSizeChanged(self, size: QSizeF) -> None:
        height = math.ceil(size.height())
        if height != self.height():
            self.setFixedHeight(height)

    def _on_self_cursorPositionChanged(self) -> None:
        if self.hasFocus():
            self.sig_cursor_moved.emit(self.cursorRect())


class WrappedLabel(QLabel):
    """A word-wrapped label as tall as its text at its width, without height-for-width.

    A layout with one height-for-width item asks its items again on each pass, and so does
    every layout above it: a usage line under each answer made the transcript's thousand
    entries all height-for-width, and each page step then spent 6 ms in the scroll area's
    layout. This one takes a fixed height when its width or text changes, as the auto-height
    text views do (a size hint that followed the width was not always asked again after the
    first, narrow layout pass of an entry built back: the header stayed four lines tall).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)

    def hasHeightForWidth(self) -> bool:
        return False

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit()

    def _fit(self) -> None:
        if not self.testAttribute(Qt.WidgetAttribute.WA_Resized):
            return  # not laid out yet: its width is no guide (its size hint is used until then)
        self.setMinimumHeight(0)  # QLabel's height for a width is at least its minimum height
        height = self.heightForWidth(max(1, self.width()))
        self.setFixedHeight(height if height >= 0 else super().sizeHint().height())


class LinkButton(QPushButton):
    """A flat button drawn as a link: reachable by Tab, activated by click, Enter or Space."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setFlat(True)
        self.setAutoDefault(False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.ButtonText, pal.color(QPalette.ColorRole.Link))
        self.setPalette(pal)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in _ACTIVATE_KEYS and not event.isAutoRepeat():
            self.click()  # buttons outside dialogs ignore Enter; links must not
            return
        if not _passed_up(event):
            super().keyPressEvent(event)

    # Underline on hover and on keyboard focus, as a link would.
    def enterEvent(self, event: QEnterEvent) -> None:
        self._underline(True)
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._underline(self.hasFocus())
        super().leaveEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self._underline(True)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._underline(self.underMouse())
        super().focusOutEvent(event)

    def _underline(self, on: bool) -> None:
        font = self.font()
        if font.underline() != on:
            font.setUnderline(on)
            self.setFont(font)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.hasFocus():  # a flat button has no visible focus of its own; a link needs one
            painter = QPainter(self)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight))
            pen.setWidthF(1.5)
            painter.setPen(pen)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 4, 4)


class DisclosureButton(QToolButton):
    """The header of a collapsible section ("▸ Reasoning · 1,234 tokens")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoRaise(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

    def set_color(self, color: QColor) -> None:
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.ButtonText, color)
        self.setPalette(pal)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in _ACTIVATE_KEYS and not event.isAutoRepeat():
            self.click()
            return
        if not _passed_up(event):
            super().keyPressEvent(event)


class RoundedFrame(QFrame):
    """A frame painted as a rounded box, or a left rule; colours are set from the theme."""

    def __init__(self, parent: QWidget | None = None, *, rule: bool = False) -> None:
        super().__init__(parent)
        self._rule = rule
        self._fill = QColor(Qt.GlobalColor.transparent)
        self._edge = QColor(Qt.GlobalColor.transparent)

    def set_colors(self, fill: QColor, edge: QColor) -> None:
        self._fill, self._edge = QColor(fill), QColor(edge)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._rule:
            p.fillRect(QRect(0, 0, 3, self.height()), self._edge)
            return
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QPen(self._edge, 1.0))
        p.setBrush(self._fill)
        p.drawRoundedRect(rect, 8.0, 8.0)
