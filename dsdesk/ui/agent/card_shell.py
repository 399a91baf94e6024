"""The frame every tool card is: a focusable QFrame with a painted header and panes added below
it only when needed (``ToolCard`` supplies the header and the panes)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QApplication, QFrame, QVBoxLayout, QWidget

from dsdesk.ui.agent.card_look import PAD_X, CardLook, look_for
from dsdesk.ui.agent.card_paint import Header, paint_card
from dsdesk.ui.transcript_style import Theme

__all__ = ["CardShell"]

_CACHED_MAX_H = 120  # px: a taller card (its output shown) is painted directly


class CardShell(QFrame):
    sig_built = Signal(QWidget)
    """A pane added after the card was (the transcript's scroll keys must work in it too)."""

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._look: CardLook = look_for(theme, self.palette().highlight().color())
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._lay = QVBoxLayout(self)
        self._lay.setSpacing(8)
        # (what it shows, in which look, the card painted)
        self._pixmap: tuple[tuple[Header, int, int, float], CardLook, QPixmap] | None = None

    # -- for the subclass ------------------------------------------------------------------------

    def header(self) -> Header:
        raise NotImplementedError

    def header_lines(self) -> int:
        return 1

    def toggle(self) -> None:
        """A click on the header (or Enter/Space): expand or collapse."""

    def _set_look(self, theme: Theme) -> CardLook:
        self._look = look_for(theme, self.palette().highlight().color())
        return self._look

    def _add_pane(self, pane: QWidget, index: int = -1, visible: bool = True) -> None:
        """Put a lazily built pane under the header, shown now (a layout would show a child of a
        visible widget only later), its links in the Tab chain right after the card."""
        self._lay.insertWidget(index, pane)
        pane.setVisible(visible)
        self._relayout()
        prev: QWidget = self
        for w in self.findChildren(QWidget):
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.focusProxy() is None:
                QWidget.setTabOrder(prev, w)
                prev = w
        self.sig_built.emit(pane)

    def _drop_pane(self, pane: QWidget) -> None:
        focused = QApplication.focusWidget()
        if focused is not None and pane.isAncestorOf(focused):
            self.setFocus(Qt.FocusReason.OtherFocusReason)  # keep the keyboard on this card
        self._lay.removeWidget(pane)
        pane.hide()
        pane.deleteLater()
        self._relayout()

    def _relayout(self) -> None:
        top = self._look.header_height(self.header_lines())
        visible = any(
            not w.isHidden()
            for w in self.findChildren(QWidget, "", Qt.FindChildOption.FindDirectChildrenOnly)
        )
        self._lay.setContentsMargins(PAD_X, top, PAD_X, 10 if visible else 0)
        self.update()

    # -- events ----------------------------------------------------------------------------------

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
        # A card is painted again with every full repaint of the transcript (a scroll, the view
        # following a growing answer: dozens a second) and seldom changes: a card of a line or
        # two is painted once into a pixmap, and then only copied (0.2 ms of Python and text
        # shaping a paint otherwise, ten cards on screen).
        head, w, h = self.header(), self.width(), self.height()
        painter = QPainter(self)
        if h > _CACHED_MAX_H:
            self._pixmap = None
            paint_card(painter, self._look, w, h, head)
        else:
            dpr = self.devicePixelRatioF()
            key = (head, w, h, dpr)
            cached = self._pixmap
            if cached is None or cached[1] is not self._look or cached[0] != key:
                pm = QPixmap(round(w * dpr), round(h * dpr))
                pm.setDevicePixelRatio(dpr)
                pm.fill(Qt.GlobalColor.transparent)
                into = QPainter(pm)
                paint_card(into, self._look, w, h, head)
                into.end()
                cached = self._pixmap = (key, self._look, pm)
            painter.drawPixmap(0, 0, cached[2])
        painter.end()
