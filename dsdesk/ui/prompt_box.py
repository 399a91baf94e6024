"""The prompt editor: Enter sends, Shift+Enter breaks the line, Up in an empty box recalls the
last prompt (repeatedly: older ones), Down walks back."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from dsdesk.ui.mention import MentionCompleter


class PromptEdit(QPlainTextEdit):
    sig_submit = Signal(str)
    """(text) the user pressed Enter with a non-empty prompt."""
    sig_text_changed = Signal(str)
    """(text) the draft changed (for the live context meter)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prompt")
        self.setTabChangesFocus(True)  # Tab moves on; a prompt rarely needs a literal tab
        self.setPlaceholderText("Ask about your code…  Enter sends · Shift+Enter new line")
        self.setAccessibleName("Prompt")
        self._history: list[str] = []
        self._recall: int | None = None  # index into history while recalling
        self.mention: MentionCompleter | None = None
        self.textChanged.connect(self._on_self_text_changed)

    def sizeHint(self) -> QSize:
        lines = QFontMetrics(self.font()).lineSpacing()
        return QSize(400, lines * 4 + 16)

    def remember(self, text: str) -> None:
        if text and (not self._history or self._history[-1] != text):
            self._history.append(text)
        self._recall = None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        if (
            self.mention is not None
            and self.mention.popup_visible()
            and key
            in (
                Qt.Key.Key_Return,
                Qt.Key.Key_Enter,
                Qt.Key.Key_Tab,
                Qt.Key.Key_Escape,
            )
        ):
            event.ignore()  # the completer's popup takes these
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
                return
            text = self.toPlainText()
            if text.strip():
                self.sig_submit.emit(text)
            return
        if (
            key == Qt.Key.Key_Up
            and self._history
            and (not self.toPlainText() or self._recall is not None)
        ):
            self._step_recall(-1)
            return
        if key == Qt.Key.Key_Down and self._recall is not None:
            self._step_recall(+1)
            return
        super().keyPressEvent(event)

    def _step_recall(self, step: int) -> None:
        index = len(self._history) if self._recall is None else self._recall
        index = max(0, min(len(self._history), index + step))
        text = self._history[index] if index < len(self._history) else ""
        self._recall = index if index < len(self._history) else None
        self.blockSignals(True)
        self.setPlainText(text)
        self.blockSignals(False)
        self.moveCursor(self.textCursor().MoveOperation.End)
        self.sig_text_changed.emit(text)

    def _on_self_text_changed(self) -> None:
        self._recall = None
        self.sig_text_changed.emit(self.toPlainText())
