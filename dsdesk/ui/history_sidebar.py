"""The conversations sidebar (Ctrl+H): the project's conversations, newest first, and a search
box (Ctrl+Shift+F) over all of them; a click or Enter opens one, F2 renames, Delete moves it to
the trash (restorable for 30 days); the same from the context menu. Esc in the search box clears
it, then returns to the prompt."""

from __future__ import annotations

import html
import re
import time

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from dsdesk.store import Conversation, Store
from dsdesk.store.trash import RETENTION_DAYS
from dsdesk.ui.empty_states import PlaceholderList

_MARK = re.compile(r"</?mark>")
_Index = QModelIndex | QPersistentModelIndex
_HIT_ROLE = Qt.ItemDataRole.UserRole + 1  # the message a search result points at
HTML_ROLE = Qt.ItemDataRole.UserRole + 2  # rich text the delegate draws instead of the text


def plain_snippet(snippet_html: str, marks: tuple[str, str] = ("«", "»")) -> str:
    """The search snippet as one line of text, matches between ``marks``."""
    text = _MARK.sub(lambda m: marks[0] if m.group(0) == "<mark>" else marks[1], snippet_html)
    # One line: Markdown markers and line breaks only make a list of results hard to scan.
    text = re.sub(r"(^|\n)\s*(#+|>|[-*])\s*", " ", html.unescape(text))
    text = re.sub(r"\*\*|__|`", "", text)
    return " ".join(text.split())


def hit_html(title: str, snippet_html: str, meta: str) -> str:
    """A search result for the list: title, where it is, and the snippet with matches bold."""
    one_line = html.escape(plain_snippet(snippet_html, ("\x01", "\x02")))
    snippet = one_line.replace("\x01", '<b class="hit">').replace("\x02", "</b>")
    return (
        f"<b>{html.escape(title)}</b> <small>· {html.escape(meta)}</small><br>"
        f"<span>{snippet}</span>"
    )


class RichItemDelegate(QStyledItemDelegate):
    """Draws an item's ``HTML_ROLE`` markup (search results) in the palette's colours."""

    def _document(self, option: QStyleOptionViewItem, index: _Index) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        dark = option.palette.color(QPalette.ColorRole.Base).lightness() < 128
        hit = (
            "background-color: #5c5200; color: #ffffff"
            if dark
            else "background-color: #fff0a0; color: #000000"
        )
        doc.setDefaultStyleSheet(f".hit {{ {hit} }}")  # readable on a selected row too
        doc.setDocumentMargin(3)
        doc.setHtml(index.data(HTML_ROLE))
        doc.setTextWidth(max(40, option.rect.width()))
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        if not index.data(HTML_ROLE):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        doc = self._document(opt, index)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        selected = opt.state & QStyle.StateFlag.State_Selected
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        ctx.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(role))
        painter.save()
        painter.translate(opt.rect.topLeft())
        painter.setClipRect(opt.rect.translated(-opt.rect.topLeft()))
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        if not index.data(HTML_ROLE):
            return super().sizeHint(option, index)
        doc = self._document(option, index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()))


def age(ts: float, now: float | None = None) -> str:
    d = (now or time.time()) - ts
    if d < 3600:
        return f"{max(1, int(d // 60))} min"
    if d < 86400:
        return f"{int(d // 3600)} h"
    return f"{int(d // 86400)} d"


