"""The agent mode next to the thinking switch, with whether commands run sandboxed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from dsdesk.agent.policy import Mode

__all__ = ["MODE_HELP", "ModeSwitch"]

MODE_HELP = {
    Mode.CHAT: "Chat: the model answers; it cannot look at or change the project by itself",
    Mode.READ_ONLY: "Read-only: the model reads and searches the project; edits and commands ask",
    Mode.AUTO_EDIT: "Auto-edit: reads and edits run (undoable); commands ask",
    Mode.FULL_AUTO: "Full-auto: everything runs; commands only inside the sandbox",
}
_ORDER = (Mode.CHAT, Mode.READ_ONLY, Mode.AUTO_EDIT, Mode.FULL_AUTO)


class ModeSwitch(QWidget):
    sig_mode_requested = Signal(object)
    """(Mode) the user picked a mode (the service may refuse it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox(self)
        self.combo.setObjectName("agent-mode")
        self.combo.setAccessibleName("Agent mode")
        for mode in _ORDER:
            self.combo.addItem(mode.label, mode)
            self.combo.setItemData(self.combo.count() - 1, MODE_HELP[mode], 3)  # ToolTipRole
        self.sandbox = QLabel("", self)
        self.sandbox.setObjectName("sandbox-state")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        lay.addWidget(self.combo)
        lay.addWidget(self.sandbox)
        self.combo.activated.connect(self._on_combo_activated)
        self.set_mode(Mode.CHAT)

    @property
    def mode(self) -> Mode:
        mode = self.combo.currentData()
        return mode if isinstance(mode, Mode) else Mode.CHAT

    def set_mode(self, mode: Mode) -> None:
        self.combo.setCurrentIndex(_ORDER.index(mode))
        self.combo.setToolTip(MODE_HELP[mode] + "\n(Ctrl+Shift+M cycles the modes)")
        self.sandbox.setVisible(mode is not Mode.CHAT)

    def set_sandbox(self, available: bool | None, reason: str = "") -> None:
        if available is None:
            self.sandbox.setText("")
            return
        self.sandbox.setText("sandboxed" if available else "unsandboxed")
        self.sandbox.setToolTip(
            "Commands run in a bubblewrap sandbox: the project writable, the rest read-only, "
            "no network"
            if available
            else f"Commands run unsandboxed: {reason}. Full-auto is off."
        )

    def next_mode(self) -> Mode:
        return _ORDER[(_ORDER.index(self.mode) + 1) % len(_ORDER)]

    def _on_combo_activated(self, index: int) -> None:
        self.sig_mode_requested.emit(_ORDER[index])
