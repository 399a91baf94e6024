"""The small links in a message's header: ‹ 2 / 3 › between versions, Edit or Regenerate, Copy.

They are Tab stops like every transcript link. Versions, Edit and Regenerate need the message to
be stored (a ``MessageRef``); Copy always works.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from dsdesk.services.history import MessageRef
from dsdesk.ui.transcript_widgets import LinkButton

__all__ = ["MessageTools"]


class MessageTools(QWidget):
    sig_action = Signal(str)
    """"version:ID:-1", "version:ID:1", "edit:ID" or "regenerate:ID"."""

    def __init__(self, kind: str, copy_text: Callable[[], str], parent: QWidget | None = None):
        super().__init__(parent)
        self._kind = kind  # "user" or "answer"
        self._copy_text = copy_text
        self.ref: MessageRef | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.prev = self._button("‹", "Previous version", lambda: self._version(-1))
        self.position = QLabel(self)
        self.next = self._button("›", "Next version", lambda: self._version(1))
        main = ("Edit", "Edit this prompt and send it as a new version")
        if kind == "answer":
            main = ("Regenerate", "Ask again; this answer stays as a version")
        self.change = self._button(main[0], main[1], self._change)
        self.copy = self._button("Copy", "Copy the whole message", self._on_copy)
        for w in (self.prev, self.position, self.next, self.change, self.copy):
            lay.addWidget(w)
        self.position.setObjectName("versions")
        self.set_ref(None)

    def _button(self, text: str, tip: str, slot: Callable[[], None]) -> LinkButton:
        button = LinkButton(text, self)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.clicked.connect(slot)
        return button

    def set_ref(self, ref: MessageRef | None) -> None:
        self.ref = ref
        versions = ref is not None and ref.count > 1
        for w in (self.prev, self.position, self.next):
            w.setVisible(versions)
        if ref is not None:
            self.position.setText(f"{ref.position} / {ref.count}")
            self.prev.setEnabled(ref.position > 1)
            self.next.setEnabled(ref.position < ref.count)
        self.change.setVisible(ref is not None)

    def apply_theme(self, font: QFont, dim: QColor) -> None:
        small = QFont(font)
        small.setPointSizeF(font.pointSizeF() * 0.9)
        for w in (self.prev, self.position, self.next, self.change, self.copy):
            w.setFont(small)
        # Fusion gives push buttons a wide minimum; links only need their text.
        fm = QFontMetrics(small)
        for button, widest in (
            (self.prev, "‹"),
            (self.next, "›"),
            (self.change, self.change.text()),
            (self.copy, "Copied"),
        ):
            button.setFixedWidth(fm.horizontalAdvance(widest) + 14)
        self.position.setStyleSheet(f"color: {dim.name()}")

    def _version(self, step: int) -> None:
        if self.ref is not None:
            self.sig_action.emit(f"version:{self.ref.id}:{step}")

    def _change(self) -> None:
        if self.ref is not None:
            verb = "regenerate" if self._kind == "answer" else "edit"
            self.sig_action.emit(f"{verb}:{self.ref.id}")

    def _on_copy(self) -> None:
        QGuiApplication.clipboard().setText(self._copy_text())
        self.copy.setText("Copied")
        QTimer.singleShot(1500, self, lambda: self.copy.setText("Copy"))

    def focus(self, which: str) -> None:
        """Give focus to "prev", "next", "change" or "copy" (after the transcript was rebuilt)."""
        order = {"prev": [self.prev, self.next], "next": [self.next, self.prev]}.get(which, [])
        if which == "change":
            order = [self.change]
        usable = [b for b in order if not b.isHidden() and b.isEnabled()]
        (usable[0] if usable else self.copy).setFocus(Qt.FocusReason.OtherFocusReason)

    def plain_text(self) -> str:
        return "" if self.position.isHidden() else self.position.text()
