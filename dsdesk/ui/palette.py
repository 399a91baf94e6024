"""The command palette (Ctrl+Shift+P or Ctrl+K): an overlay at the top of the window listing
every command with its shortcut, fuzzy-matched as you type (matched letters in bold), recently
used ones first.

It is a frameless child widget of the main window, not a dialog: no title bar, no window of its
own for the window manager to place. Esc, or focus going elsewhere, closes it; Esc and running a
command give the keyboard back to the widget that had it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QKeyEvent, QPainter, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGraphicsDropShadowEffect,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from dsdesk.core.fuzzy import fuzzy_sort

MAX_RECENT = 8
MAX_ROWS = 12  # rows shown before the list scrolls
WIDTH = 640
POSITIONS_ROLE = Qt.ItemDataRole.UserRole + 1  # tuple of matched letter indexes
HINT_ROLE = Qt.ItemDataRole.UserRole + 2  # the shortcut (or "current") shown at the right
_NAV_KEYS = frozenset(
    {
        Qt.Key.Key_Escape,
        Qt.Key.Key_Up,
        Qt.Key.Key_Down,
        Qt.Key.Key_PageUp,
        Qt.Key.Key_PageDown,
        Qt.Key.Key_Return,
        Qt.Key.Key_Enter,
        Qt.Key.Key_Tab,
        Qt.Key.Key_Backtab,
    }
)
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class PaletteEntry:
    id: str  # stable across openings, for "recent": "action:new_chat", "model:deepseek-v4-pro"
    text: str
    hint: str  # the shortcut, or a state such as "current"; "" for none
    run: Callable[[], object]


class _RowDelegate(QStyledItemDelegate):
    """A row: the text with its matched letters in bold and the link colour, the hint at the
    right in the placeholder colour (on a selected row, both in the highlighted-text colour)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal = opt.palette
        plain = pal.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        hit = plain if selected else pal.color(QPalette.ColorRole.Link)
        dim = plain if selected else pal.color(QPalette.ColorRole.PlaceholderText)
        rect = opt.rect.adjusted(10, 0, -10, 0)
        painter.save()
        hint = str(index.data(HINT_ROLE) or "")
        hint_w = 0
        if hint:
            painter.setPen(dim)
            painter.setFont(opt.font)
            hint_w = opt.fontMetrics.horizontalAdvance(hint) + 16
            align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(rect, int(align), hint)
        bold = QFont(opt.font)
        bold.setBold(True)
        positions = set(index.data(POSITIONS_ROLE) or ())
        x, right = rect.left(), rect.right() - hint_w
        for i, ch in enumerate(text):
            matched = i in positions
            font = bold if matched else opt.font
            painter.setFont(font)
            painter.setPen(hit if matched else plain)
            w = painter.fontMetrics().horizontalAdvance(ch)
            if x + w > right:
                break
            painter.drawText(
                QRect(x, rect.top(), w + 1, rect.height()), int(Qt.AlignmentFlag.AlignVCenter), ch
            )
            x += w
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), option.fontMetrics.height() + 10))


