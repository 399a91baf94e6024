"""Keyboard shortcuts settings: every action of the registry with an editable key sequence.
Conflicts are refused with the names of both actions; changes are saved with the settings."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QKeySequenceEdit,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dsdesk.ui.actions import ActionRegistry, find_conflicts


class ShortcutsEditor(QDialog):
    sig_save = Signal(dict)
    """({action id: shortcut text}) the overrides: only shortcuts that differ from the default."""

    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts settings")
        self.setObjectName("shortcuts-editor")
        self._registry = registry
        self.edits: dict[str, QKeySequenceEdit] = {}
        form = QFormLayout()
        for spec in registry.specs():
            edit = QKeySequenceEdit(registry.action(spec.id).shortcut(), self)
            edit.setClearButtonEnabled(True)
            edit.setObjectName(f"shortcut-{spec.id}")
            form.addRow(spec.text.replace("&", ""), edit)
            self.edits[spec.id] = edit
        body = QWidget()
        body.setLayout(form)
        scroll = QScrollArea(self)
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.problem)
        lay.addWidget(buttons)
        self.resize(520, 560)

    def mapping(self) -> dict[str, str]:
        return {
            action_id: edit.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
            for action_id, edit in self.edits.items()
        }

    def _on_buttons_accepted(self) -> None:
        mapping = self.mapping()
        clashes = find_conflicts(mapping)
        if clashes:
            names = {s.id: s.text.replace("&", "") for s in self._registry.specs()}
            key, a, b = clashes[0]
            self.problem.setText(
                f"{key} is used by both “{names[a]}” and “{names[b]}”; "
                "change one of them. Nothing was saved."
            )
            return
        defaults = {s.id: QKeySequence(s.shortcut).toString() for s in self._registry.specs()}
        overrides = {k: v for k, v in mapping.items() if QKeySequence(v).toString() != defaults[k]}
        self.sig_save.emit(overrides)
        self.accept()
