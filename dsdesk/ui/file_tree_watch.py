"""Follow the disk for the file tree: watch only the folders that are loaded.

A QFileSystemWatcher on every loaded folder (never the whole tree: inotify watches are a limited
resource) plus each loaded folder's ``.gitignore``, because a folder watch does not report a file
edited in place. Bursts of events (a checkout, a build) are coalesced into one report per folder.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from dsdesk.workspace.ignore import IGNORE_FILE

__all__ = ["CHECK_RULES", "KEEP_RULES", "RELOAD_RULES", "FolderWatcher"]

# What a re-list must do about the folder's .gitignore first (higher wins when merged).
KEEP_RULES = 0  # nothing
CHECK_RULES = 1  # reload it if its signature changed (a folder event may be a replaced file)
RELOAD_RULES = 2  # reload it: the file itself reported a change

DEBOUNCE_MS = 120


class FolderWatcher(QObject):
    sig_changed = Signal(object)  # (dict[int, int]) folder key -> rules mode, after a burst

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._folders: dict[str, int] = {}  # absolute folder path -> key
        self._rules: dict[str, int] = {}  # absolute .gitignore path -> its folder's key
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_watcher_directory_changed)
        self._watcher.fileChanged.connect(self._on_watcher_file_changed)
        self._dirty: dict[int, int] = {}
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def watch(self, key: int, folder: str, has_rules: bool) -> None:
        """Watch ``folder`` (again after a re-list; cheap if already watched)."""
        if folder not in self._folders and self._watcher.addPath(folder):
            self._folders[folder] = key
        rules = os.path.join(folder, IGNORE_FILE)
        if has_rules and rules not in self._rules and self._watcher.addPath(rules):
            self._rules[rules] = key

    def unwatch(self, key: int, folder: str) -> None:
        if self._folders.get(folder) == key:
            del self._folders[folder]
            self._watcher.removePath(folder)
        rules = os.path.join(folder, IGNORE_FILE)
        if self._rules.get(rules) == key:
            del self._rules[rules]
            if rules in self._watcher.files():
                self._watcher.removePath(rules)
        self._dirty.pop(key, None)

    def clear(self) -> None:
        paths = self._watcher.directories() + self._watcher.files()
        if paths:  # an empty list makes Qt warn
            self._watcher.removePaths(paths)
        self._folders.clear()
        self._rules.clear()
        self._dirty.clear()
        self._timer.stop()

    def watched_folders(self) -> list[str]:
        return list(self._folders)

    def _on_watcher_directory_changed(self, path: str) -> None:
        key = self._folders.get(path)
        if key is not None:
            self._mark(key, CHECK_RULES)

    def _on_watcher_file_changed(self, path: str) -> None:
        key = self._rules.pop(path, None)
        if key is None:
            return
        # A file saved by replacing is no longer watched, so forget it either way; the re-list
        # that follows watches it again.
        if path in self._watcher.files():
            self._watcher.removePath(path)
        self._mark(key, RELOAD_RULES)

    def _mark(self, key: int, rules_mode: int) -> None:
        self._dirty[key] = max(rules_mode, self._dirty.get(key, KEEP_RULES))
        if not self._timer.isActive():
            self._timer.start()

    def _on_timer_timeout(self) -> None:
        dirty, self._dirty = self._dirty, {}
        if dirty:
            self.sig_changed.emit(dirty)
