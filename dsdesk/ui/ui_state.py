"""Window state (geometry, splitters, last and recent projects) — kept apart from settings, in
an INI file under the config dir, because it changes on every resize and users do not edit it."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from dsdesk.config.paths import config_dir

MAX_RECENT = 8


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
        """The project opened last; it also goes first in the recent list."""
        self._qs.setValue("last_project", str(path) if path else "")
        if path:
            recent = [str(path)] + [str(p) for p in self.recent_projects if p != path]
            # JSON, not an INI list: QSettings reads a one-element list back as a string.
            self._qs.setValue("recent_projects", json.dumps(recent[:MAX_RECENT]))

    @property
    def recent_projects(self) -> list[Path]:
        """Projects opened before, most recent first (they may no longer exist)."""
        try:
            value = json.loads(str(self._qs.value("recent_projects", "[]")))
        except ValueError:
            return []
        return [Path(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []

    def sync(self) -> None:
        self._qs.sync()
