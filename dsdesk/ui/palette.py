"""The command palette (Ctrl+Shift+P or Ctrl+K): every action of the registry with its
shortcut, fuzzy-matched as you type, recently used ones first."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from dsdesk.ui.actions import ActionRegistry
from dsdesk.ui.mention import fuzzy_rank

MAX_RECENT = 8


class CommandPalette(QDialog):
    def __init__(
        self, registry: ActionRegistry, recent: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("command-palette")
        self.setWindowTitle("Commands")
        self._registry = registry
        self.recent = recent  # action ids, most recent first; updated when one runs
        self.query = QLineEdit(self)
        self.query.setPlaceholderText("Type a command…")
        self.list = QListWidget(self)
        self.query.textChanged.connect(self._on_query_textChanged)
        self.query.installEventFilter(self)
        self.list.itemActivated.connect(self._run)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.addWidget(self.query)
        lay.addWidget(self.list)
        self.resize(520, 380)
        self._fill("")

    def _labels(self) -> dict[str, str]:
        out = {}
        for spec in self._registry.specs():
            if self._registry.action(spec.id).isEnabled():
                out[spec.text.replace("&", "").rstrip("…")] = spec.id
        return out

    def _fill(self, query: str) -> None:
        labels = self._labels()
        if query:
            names = fuzzy_rank(query, list(labels), limit=len(labels))
        else:
            by_id = {v: k for k, v in labels.items()}
            recent = [by_id[i] for i in self.recent if i in by_id]
            names = recent + sorted(n for n in labels if n not in recent)
        self.list.clear()
        for name in names:
            action_id = labels[name]
            shortcut = self._registry.shortcut_text(action_id)
            item = QListWidgetItem(f"{name}    {shortcut}" if shortcut else name)
            item.setData(Qt.ItemDataRole.UserRole, action_id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _on_query_textChanged(self, text: str) -> None:
        self._fill(text.strip())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up/Down/Enter in the query box drive the list, so the hands stay on the keys.
        if watched is self.query and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.list.count() - 1, self.list.currentRow() + step))
                self.list.setCurrentRow(row)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                item = self.list.currentItem()
                if item is not None:
                    self._run(item)
                return True
        return super().eventFilter(watched, event)

    def _run(self, item: QListWidgetItem) -> None:
        action_id = str(item.data(Qt.ItemDataRole.UserRole))
        if action_id in self.recent:
            self.recent.remove(action_id)
        self.recent.insert(0, action_id)
        del self.recent[MAX_RECENT:]
        self.accept()
        self._registry.action(action_id).trigger()