class CommandPalette(QFrame):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("command-palette")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Window)
        # It floats over the chat: a shadow in the palette's own shadow colour sets it apart.
        shadow = QGraphicsDropShadowEffect(self)
        shadow.setBlurRadius(24)
        shadow.setOffset(0, 4)
        shadow.setColor(self.palette().color(QPalette.ColorRole.Shadow))
        self.setGraphicsEffect(shadow)
        self.recent: list[str] = []  # entry ids, most recent first; updated when one runs
        self._entries: list[PaletteEntry] = []
        self._return_to: QWidget | None = None
        self._watching = False  # connected to the application's focusChanged while open
        self.query = QLineEdit(self)
        self.query.setObjectName("palette-query")
        self.query.setPlaceholderText(
            "Type a command (letters in order: “tgth” finds Toggle thinking)"
        )
        self.query.setClearButtonEnabled(True)
        self._model = QStandardItemModel(self)
        self.list = QListView(self)
        self.list.setObjectName("palette-list")
        self.list.setModel(self._model)
        self.list.setItemDelegate(_RowDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay in the query field
        self.list.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.query.textChanged.connect(self._on_query_textChanged)
        self.query.installEventFilter(self)
        self.list.clicked.connect(self._on_list_clicked)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(4)
        lay.addWidget(self.query)
        lay.addWidget(self.list)
        parent.installEventFilter(self)  # follow the window's size
        self.hide()

    # -- opening and closing ------------------------------------------------------------------

    def popup(self, entries: list[PaletteEntry]) -> None:
        """Show ``entries`` with an empty query, taking the keyboard (and remembering from whom)."""
        if not self.isVisible():
            focus = QApplication.focusWidget()
            self._return_to = focus if focus is not None and not self.isAncestorOf(focus) else None
        self._entries = entries
        self.query.blockSignals(True)
        self.query.clear()
        self.query.blockSignals(False)
        self._fill("")
        self._place()
        self.show()
        self.raise_()
        self.query.setFocus(Qt.FocusReason.PopupFocusReason)
        app = QApplication.instance()
        if isinstance(app, QApplication) and not self._watching:
            app.focusChanged.connect(self._on_app_focusChanged)
            self._watching = True

    def dismiss(self, restore_focus: bool = True) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication) and self._watching:
            app.focusChanged.disconnect(self._on_app_focusChanged)
            self._watching = False
        self.hide()
        target, self._return_to = self._return_to, None
        if restore_focus and target is not None and isValid(target) and target.isVisible():
            target.setFocus(Qt.FocusReason.PopupFocusReason)

    def _on_app_focusChanged(self, _old: QWidget | None, new: QWidget | None) -> None:
        # A click elsewhere in the window moves the focus there: the palette gets out of the way.
        if new is not None and self.isVisible() and not self.isAncestorOf(new):
            self._return_to = None
            self.dismiss(restore_focus=False)

    def _place(self) -> None:
        window = self.parentWidget()
        assert window is not None
        width = min(WIDTH, max(240, window.width() - 40))
        rows = max(1, min(MAX_ROWS, self._model.rowCount()))
        row_h = self.list.sizeHintForRow(0) if self._model.rowCount() else 24
        frame = 2 * self.list.frameWidth()
        self.list.setFixedHeight(rows * row_h + frame)
        height = self.sizeHint().height()
        top = 0
        menu = getattr(window, "menuBar", None)
        if callable(menu) and menu().isVisible():
            top = menu().geometry().bottom() + 1
        self.setGeometry((window.width() - width) // 2, top + 4, width, height)

    # -- filling ------------------------------------------------------------------------------

    def _fill(self, query: str) -> None:
        if query:
            ranked = fuzzy_sort(query, self._entries, lambda e: e.text)
            rows = [(e, m.positions) for e, m in ranked]
        else:
            by_id = {e.id: e for e in self._entries}
            recent = [by_id[i] for i in self.recent if i in by_id]
            rest = sorted(
                (e for e in self._entries if e not in recent), key=lambda e: e.text.lower()
            )
            rows = [(e, ()) for e in recent + rest]
        self._model.clear()
        for entry, positions in rows:
            item = QStandardItem(entry.text)
            item.setData(entry.id, Qt.ItemDataRole.UserRole)
            item.setData(positions, POSITIONS_ROLE)
            item.setData(entry.hint, HINT_ROLE)
            item.setToolTip(f"{entry.text} ({entry.hint})" if entry.hint else entry.text)
            self._model.appendRow(item)
        if self._model.rowCount():
            self.list.setCurrentIndex(self._model.index(0, 0))

    def rows(self) -> list[tuple[str, str]]:
        """(text, hint) of the listed rows, in order."""
        m = self._model
        return [(m.item(r).text(), str(m.item(r).data(HINT_ROLE))) for r in range(m.rowCount())]

    def _on_query_textChanged(self, text: str) -> None:
        self._fill(text.strip())
        if self.isVisible():
            self._place()

    # -- keys ---------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            if self.isVisible():
                self._place()
            return False
        if watched is self.query and event.type() == QEvent.Type.ShortcutOverride:
            # Esc, Enter and the arrows are the palette's while it is open, not the window's.
            assert isinstance(event, QKeyEvent)
            if (
                event.key() in _NAV_KEYS
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            ):
                event.accept()
                return True
        if watched is self.query and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._key(event)
        return super().eventFilter(watched, event)

    def _key(self, event: QKeyEvent) -> bool:
        key = Qt.Key(event.key())
        steps = {
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_Tab: 1,
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Backtab: -1,
            Qt.Key.Key_PageDown: MAX_ROWS - 1,
            Qt.Key.Key_PageUp: -(MAX_ROWS - 1),
        }
        if key in steps:
            last = self._model.rowCount() - 1
            row = max(0, min(last, self.list.currentIndex().row() + steps[key]))
            self.list.setCurrentIndex(self._model.index(row, 0))
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.run_current()
            return True
        if key == Qt.Key.Key_Escape:
            self.dismiss()
            return True
        return False

    # -- running ------------------------------------------------------------------------------

    def _on_list_clicked(self, index: QModelIndex) -> None:
        self.list.setCurrentIndex(index)
        self.run_current()

    def run_current(self) -> None:
        index = self.list.currentIndex()
        if not index.isValid():
            return
        entry_id = str(index.data(Qt.ItemDataRole.UserRole))
        entry = next(e for e in self._entries if e.id == entry_id)
        if entry_id in self.recent:
            self.recent.remove(entry_id)
        self.recent.insert(0, entry_id)
        del self.recent[MAX_RECENT:]
        # Give the keyboard back first: a command that moves the focus (Focus tree, a dialog)
        # then has the last word.
        self.dismiss()
        entry.run()
