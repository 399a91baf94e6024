"""Git's ignore rules for one project, loaded lazily folder by folder.

Sources, lowest precedence first: ``.git/info/exclude``, the root ``.gitignore``, then each nested
``.gitignore`` down to the folder holding the path (deeper files override shallower ones; within a
file the last matching pattern wins; ``!`` re-includes). As in git, nothing below an ignored folder
can be re-included, and ``.git`` itself is always hidden. No rules are invented beyond these.

A folder's ``.gitignore`` is read the first time something inside that folder is asked about, so a
100,000-file tree is never walked up front. Safe to use from several worker threads at once.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import pathspec

__all__ = ["GIT_DIR", "IGNORE_FILE", "IgnoreRules", "normalize_rel"]

GIT_DIR = ".git"
IGNORE_FILE = ".gitignore"
EXCLUDE_FILE = ".git/info/exclude"

# (mtime_ns, size, inode) of a rules file, or None when absent: enough to notice an edit.
_Signature = tuple[int, int, int] | None


@dataclass(frozen=True, slots=True)
class _Source:
    """The compiled patterns of one rules file; ``base`` is the folder they are relative to."""

    base: str
    spec: pathspec.GitIgnoreSpec | None
    signature: _Signature


def normalize_rel(rel_path: str) -> str:
    """A project-relative path in the form used throughout: POSIX separators, no outer slashes."""
    if os.sep != "/":
        rel_path = rel_path.replace(os.sep, "/")
    rel_path = rel_path.strip("/")
    while rel_path.startswith("./"):
        rel_path = rel_path[2:]
    return "" if rel_path == "." else rel_path


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _split(rel_path: str) -> tuple[str, str]:
    folder, _, name = rel_path.rpartition("/")
    return folder, name


def _signature(path: Path) -> _Signature:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _load(path: Path, base: str) -> _Source:
    sig = _signature(path)
    if sig is None:
        return _Source(base, None, None)
    try:
        # Patterns are bytes in git; a stray non-UTF-8 byte must not make the file unreadable.
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # a folder named .gitignore, permissions, vanished meanwhile
        return _Source(base, None, sig)
    return _Source(base, _compile(text.splitlines()), sig)


def _compile(lines: list[str]) -> pathspec.GitIgnoreSpec | None:
    """The file's patterns, without the lines pathspec refuses. Git takes a lone ``!`` and a
    trailing backslash and matches nothing with them, so skipping them is what git does; a
    reversed range (``[z-a]``) is refused too, where git would match just its first character.
    The good lines keep their order, so "last match wins" and ``!`` work as before."""
    if not any(ln.strip() for ln in lines):
        return None
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):  # pathspec's GitIgnorePatternError is a ValueError
        good = [ln for ln in lines if _compiles(ln)]
        return pathspec.GitIgnoreSpec.from_lines(good) if good else None


def _compiles(line: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except (ValueError, re.error):
        return False
    return True


class IgnoreRules:
    """Answers "would git ignore this path?" for the project rooted at ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._exclude: _Source | None = None
        self._sources: dict[str, _Source] = {}  # folder -> its .gitignore
        self._dir_ignored: dict[str, bool] = {}  # folder -> ignored (itself or by an ancestor)

    # -- queries -----------------------------------------------------------------------------

    def is_ignored(self, rel_path: str, is_dir: bool) -> bool:
        """Whether ``rel_path`` (relative to the root, POSIX separators) is hidden by the rules."""
        rel_path = normalize_rel(rel_path)
        if not rel_path:
            return False
        folder, name = _split(rel_path)
        if self._folder_ignored(folder):
            return True
        if is_dir:
            return self._folder_ignored(rel_path)
        return self._matches(folder, name, is_dir=False)

    def filter_names(self, folder: str, names: list[tuple[str, bool]]) -> list[bool]:
        """``is_ignored`` for many ``(name, is_dir)`` children of one folder, sharing the work."""
        folder = normalize_rel(folder)
        if self._folder_ignored(folder):
            return [True] * len(names)
        chain = self._chain(folder)
        return [self._decide(chain, folder, name, is_dir) for name, is_dir in names]

    # -- cache control -------------------------------------------------------------------------

    def invalidate(self, folder: str | None = None) -> None:
        """Forget ``folder``'s ``.gitignore`` (the root's also drops info/exclude); None: all."""
        with self._lock:
            if folder is None:
                self._sources.clear()
                self._exclude = None
            else:
                folder = normalize_rel(folder)
                self._sources.pop(folder, None)
                if not folder:
                    self._exclude = None
            # Folder verdicts below the changed file may flip; they are cheap to recompute.
            self._dir_ignored.clear()

    def reload_if_changed(self, folder: str) -> bool:
        """Re-read ``folder``'s rules (and info/exclude for the root) if edited since loading."""
        folder = normalize_rel(folder)
        with self._lock:
            src = self._sources.get(folder)
            exclude = self._exclude
        changed = src is not None and src.signature != _signature(self._rules_file(folder))
        if not folder and exclude is not None:
            changed |= exclude.signature != _signature(self.root / EXCLUDE_FILE)
        if changed:
            self.invalidate(folder)
        return changed

    # -- internals -----------------------------------------------------------------------------

    def _rules_file(self, folder: str) -> Path:
        return self.root / folder / IGNORE_FILE if folder else self.root / IGNORE_FILE

    def _source(self, folder: str) -> _Source:
        src = self._sources.get(folder)
        if src is None:
            # Two threads may both read the file; the result is the same, so no lock while reading.
            src = _load(self._rules_file(folder), folder)
            with self._lock:
                src = self._sources.setdefault(folder, src)
        return src

    def _exclude_source(self) -> _Source:
        src = self._exclude
        if src is None:
            src = _load(self.root / EXCLUDE_FILE, "")
            with self._lock:
                if self._exclude is None:
                    self._exclude = src
                src = self._exclude
        return src

    def _chain(self, folder: str) -> list[_Source]:
        """The rule files that apply inside ``folder``, deepest (highest precedence) first."""
        chain: list[_Source] = []
        current = folder
        while True:
            src = self._source(current)
            if src.spec is not None:
                chain.append(src)
            if not current:
                break
            current = _split(current)[0]
        exclude = self._exclude_source()
        if exclude.spec is not None:
            chain.append(exclude)
        return chain

    def _decide(self, chain: list[_Source], folder: str, name: str, is_dir: bool) -> bool:
        if name == GIT_DIR:
            return True
        rel_path = _join(folder, name)
        for src in chain:
            # Each file's patterns are relative to its own folder; pathspec marks folders by "/".
            sub = rel_path[len(src.base) + 1 :] if src.base else rel_path
            assert src.spec is not None
            verdict = src.spec.check_file(sub + "/" if is_dir else sub).include
            if verdict is not None:
                return verdict
        return False

    def _matches(self, folder: str, name: str, is_dir: bool) -> bool:
        return self._decide(self._chain(folder), folder, name, is_dir)

    def _folder_ignored(self, folder: str) -> bool:
        if not folder:
            return False
        cached = self._dir_ignored.get(folder)
        if cached is not None:
            return cached
        parent, name = _split(folder)
        verdict = self._folder_ignored(parent) or self._matches(parent, name, is_dir=True)
        with self._lock:
            self._dir_ignored[folder] = verdict
        return verdict
