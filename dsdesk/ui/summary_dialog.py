"""Preview of what "Summarise older turns" will replace; the originals stay restorable."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QVBoxLayout, QWidget

from dsdesk.core.messages import Message


class SummaryDialog(QDialog):
    sig_confirm = Signal()
    """() summarise them."""

    def __init__(self, older: list[Message], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Summarise older turns")
        self.setObjectName("summary-dialog")
        note = QLabel(
            f"These {len(older) // 2} exchanges will be replaced, in what is sent to the model, "
            "by a summary the model writes now. They stay in the transcript and can be restored "
            "(Chat ▸ Restore summarised turns)."
        )
        note.setWordWrap(True)
        self.turns = QListWidget()
        for m in older:
            first = m.content.strip().splitlines()[0] if m.content.strip() else "(empty)"
            who = "You" if m.role == "user" else "DeepSeek"
            self.turns.addItem(f"{who}: {first[:120]}")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText("Summarise")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addWidget(self.turns)
        lay.addWidget(buttons)
        self.resize(560, 420)

    def _on_buttons_accepted(self) -> None:
        self.sig_confirm.emit()
        self.accept()
