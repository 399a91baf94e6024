"""The chat column: welcome banner, transcript, prompt box and its controls (thinking switch,
effort, model, send/stop)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dsdesk.ui.agent.mode_switch import ModeSwitch
from dsdesk.ui.context_bar import ContextBar
from dsdesk.ui.prompt_box import PromptEdit
from dsdesk.ui.transcript import TranscriptView
from dsdesk.ui.transcript_widgets import LinkButton


class WelcomeBanner(QFrame):
    """First start without a key: says what to do and offers the simulator demo."""

    sig_open_settings = Signal()
    """() the user wants to enter a key."""
    sig_try_demo = Signal()
    """() the user wants the local simulator."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        text = QLabel(
            "<b>Welcome to dsdesk.</b> To talk to DeepSeek V4, add your API key in Settings "
            "(Ctrl+,) or start dsdesk with <code>DEEPSEEK_API_KEY</code> set. The key goes to "
            "your OS keyring, never to a file.<br>No key yet? Try the built-in simulator: it "
            "answers locally, so you can see how dsdesk works."
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        settings = QPushButton("Open &settings")
        demo = QPushButton("Try the &demo")
        settings.clicked.connect(self.sig_open_settings)
        demo.clicked.connect(self.sig_try_demo)
        buttons = QHBoxLayout()
        buttons.addWidget(settings)
        buttons.addWidget(demo)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addLayout(buttons)


class EditBanner(QFrame):
    """Shown above the prompt while an earlier prompt is being edited."""

    sig_cancel = Signal()
    """() stop editing; the prompt box gets its draft back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("edit-banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        cancel = LinkButton("Cancel", self)
        cancel.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Esc cancels from the prompt
        cancel.clicked.connect(self.sig_cancel)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 3, 4, 3)
        lay.addWidget(self.text, 1)
        lay.addWidget(cancel)
        self.hide()

    def show_for(self, version: int) -> None:
        self.text.setText(
            f"✎ Editing an earlier prompt. Enter sends it as a new version; version {version} and "
            "the turns after it stay, switchable with ‹ ›. Esc cancels."
        )
        self.show()


class ChatPanel(QWidget):
    sig_send = Signal(str)
    """(text) send this prompt."""
    sig_stop = Signal()
    """() stop the answer."""
    sig_thinking_changed = Signal(bool)
    """(on) the thinking switch moved."""
    sig_effort_changed = Signal(str)
    """(effort) high or max."""
    sig_model_changed = Signal(str)
    """(model id) another model was picked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.welcome = WelcomeBanner(self)
        self.transcript = TranscriptView(self)
        self.prompt = PromptEdit(self)
        self.context_bar = ContextBar(self)
        self.context_bar.hide()
        self.edit_banner = EditBanner(self)

        self.thinking = QCheckBox("&Thinking")
        self.thinking.setObjectName("thinking-switch")
        self.thinking.setToolTip("Thinking mode (Ctrl+T): the model reasons before answering")
        self.effort = QComboBox()
        self.effort.setObjectName("effort")
        self.effort.addItems(["high", "max"])
        self.effort.setToolTip("Reasoning effort (thinking mode only)")
        self.effort.setAccessibleName("Reasoning effort")
        self.model = QComboBox()
        self.model.setObjectName("model")
        self.model.setEditable(True)
        self.model.setMinimumContentsLength(8)
        self.model.setToolTip("Model (the list comes from the server)")
        self.model.setAccessibleName("Model")
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("send")
        self.send_button.setDefault(False)
        self.send_button.setAutoDefault(False)

        self.mode_switch = ModeSwitch(self)
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.mode_switch)
        controls.addSpacing(8)
        controls.addWidget(self.thinking)
        controls.addWidget(self.effort)
        controls.addSpacing(8)
        controls.addWidget(self.model)  # the id says what it is; the label cost width
        controls.addStretch(1)
        self.status = QLabel("")
        self.status.setObjectName("chat-status")
        controls.addWidget(self.status)
        controls.addWidget(self.send_button)

        bottom = QWidget(self)
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(8, 4, 8, 8)
        bl.setSpacing(4)
        bl.addWidget(self.context_bar)
        bl.addWidget(self.edit_banner)
        bl.addWidget(self.prompt)
        bl.addLayout(controls)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.welcome)
        lay.addWidget(self.transcript, 1)
        lay.addWidget(bottom)

        self.prompt.sig_submit.connect(self.sig_send)
        self.send_button.clicked.connect(self._on_send_button_clicked)
        self.thinking.toggled.connect(self._on_thinking_toggled)
        self.effort.currentTextChanged.connect(self.sig_effort_changed)
        self.model.currentTextChanged.connect(self.sig_model_changed)
        self._busy = False
        # Tab order: prompt → mode → thinking → effort → model → send.
        for a, b in (
            (self.prompt, self.mode_switch.combo),
            (self.mode_switch.combo, self.thinking),
            (self.thinking, self.effort),
            (self.effort, self.model),
            (self.model, self.send_button),
        ):
            QWidget.setTabOrder(a, b)

    def set_thinking(self, on: bool, effort: str) -> None:
        self.thinking.setChecked(on)
        self.effort.setCurrentText(effort)
        self.effort.setEnabled(on)

    def set_models(self, models: list[str], current: str) -> None:
        self.model.blockSignals(True)
        self.model.clear()
        self.model.addItems(models if current in models else [current, *models])
        self.model.setCurrentText(current)
        self.model.blockSignals(False)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.send_button.setText("Stop" if busy else "Send")
        self.send_button.setToolTip("Stop the answer (Esc)" if busy else "Send (Enter)")

    def _on_send_button_clicked(self) -> None:
        if self._busy:
            self.sig_stop.emit()
        else:
            text = self.prompt.toPlainText()
            if text.strip():
                self.sig_send.emit(text)

    def _on_thinking_toggled(self, on: bool) -> None:
        self.effort.setEnabled(on)
        self.sig_thinking_changed.emit(on)
