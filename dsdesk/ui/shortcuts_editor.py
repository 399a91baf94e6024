"""Keyboard shortcuts settings: every action of the registry with an editable key sequence,
grouped by menu. A conflict is shown as soon as it is typed and Save refuses it, naming both
actions; changes are saved with the settings."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QKeySequenceEdit,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dsdesk.ui.actions import ActionRegistry, find_conflicts

_CLASH = "#d32f2f"  # readable on the light and the dark palette


class ShortcutsEditor(QDialog):
    sig_save = Signal(dict)
    """({action id: shortcut text}) the overrides: only shortcuts that differ from the default."""

    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts settings")
        self.setObjectName("shortcuts-editor")
        self._registry = registry
        self.edits: dict[str, QKeySequenceEdit] = {}
        self._names = {s.id: s.text.replace("&", "").rstrip("…") for s in registry.specs()}
        form = QFormLayout()
        menu = None
        menus = list(dict.fromkeys(s.menu for s in registry.specs()))
        for spec in sorted(registry.specs(), key=lambda s: menus.index(s.menu)):
            if spec.menu != menu:
                menu = spec.menu
                title = QLabel(menu)
                bold = QFont(title.font())
                bold.setBold(True)
                title.setFont(bold)
                form.addRow(title)
            edit = QKeySequenceEdit(registry.action(spec.id).shortcut(), self)
            edit.setClearButtonEnabled(True)
            edit.setObjectName(f"shortcut-{spec.id}")
            edit.setToolTip(spec.description)
            edit.keySequenceChanged.connect(self._show_conflicts)
            form.addRow(self._names[spec.id], edit)
            self.edits[spec.id] = edit
        body = QWidget()
        body.setLayout(form)
        scroll = QScrollArea(self)
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setObjectName("shortcut-problem")
        self.problem.setStyleSheet(f"color: {_CLASH}")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        defaults = QPushButton("Restore &defaults")
        defaults.clicked.connect(self.restore_defaults)
        buttons.addButton(defaults, QDialogButtonBox.ButtonRole.ResetRole)
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

    def restore_defaults(self) -> None:
        for spec in self._registry.specs():
            self.edits[spec.id].setKeySequence(QKeySequence(spec.shortcut))

    def _show_conflicts(self) -> str:
        """Mark clashing fields and say which actions clash; returns the message ("" if none)."""
        clashes = find_conflicts(self.mapping())
        clashing = {a for _, a, b in clashes} | {b for _, a, b in clashes}
        for action_id, edit in self.edits.items():
            edit.setStyleSheet(f"QLineEdit {{ color: {_CLASH}; }}" if action_id in clashing else "")
        text = ""
        if clashes:
            key, a, b = clashes[0]
            text = f"{key} is used by both “{self._names[a]}” and “{self._names[b]}”."
        self.problem.setText(text)
        return text

    def _on_buttons_accepted(self) -> None:
        problem = self._show_conflicts()
        if problem:
            self.problem.setText(f"{problem} Change one of them; nothing was saved.")
            return
        defaults = {s.id: QKeySequence(s.shortcut).toString() for s in self._registry.specs()}
        mapping = self.mapping()
        overrides = {k: v for k, v in mapping.items() if QKeySequence(v).toString() != defaults[k]}
        self.sig_save.emit(overrides)
        self.accept()
