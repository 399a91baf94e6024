"""Window state (geometry, splitters, last and recent projects, and per project the
conversation that was open and the agent mode) — kept apart from settings, in an INI file
under the config dir, because it changes all the time and is not something users edit.

The agent mode is remembered here, per project, and never read from the project itself: a
cloned repository must not be able to switch dsdesk into a mode that runs commands.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from dsdesk.config.paths import config_dir

MAX_RECENT = 8


def _project_key(project: Path) -> str:
    # A path is no valid INI key (slashes make groups); a digest is, and stays fixed.
    return hashlib.sha256(str(project).encode("utf-8")).hexdigest()[:20]


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

    # -- per project --------------------------------------------------------------------------

    def conversation(self, project: Path) -> int | None:
        """The stored conversation that was open in ``project`` (None: a new chat)."""
        value = self._qs.value(f"projects/{_project_key(project)}/conversation")
        return int(value) if isinstance(value, str) and value.isdigit() else None

    def set_conversation(self, project: Path, conversation_id: int | None) -> None:
        key = f"projects/{_project_key(project)}/conversation"
        self._qs.setValue(key, "" if conversation_id is None else str(conversation_id))

    def mode(self, project: Path) -> str | None:
        value = self._qs.value(f"projects/{_project_key(project)}/mode")
        return value if isinstance(value, str) and value else None

    def set_mode(self, project: Path, mode: str) -> None:
        self._qs.setValue(f"projects/{_project_key(project)}/mode", mode)

    def sync(self) -> None:
        self._qs.sync()
