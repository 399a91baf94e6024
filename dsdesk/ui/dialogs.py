"""Small dialogs: the keyboard shortcut list (F1) and About. Opened with ``open()``, never
``exec()`` (no nested event loop under asyncio)."""

from __future__ import annotations

import platform
import re

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QEvent, QObject, Qt, qVersion
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dsdesk import __version__
from dsdesk.core.fuzzy import fuzzy_match
from dsdesk.ui.actions import ActionRegistry
from dsdesk.ui.keys import WIDGET_KEYS


class ShortcutsDialog(QDialog):
    """F1: every key — the window's actions and the keys of the tree, Review, the prompt, the
    transcript and the preview (``keys.WIDGET_KEYS``) — with a filter field: letters in order
    match an action or a place ("rev" lists Review's keys), or part of a key ("ctrl+t")."""

    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcuts-dialog")
        rows = [
            (registry.shortcut_text(s.id) or "—", s.text.replace("&", ""), s.menu)
            for s in registry.specs()
        ] + [(k.key_text(), k.text, k.where) for k in WIDGET_KEYS]
        self._rows = rows
        self.filter = QLineEdit(self)
        self.filter.setObjectName("shortcuts-filter")
        self.filter.setPlaceholderText("Filter: an action, a place or a key")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter_textChanged)
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Shortcut", "Action", "Where"])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnsToContents()
        self.filter.installEventFilter(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.filter)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(640, 560)
        self.filter.setFocus()

    def visible_rows(self) -> list[tuple[str, str, str]]:
        return [row for r, row in enumerate(self._rows) if not self.table.isRowHidden(r)]

    def _on_filter_textChanged(self, text: str) -> None:
        shown = [_row_matches(text, row, fuzzy=False) for row in self._rows]
        if not any(shown):  # nothing by words or keys: try the letters in order ("tgth")
            shown = [_row_matches(text, row, fuzzy=True) for row in self._rows]
        for r, visible in enumerate(shown):
            self.table.setRowHidden(r, not visible)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Down from the filter goes to the list, so it can be read row by row.
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Down:
                self.table.setFocus()
                return True
        return super().eventFilter(watched, event)


def _row_matches(query: str, row: tuple[str, str, str], fuzzy: bool) -> bool:
    """Part of the key ("ctrl+t"), or every word a word start of the action or place ("rev
    hunk"); with ``fuzzy``, the letters in order in the action or the place."""
    key, action, where = row
    words = query.lower().split()
    if not words:
        return True
    if fuzzy:
        return fuzzy_match(query, action) is not None or fuzzy_match(query, where) is not None
    if "".join(words) in key.lower().replace(" ", ""):
        return True
    have = re.findall(r"\w+", f"{action} {where}".lower())
    return all(any(h.startswith(w) for h in have) for w in words)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About dsdesk")
        text = QLabel(
            f"<h3>dsdesk {__version__}</h3>"
            "<p>A desktop coding assistant for DeepSeek V4.</p>"
            f"<p>Qt {qVersion()} · PySide6 {pyside_version} · "
            f"Python {platform.python_version()}</p>"
        )
        text.setObjectName("about-text")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(buttons)
