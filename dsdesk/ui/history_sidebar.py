"""The conversations sidebar (Ctrl+H): the project's conversations, newest first, and a search
box (Ctrl+Shift+F) over all of them; Enter opens the selected one, F2 renames, Delete moves it
to the trash (restorable for 30 days)."""

from __future__ import annotations

import html
import re
import time

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dsdesk.store import Store

_MARK = re.compile(r"</?mark>")


def plain_snippet(snippet_html: str) -> str:
    """The search snippet as text, matches in «»."""
    text = _MARK.sub(lambda m: "«" if m.group(0) == "<mark>" else "»", snippet_html)
    # One line: Markdown markers and line breaks only make a list of results hard to scan.
    text = re.sub(r"(^|\n)\s*(#+|>|[-*])\s*", " ", html.unescape(text))
    return " ".join(text.split())


def age(ts: float, now: float | None = None) -> str:
    d = (now or time.time()) - ts
    if d < 3600:
        return f"{max(1, int(d // 60))} min"
    if d < 86400:
        return f"{int(d // 3600)} h"
    return f"{int(d // 86400)} d"


_HIT_ROLE = Qt.ItemDataRole.UserRole + 1  # the message a search result points at


class HistorySidebar(QWidget):
    sig_open = Signal(int, int)
    """(conversation id, message id or 0) open this conversation (at this message)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history-sidebar")
        self.store: Store | None = None
        self.project_id: int | None = None
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search all conversations…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSpacing(2)
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
                self.list.addItem(item)
            self.status.setText(f"{len(hits)} match{'es' * (len(hits) != 1)}")
        else:
            for c in store.conversations(self.project_id):
                item = QListWidgetItem(c.title or "(untitled)")
                item.setToolTip(f"{age(c.updated_at)} ago")
                item.setData(Qt.ItemDataRole.UserRole, c.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                self.list.addItem(item)
            self.status.setText("Enter opens · F2 renames · Delete moves to trash")
        if self.list.count():
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return super().eventFilter(watched, event)
        assert isinstance(event, QKeyEvent)
        key = event.key()
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
        if item is None or self.store is None or self.search.text().strip():
            return
        self.store.trash(int(item.data(Qt.ItemDataRole.UserRole)))
        self.refresh()
        self.status.setText("Moved to the trash; it can be restored for 30 days.")

    def _on_list_itemActivated(self, item: QListWidgetItem) -> None:
        hit = item.data(_HIT_ROLE)
        self.sig_open.emit(int(item.data(Qt.ItemDataRole.UserRole)), int(hit or 0))

    def _on_list_itemChanged(self, item: QListWidgetItem) -> None:
        if self.store is not None:
            self.store.rename(int(item.data(Qt.ItemDataRole.UserRole)), item.text().strip())


class TrashDialog(QDialog):
    """Conversations in the trash (kept 30 days); Enter restores the selected one."""

    sig_restore = Signal(int)
    """(conversation id) take it out of the trash."""

    def __init__(self, items: list[tuple[int, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trash")
        self.list = QListWidget(self)
        for cid, title in items:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, cid)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(self._on_list_itemActivated)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Enter restores the selected conversation; Esc closes."))
        lay.addWidget(self.list)
        self.resize(420, 320)

    def _on_list_itemActivated(self, item: QListWidgetItem) -> None:
        self.sig_restore.emit(int(item.data(Qt.ItemDataRole.UserRole)))
        self.accept()
