"""The transcript's keyboard: scroll keys work wherever focus is inside an entry, keyboard link
navigation scrolls the link into view, and Tab walks the entries in screen order (entries are
added at the end, above the others, or built back from parking in the middle)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractSlider, QLineEdit, QScrollArea, QWidget

from dsdesk.ui.transcript_widgets import AutoHeightBrowser, DisclosureButton, LinkButton

__all__ = ["TranscriptKeys"]

_Action = QAbstractSlider.SliderAction
_SCROLL_KEYS: dict[int, QAbstractSlider.SliderAction] = {
    Qt.Key.Key_PageUp: _Action.SliderPageStepSub,
    Qt.Key.Key_PageDown: _Action.SliderPageStepAdd,
    Qt.Key.Key_Home: _Action.SliderToMinimum,
    Qt.Key.Key_End: _Action.SliderToMaximum,
    Qt.Key.Key_Up: _Action.SliderSingleStepSub,
    Qt.Key.Key_Down: _Action.SliderSingleStepAdd,
}


class TranscriptKeys(QObject):
    def __init__(self, scroll: QScrollArea) -> None:
        super().__init__(scroll)
        self._scroll = scroll
        scroll.installEventFilter(self)

    def watch(self, root: QWidget) -> None:
        """Scroll keys pressed anywhere inside ``root`` scroll the transcript; keyboard link
        navigation inside a browser scrolls the link into view."""
        for w in [root, *root.findChildren(QWidget)]:
            # Link and disclosure buttons ignore these keys and Qt passes them up to the scroll
            # area, whose filter acts on them: a filter on each of them would also run Python
            # for its every paint (~200,000 calls in the 500-step bench). Not where one types:
            # Home/End move there.
            if w.focusPolicy() != Qt.FocusPolicy.NoFocus and not isinstance(
                w, QLineEdit | LinkButton | DisclosureButton
            ):
                w.installEventFilter(self)
            if isinstance(w, AutoHeightBrowser):
                w.sig_cursor_moved.connect(lambda rect, b=w: self._on_browser_cursor_moved(b, rect))

    def chain(self, entries: Sequence[QWidget], entry: QWidget, skip: type[QWidget]) -> None:
        """New widgets join the end of the window's Tab chain; move the entry's controls to
        just after the last ones of the built entries above it. Entries of type ``skip`` have
        none (parked ones: a long transcript has hundreds above the view)."""
        prev: QWidget = self._scroll
        for i in range(entries.index(entry) - 1, -1, -1):
            above = entries[i]
            stops = [] if isinstance(above, skip) else tab_stops(above)
            if stops:
                prev = stops[-1]
                break
        for w in tab_stops(entry):
            QWidget.setTabOrder(prev, w)
            prev = w

    def _on_browser_cursor_moved(self, browser: AutoHeightBrowser, rect: QRect) -> None:
        body = self._scroll.widget()
        if body is None:
            return
        top = browser.viewport().mapTo(body, QPoint(rect.x(), rect.top()))
        self._scroll.ensureVisible(top.x(), top.y() + rect.height() // 2, 0, rect.height() + 24)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            action = _SCROLL_KEYS.get(event.key())
            allowed = mods == Qt.KeyboardModifier.NoModifier or (
                mods == Qt.KeyboardModifier.ControlModifier
                and event.key() in (Qt.Key.Key_Home, Qt.Key.Key_End)
            )
            if action is not None and allowed:
                self._scroll.verticalScrollBar().triggerAction(action)
                return True
        return super().eventFilter(watched, event)


def tab_stops(root: QWidget) -> list[QWidget]:
    return [
        w
        for w in [root, *root.findChildren(QWidget)]
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.focusProxy() is None
    ]