class HistorySidebar(QWidget):
    sig_open = Signal(int, int)
    """(conversation id, message id or 0) open this conversation (at this message)."""
    sig_trashed = Signal(int)
    """(conversation id) it was moved to the trash."""
    sig_leave = Signal()
    """() Esc in an empty search box: back to the prompt."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history-sidebar")
        self.store: Store | None = None
        self.project_id: int | None = None
        self.current_id: int | None = None  # the conversation open in the window
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search all conversations…")
        self.search.setClearButtonEnabled(True)
        self.list = PlaceholderList(self)
        self.list.placeholder = "Open a folder to see its conversations (kept per project)."
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(2)
        self.list.setItemDelegate(RichItemDelegate(self.list))
        # A click opens (as in every chat app); renaming is F2 or the context menu.
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._on_list_customContextMenuRequested)
        self.status = QLabel("", self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.search)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.status)
        self.search.textChanged.connect(self.refresh)
        self.search.installEventFilter(self)
        self.list.installEventFilter(self)
        self.list.itemActivated.connect(self._on_list_itemActivated)
        self.list.itemClicked.connect(self._on_list_itemActivated)
        self.list.itemChanged.connect(self._on_list_itemChanged)

    def bind(self, store: Store, project_id: int) -> None:
        self.store, self.project_id = store, project_id
        self.refresh()

    def refresh(self) -> None:
        store = self.store
        if store is None or self.project_id is None:
            return
        query = self.search.text().strip()
        self.list.blockSignals(True)
        self.list.clear()
        if query:
            hits = store.search(query, project_id=self.project_id)
            for hit in hits:
                item = QListWidgetItem(
                    f"{hit.conversation_title}\n{plain_snippet(hit.snippet_html)}"
                )
                item.setData(Qt.ItemDataRole.UserRole, hit.conversation_id)
                item.setData(_HIT_ROLE, hit.message_id)
                who = "you" if hit.role == "user" else "answer"
                meta = f"{who}, {age(hit.created_at)} ago"
                item.setData(HTML_ROLE, hit_html(hit.conversation_title, hit.snippet_html, meta))
                self.list.addItem(item)
            self.status.setText(f"{len(hits)} match{'es' * (len(hits) != 1)}")
            self.list.placeholder = f"No conversation mentions “{query}”."
        else:
            for c in store.conversations(self.project_id):
                item = QListWidgetItem(c.title or "(untitled)")
                item.setToolTip(f"{age(c.updated_at)} ago")
                item.setData(Qt.ItemDataRole.UserRole, c.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                self.list.addItem(item)
            self.status.setText("Enter opens · F2 renames · Delete moves to trash")
            self.list.placeholder = "No conversations yet in this project: each chat is kept here."
        self._select_current(query)
        self.list.blockSignals(False)

    def set_current(self, conversation_id: int | None) -> None:
        """Mark the conversation open in the window (None: a new, unsaved chat)."""
        self.current_id = conversation_id
        if not self.search.text().strip():
            self._select_current("")

    def _select_current(self, query: str) -> None:
        rows = [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]
        if not query and self.current_id in rows:
            self.list.setCurrentRow(rows.index(self.current_id))
        elif self.list.count():
            # The keyboard starts on the first row; only the open conversation (or the first
            # search hit) is shown selected.
            flag = QItemSelectionModel.SelectionFlag
            self.list.setCurrentRow(0, flag.ClearAndSelect if query else flag.Clear)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            event.accept()  # Esc here is the search box's, not the window's Stop
            return True
        if event.type() != QEvent.Type.KeyPress:
            return super().eventFilter(watched, event)
        assert isinstance(event, QKeyEvent)
        key = event.key()
        if watched is self.search and key == Qt.Key.Key_Escape:
            if self.search.text():
                self.search.clear()
            else:
                self.sig_leave.emit()
            return True
        if watched is self.search and key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if key == Qt.Key.Key_Down:
                self.list.setFocus()
            elif self.list.currentItem() is not None:
                self._on_list_itemActivated(self.list.currentItem())
            return True
        if watched is self.list and key == Qt.Key.Key_Delete:
            self._trash_current()
            return True
        return super().eventFilter(watched, event)

    def _trash_current(self) -> None:
        item = self.list.currentItem()
        if item is None or self.store is None:
            return
        cid = int(item.data(Qt.ItemDataRole.UserRole))
        self.store.trash(cid)
        self.refresh()
        self.status.setText("Moved to the trash; it can be restored for 30 days.")
        self.sig_trashed.emit(cid)

    def _on_list_customContextMenuRequested(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        if item is None:
            return
        self.list.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction("Open", lambda: self._on_list_itemActivated(item))
        rename = menu.addAction("Rename", lambda: self.list.editItem(item))
        rename.setShortcut(QKeySequence("F2"))
        rename.setEnabled(bool(item.flags() & Qt.ItemFlag.ItemIsEditable))
        trash = menu.addAction("Move to trash", self._trash_current)
        trash.setShortcut(QKeySequence.StandardKey.Delete)
        menu.popup(self.list.viewport().mapToGlobal(pos))

    def rename_current(self) -> None:
        """Start renaming the open conversation (the palette's "Rename conversation")."""
        self.search.clear()
        self.set_current(self.current_id)
        item = self.list.currentItem()
        if item is not None and item.data(Qt.ItemDataRole.UserRole) == self.current_id:
            self.list.setFocus()
            self.list.editItem(item)

    def _on_list_itemActivated(self, item: QListWidgetItem) -> None:
        hit = item.data(_HIT_ROLE)
        self.sig_open.emit(int(item.data(Qt.ItemDataRole.UserRole)), int(hit or 0))

    def _on_list_itemChanged(self, item: QListWidgetItem) -> None:
        if self.store is not None:
            self.store.rename(int(item.data(Qt.ItemDataRole.UserRole)), item.text().strip())


class TrashDialog(QDialog):
    """Conversations in the trash, with when each goes for good; Enter (or Restore) restores
    the selected one."""

    sig_restore = Signal(int)
    """(conversation id) take it out of the trash."""

    def __init__(
        self, conversations: list[Conversation], parent: QWidget | None = None, now: float = 0.0
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trash")
        now = now or time.time()
        self.list = PlaceholderList(self)
        self.list.placeholder = "Open a folder to see its conversations (kept per project)."
        for c in conversations:
            deleted = c.deleted_at or now
            left = max(0, RETENTION_DAYS - int((now - deleted) // 86400))
            item = QListWidgetItem(
                f"{c.title or '(untitled)'}\n"
                f"deleted {age(deleted, now)} ago · removed for good in {left} d"
            )
            item.setData(Qt.ItemDataRole.UserRole, c.id)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(self._restore)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        restore = buttons.addButton("&Restore", QDialogButtonBox.ButtonRole.ActionRole)
        restore.clicked.connect(lambda: self._restore(self.list.currentItem()))
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"Conversations stay here for {RETENTION_DAYS} days."))
        lay.addWidget(self.list)
        lay.addWidget(buttons)
        self.resize(460, 340)

    def _restore(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.sig_restore.emit(int(item.data(Qt.ItemDataRole.UserRole)))
            self.accept()
