"""Small dialogs: the keyboard shortcut list (F1) and About. Opened with ``open()``, never
``exec()`` (no nested event loop under asyncio)."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dsdesk import __version__
from dsdesk.ui.actions import ActionRegistry

# Keys handled inside widgets rather than by window actions.
PROMPT_KEYS = [
    ("Enter", "Send the prompt", "Prompt"),
    ("Shift+Enter", "New line in the prompt", "Prompt"),
    ("Up / Down", "Recall earlier prompts (in an empty prompt)", "Prompt"),
    ("Enter", "Open the selected file's preview", "File tree"),
    ("Space / Enter", "Expand or collapse reasoning", "Transcript"),
]


class ShortcutsDialog(QDialog):
    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcuts-dialog")
        rows = [
            (registry.shortcut_text(s.id) or "—", s.text.replace("&", ""), s.menu)
            for s in registry.specs()
        ] + PROMPT_KEYS
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(560, 480)


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
