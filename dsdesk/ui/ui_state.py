"""Window state (geometry, splitters, last project) — kept apart from settings, in an INI file
under the config dir, because it changes on every resize and is not something users edit."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from dsdesk.config.paths import config_dir


class UiState:
    def __init__(self, path: Path | None = None) -> None:
        path = path or config_dir() / "ui-state.ini"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    def blob(self, key: str) -> QByteArray | None:
        value = self._qs.value(key)
        return value if isinstance(value, QByteArray) else None

    def set_blob(self, key: str, value: QByteArray) -> None:
        self._qs.setValue(key, value)

    @property
    def last_project(self) -> Path | None:
        value = self._qs.value("last_project")
        return Path(value) if isinstance(value, str) and value else None

    @last_project.setter
    def last_project(self, path: Path | None) -> None:
        self._qs.setValue("last_project", str(path) if path else "")

    def sync(self) -> None:
        self._qs.sync()
