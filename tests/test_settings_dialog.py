"""Settings from the keyboard: saved as TOML, the key only in the keyring, connection tested."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from dsdesk.config.paths import settings_path
from dsdesk.config.settings import Settings
from dsdesk.devserver import Simulator
from dsdesk.services.controller import AppController
from dsdesk.ui.main_window import MainWindow
from dsdesk.ui.settings_dialog import SettingsDialog
from dsdesk.ui.theme import apply_theme
from dsdesk.ui.ui_state import UiState
from tests.qt_async import run_scenario, wait_until
from tests.test_config import MemoryKeyring

KEY = "sk-settings-test-55555"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


async def open_settings(window: MainWindow) -> SettingsDialog:
    QTest.keyClick(window.prompt, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    await wait_until(lambda: isinstance(QApplication.activeModalWidget(), SettingsDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, SettingsDialog)
    return dialog


def test_save_settings_and_key_goes_to_keyring_only(qloop, tmp_path: Path, memory_keyring) -> None:
    with Simulator(api_key=KEY) as sim:

        async def scenario() -> None:
            controller = AppController(Settings())
            window = MainWindow(controller, UiState(tmp_path / "ui.ini"))
            window.show()
            window.activateWindow()
            await wait_until(lambda: QApplication.activeWindow() is window)
            assert window.chat_panel.welcome.isVisible()
            dialog = await open_settings(window)
            dialog.base_url.setText(sim.base_url)
            dialog.key.setFocus()
            QTest.keyClicks(dialog.key, KEY)
            assert dialog.key.echoMode() == dialog.key.EchoMode.Password
            dialog.test_button.click()
            await wait_until(lambda: dialog.test_result.text().startswith("✔"))
            dialog.max_tokens.setValue(2048)
            dialog.theme.setCurrentText("dark")
            QTest.keyClick(dialog, Qt.Key.Key_Return)  # Save is the default button
            await wait_until(lambda: not dialog.isVisible())
            saved = tomllib.loads(settings_path().read_text())
            assert saved["base_url"] == sim.base_url and saved["max_tokens"] == 2048
            assert KEY not in settings_path().read_text()
            assert memory_keyring.store[("dsdesk", "deepseek-api-key")] == KEY
            assert controller.has_key and not window.chat_panel.welcome.isVisible()
            assert controller.chat.options.max_tokens == 2048
            dark = QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
            assert dark
            window.close()
            await controller.shutdown()
            apply_theme(QApplication.instance(), "light")

        run_scenario(qloop, scenario())


def test_without_a_keyring_the_dialog_says_so(qapp, tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        from dsdesk.config.secrets import load_api_key

        dialog = SettingsDialog(Settings(), load_api_key(), [])
        notes = " ".join(w.text() for w in dialog.findChildren(type(dialog.test_result)))
        assert "No secure OS keyring" in notes and "DEEPSEEK_API_KEY" in notes
    finally:
        keyring.set_keyring(previous)


def test_light_and_dark_themes(qapp) -> None:
    assert apply_theme(qapp, "dark") == "dark"
    assert qapp.palette().color(QPalette.ColorRole.Base).lightness() < 128
    assert apply_theme(qapp, "light") == "light"
    assert qapp.palette().color(QPalette.ColorRole.Base).lightness() > 128
