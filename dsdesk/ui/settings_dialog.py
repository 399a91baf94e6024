"""Settings (Ctrl+,): server, model, limits, timeouts, theme and the API key (OS keyring only);
a Tools page (MCP servers, ``ui/mcp_page.py``) when the window gives one.

The dialog is opened with ``open()`` (never ``exec()``: no nested event loop inside asyncio) and
reports through ``sig_apply``; the key is shown masked and never put back into a field.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dsdesk.config.secrets import ENV_VAR, ApiKey, keyring_status
from dsdesk.config.settings import EFFORTS, THEMES, Settings
from dsdesk.core.redact import mask_key
from dsdesk.core.request import MAX_OUTPUT_TOKENS


class SettingsDialog(QDialog):
    sig_apply = Signal(object, str)
    """(Settings, new_key) the user pressed Save; new_key is "" when unchanged."""
    sig_test = Signal(str, str)
    """(base_url, key) test this server with this key (key "" = the stored one)."""

    def __init__(
        self,
        settings: Settings,
        key: ApiKey,
        models: list[str],
        parent: QWidget | None = None,
        tools_page: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("dsdesk settings")
        self.setObjectName("settings-dialog")
        self.setMinimumWidth(520)
        form = QFormLayout()

        self.base_url = QLineEdit(settings.base_url)
        self.base_url.setPlaceholderText("https://api.deepseek.com")
        form.addRow("&Server base URL:", self.base_url)
        if os.environ.get("DEEPSEEK_BASE_URL"):
            form.addRow(
                "", _note(f"DEEPSEEK_BASE_URL overrides this: {os.environ['DEEPSEEK_BASE_URL']}")
            )

        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(
            f"stored: {mask_key(key.value)}" if key.value else "sk-… (stored in the OS keyring)"
        )
        self.key.setAccessibleName("API key")
        self.test_button = QPushButton("&Test connection")
        row = QHBoxLayout()
        row.addWidget(self.key, 1)
        row.addWidget(self.test_button)
        form.addRow("API &key:", _wrap(row))
        form.addRow("", _note(self._key_note(key)))
        self.test_result = QLabel("")
        self.test_result.setWordWrap(True)
        form.addRow("", self.test_result)

        self.model = QComboBox()
        self.model.setEditable(True)  # any id a compatible server offers
        self.model.addItems(models or [settings.model])
        self.model.setCurrentText(settings.model)
        form.addRow("Default &model:", self.model)

        self.effort = QComboBox()
        self.effort.addItems(list(EFFORTS))
        self.effort.setCurrentText(settings.effort)
        form.addRow("Reasoning &effort:", self.effort)

        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(1, MAX_OUTPUT_TOKENS)
        self.max_tokens.setGroupSeparatorShown(True)
        self.max_tokens.setValue(settings.max_tokens)
        form.addRow("Max &output tokens:", self.max_tokens)

        self.connect_timeout = _seconds(settings.connect_timeout, 1, 300)
        self.idle_timeout = _seconds(settings.idle_timeout, 5, 3600)
        self.total_timeout = _seconds(settings.total_timeout, 30, 24 * 3600)
        form.addRow("Connect timeout:", self.connect_timeout)
        form.addRow("Idle timeout:", self.idle_timeout)
        form.addRow("Answer time limit:", self.total_timeout)

        self.commit_edits = QCheckBox("Commit each applied change set to &git (git projects)")
        self.commit_edits.setChecked(settings.commit_edits)
        form.addRow("Edits:", self.commit_edits)

        self.theme = QComboBox()
        self.theme.addItems(list(THEMES))
        self.theme.setCurrentText(settings.theme)
        form.addRow("T&heme:", self.theme)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        self.test_button.clicked.connect(self._on_test_clicked)
        lay = QVBoxLayout(self)
        if tools_page is None:
            lay.addLayout(form)
        else:
            self.tabs = QTabWidget()
            general = QWidget()
            general.setLayout(form)
            self.tabs.addTab(general, "Ge&neral")
            self.tabs.addTab(tools_page, "Too&ls")
            self.setMinimumWidth(820)  # server, status and the per-tool answer side by side
            lay.addWidget(self.tabs)
        lay.addWidget(buttons)
        self._settings = settings

    @staticmethod
    def _key_note(key: ApiKey) -> str:
        if key.source == "environment":
            return (
                f"Using {ENV_VAR} from the environment ({mask_key(key.value)}); "
                "it overrides the keyring."
            )
        problem = keyring_status()
        if problem:
            return problem
        return "The key is kept in the OS keyring, never in a file."

    def values(self) -> Settings:
        return Settings(
            base_url=self.base_url.text().strip() or self._settings.base_url,
            model=self.model.currentText().strip() or self._settings.model,
            thinking=self._settings.thinking,
            effort=self.effort.currentText(),
            max_tokens=self.max_tokens.value(),
            connect_timeout=self.connect_timeout.value(),
            idle_timeout=self.idle_timeout.value(),
            total_timeout=self.total_timeout.value(),
            theme=self.theme.currentText(),
            commit_edits=self.commit_edits.isChecked(),
            shortcuts=dict(self._settings.shortcuts),  # edited in their own dialog
        )

    def show_test_result(self, ok: bool, message: str) -> None:
        self.test_result.setText(("✔ " if ok else "✖ ") + message)
        self.test_button.setEnabled(True)

    def _on_test_clicked(self) -> None:
        self.test_button.setEnabled(False)
        self.test_result.setText("Testing…")
        self.sig_test.emit(self.base_url.text().strip(), self.key.text().strip())

    def _on_buttons_accepted(self) -> None:
        self.sig_apply.emit(self.values(), self.key.text().strip())
        self.key.clear()
        self.accept()


def _seconds(value: float, low: float, high: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(0)
    box.setSuffix(" s")
    box.setValue(value)
    return box


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    palette = label.palette()
    palette.setColor(palette.ColorRole.WindowText, palette.color(palette.ColorRole.PlaceholderText))
    label.setPalette(palette)
    return label


def _wrap(layout: QHBoxLayout) -> QWidget:
    w = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    w.setLayout(layout)
    return w
