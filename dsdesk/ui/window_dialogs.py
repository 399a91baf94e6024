"""The main window's dialogs: settings, the command palette, the shortcut list and editor."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from dsdesk.config.settings import Settings
from dsdesk.ui.dialogs import AboutDialog, ShortcutsDialog
from dsdesk.ui.mcp_page import McpToolsPage
from dsdesk.ui.palette import CommandPalette
from dsdesk.ui.palette_entries import palette_entries
from dsdesk.ui.settings_dialog import SettingsDialog
from dsdesk.ui.shortcuts_editor import ShortcutsEditor
from dsdesk.ui.theme import apply_theme

if TYPE_CHECKING:
    from dsdesk.ui.main_window import MainWindow


class WindowDialogs(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.models: list[str] = []  # from the server, offered in Settings
        self._palette: CommandPalette | None = None  # made on first use, kept (it keeps recents)
        self._settings: SettingsDialog | None = None
        window.controller.client.sig_connection_tested.connect(self._on_connection_tested)

    @property
    def palette(self) -> CommandPalette:
        if self._palette is None:
            self._palette = CommandPalette(self.window)
        return self._palette

    def show_palette(self) -> None:
        self.palette.popup(palette_entries(self.window))

    def show_shortcuts(self) -> None:
        self.window.open_dialog(ShortcutsDialog(self.window.actions_, self.window))

    def about(self) -> None:
        self.window.open_dialog(AboutDialog(self.window))

    def edit_shortcuts(self) -> None:
        dialog = ShortcutsEditor(self.window.actions_, self.window)
        dialog.sig_save.connect(self._on_shortcuts_save)
        self.window.open_dialog(dialog)

    def _on_shortcuts_save(self, overrides: dict[str, str]) -> None:
        c = self.window.controller
        self.window.actions_.apply_overrides(overrides)
        c.apply_settings(replace(c.settings, shortcuts=overrides))

    def open_settings(self) -> None:
        c = self.window.controller
        tools = McpToolsPage(c.mcp)
        dialog = SettingsDialog(c.settings, c.api_key, self.models, self.window, tools)
        dialog.sig_apply.connect(self._on_settings_apply)
        dialog.sig_test.connect(
            lambda url, key: c.client.test_connection(c.candidate_config(url, key or None))
        )
        self._settings = dialog
        dialog.finished.connect(lambda _r: setattr(self, "_settings", None))
        self.window.open_dialog(dialog)

    def _on_connection_tested(self, ok: bool, message: str) -> None:
        if self._settings is not None:
            self._settings.show_test_result(ok, message)

    def _on_settings_apply(self, settings: object, new_key: str) -> None:
        assert isinstance(settings, Settings)
        problem = self.window.controller.apply_settings(settings, new_key or None)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, settings.theme)
        if problem:
            self.window.transcript.show_error(problem, [])
