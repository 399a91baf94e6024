"""Edit the project's context exclude list: gitignore-style patterns, one per line."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class ExcludesDialog(QDialog):
    sig_save = Signal(list)
    """(list[str]) the patterns to keep out of "Whole project" and folder attachments."""

    def __init__(self, patterns: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Context exclude list")
        self.setObjectName("excludes-dialog")
        note = QLabel(
            "Files matching these patterns (gitignore syntax, one per line) are left out when a "
            "folder or the whole project is put into context. A file you add by name is always "
            "added. Saved for this project."
        )
        note.setWordWrap(True)
        self.editor = QPlainTextEdit("\n".join(patterns))
        self.editor.setTabChangesFocus(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addWidget(self.editor)
        lay.addWidget(buttons)
        self.resize(460, 360)

    def _on_buttons_accepted(self) -> None:
        self.sig_save.emit(self.editor.toPlainText().splitlines())
        self.accept()
