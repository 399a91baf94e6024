"""The undo journal: every applied change set with the exact bytes before and after, persisted
per project under the data dir, so undo works after a restart and without git.

Layout, under ``<data dir>/projects/<sha256 of the resolved root, 16 hex>/journal/``:
``index.json`` (the change sets, oldest first, naming their contents by digest) and
``blobs/<sha256>`` (file contents, each stored once). Both are written atomically. A change set is
recorded *before* its files are written (write-ahead), so even a crash half-way through applying
can be undone. Only the last ``MAX_CHANGE_SETS`` are kept; blobs nothing names any more are
deleted. A lock file serialises dsdesk processes (the window and ``dsdesk apply``) on one project.

The journal is a file anyone can edit, so nothing in it is trusted: an entry is parsed whole
(``journal_format``) and every path it names, files and folders, goes through the project jail
before any file is touched. An entry that fails is reported by name and set aside
(``entries.damaged-*.json``, kept for inspection); the other entries stay usable.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsdesk.core.errors import EditError
from dsdesk.workspace.atomic import (
    atomic_write,
    make_parents,
    remove_empty_dirs,
    remove_file,
    remove_stale_temps,
)
from dsdesk.workspace.jail import resolve_in_project
from dsdesk.workspace.journal_format import DamagedEntry, entry_name, parse_entry

if sys.platform != "win32":
    import fcntl

__all__ = [
    "MAX_CHANGE_SETS",
    "ChangeSet",
    "FileSnapshot",
    "UndoJournal",
    "journal_dir",
    "new_change_set",
    "project_key",
]

MAX_CHANGE_SETS = 200
_VERSION = 1


@dataclass(frozen=True, slots=True)
class FileSnapshot:
    rel_path: str  # relative to the project root, "/" separators
    before: bytes | None  # None: the file did not exist (the change created it)
    after: bytes | None  # None: the change deleted it
    mode: int | None  # permission bits before the change; None when it did not exist


@dataclass(frozen=True, slots=True)
class ChangeSet:
    id: str
    label: str
    created: float  # time.time()
    files: tuple[FileSnapshot, ...]
    dirs: tuple[str, ...] = ()  # folders the change created; removed on undo if empty


def new_change_set(
    label: str, files: tuple[FileSnapshot, ...], dirs: tuple[str, ...] = ()
) -> ChangeSet:
    return ChangeSet(uuid.uuid4().hex, label, time.time(), files, dirs)


def project_key(root: Path) -> str:
    return hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]


def journal_dir(root: Path, data_dir: Path) -> Path:
    return data_dir / "projects" / project_key(root) / "journal"


def _damaged(what: str) -> EditError:
    return EditError(
        f"The undo journal is damaged ({what}); nothing was undone.", reason="write_failed"
    )


@dataclass(frozen=True, slots=True)
class _Ready:
    """A journal entry checked whole and ready to undo."""

    cs: ChangeSet
    files: tuple[tuple[FileSnapshot, Path], ...]  # with the path the jail resolved
    dirs: tuple[Path, ...]  # the folders it created, resolved the same way


class _Lock:
    """Reentrant within a process (one thread at a time), exclusive across processes (flock)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._rlock = threading.RLock()
        self._depth = 0
        self._fd = -1

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        with self._rlock:
            if self._depth == 0:
                self._acquire()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    os.close(self._fd)  # closing releases the flock
                    self._fd = -1

    def _acquire(self) -> None:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise EditError(
                f"The undo journal cannot be opened ({exc.strerror or exc}); nothing was changed.",
                reason="write_failed",
            ) from exc
        if sys.platform != "win32":
            fcntl.flock(self._fd, fcntl.LOCK_EX)


class UndoJournal:
    def __init__(self, root: Path, data_dir: Path) -> None:
        self.root = root.resolve()
        self.dir = journal_dir(self.root, data_dir)
        self._index = self.dir / "index.json"
        self._blobs = self.dir / "blobs"
        self._lock = _Lock(self.dir / "lock")

    def locked(self) -> contextlib.AbstractContextManager[None]:
        """Hold the project's journal lock (reentrant): apply and undo run under it."""
        return self._lock.hold()

    # -- storage ------------------------------------------------------------------------------

    def _put_blob(self, data: bytes | None) -> str | None:
        if data is None:
            return None
        digest = hashlib.sha256(data).hexdigest()
        path = self._blobs / digest
        if not path.is_file():
            self._blobs.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data, mode=0o600)
        return digest

    def _get_blob(self, digest: str | None) -> bytes | None:
        if digest is None:
            return None
        try:
            data = (self._blobs / digest).read_bytes()
        except OSError as exc:
            raise DamagedEntry(f"content {digest[:12]} is missing: {exc.strerror or exc}") from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise DamagedEntry(f"content {digest[:12]} does not match its digest")
        return data

    def _load(self) -> list[Any]:
        """The raw entries, oldest first; only the index's own shape is checked here (an entry
        is checked when used: one damaged entry must not take the others down)."""
        try:
            raw = self._index.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise EditError(
                f"The undo journal cannot be read ({exc.strerror or exc}).", reason="write_failed"
            ) from exc
        try:
            data = json.loads(raw)
            entries = data["change_sets"]
            if data.get("version") != _VERSION or not isinstance(entries, list):
                raise ValueError("unknown format")
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise _damaged(f"{self._index}: {exc}") from exc
        return entries

    def _load_for_write(self) -> list[Any]:
        """As ``_load``, but a damaged index is moved aside (kept for inspection) and a new one
        started, so a broken journal never blocks applying edits."""
        try:
            return self._load()
        except EditError:
            if not self._index.exists():
                raise
            aside = self._index.with_name(f"index.damaged-{int(time.time())}.json")
            with contextlib.suppress(OSError):
                os.replace(self._index, aside)
            return []

    def _save(self, entries: list[Any]) -> None:
        entries = entries[-MAX_CHANGE_SETS:]
        body = {"version": _VERSION, "root": str(self.root), "change_sets": entries}
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write(self._index, json.dumps(body, indent=1).encode(), mode=0o600)
        self._prune(entries)

    def _prune(self, entries: list[Any]) -> None:
        # Runs under the lock, after the index is saved: anything unnamed (old content, a temp
        # file from a killed writer) is garbage. A damaged entry cannot be undone: its content
        # is garbage too.
        used: set[str] = set()
        for e in entries:
            with contextlib.suppress(DamagedEntry):
                used |= parse_entry(e).digests()
        with contextlib.suppress(OSError):
            for blob in self._blobs.iterdir():
                if blob.name not in used:
                    with contextlib.suppress(OSError):
                        blob.unlink()

    def _verify(self, raw: object, position: int) -> _Ready | str:
        """The entry ready to undo (contents loaded, every path through the jail), or why it
        cannot be: a plain message naming it."""
        try:
            rec = parse_entry(raw)
            files = tuple(
                FileSnapshot(f.path, self._get_blob(f.before), self._get_blob(f.after), f.mode)
                for f in rec.files
            )
            paths = tuple(resolve_in_project(self.root, f.path) for f in rec.files)
            dirs = tuple(resolve_in_project(self.root, d) for d in rec.dirs)
        except (DamagedEntry, EditError) as exc:
            why = exc.user_message if isinstance(exc, EditError) else str(exc)
            return f"The undo journal entry {entry_name(raw, position)} is damaged: {why}"
        cs = ChangeSet(rec.id, rec.label, rec.created, files, rec.dirs)
        return _Ready(cs, tuple(zip(files, paths, strict=True)), dirs)

    def _set_aside(self, entries: list[Any], positions: list[int]) -> None:
        """Move damaged entries out of the index into a file of their own, for inspection."""
        bad = set(positions)
        aside = [e for p, e in enumerate(entries) if p in bad]
        body = {"version": _VERSION, "root": str(self.root), "change_sets": aside}
        name = f"entries.damaged-{time.time_ns()}.json"
        with contextlib.suppress(EditError):
            atomic_write(self.dir / name, json.dumps(body, indent=1).encode(), mode=0o600)
        self._save([e for p, e in enumerate(entries) if p not in bad])

    # -- public -------------------------------------------------------------------------------

    def record(self, cs: ChangeSet) -> None:
        """Store ``cs`` (call it before writing the files). EditError ``write_failed``."""
        with self.locked():
            entries = self._load_for_write()
            files = [
                {
                    "path": f.rel_path,
                    "before": self._put_blob(f.before),
                    "after": self._put_blob(f.after),
                    "mode": f.mode,
                }
                for f in cs.files
            ]
            entries.append(
                {
                    "id": cs.id,
                    "label": cs.label,
                    "created": cs.created,
                    "dirs": list(cs.dirs),
                    "files": files,
                }
            )
            self._save(entries)

    def forget(self, change_set_id: str) -> None:
        """Drop a change set that was recorded but, in the end, not written."""
        with self.locked():
            self._save(
                [
                    e
                    for e in self._load_for_write()
                    if not (isinstance(e, dict) and e.get("id") == change_set_id)
                ]
            )

    def history(self) -> list[ChangeSet]:
        """All usable change sets, oldest first (damaged entries: see ``damaged``)."""
        with self.locked():
            checked = [self._verify(e, k) for k, e in enumerate(self._load())]
        return [r.cs for r in checked if isinstance(r, _Ready)]

    def damaged(self) -> list[str]:
        """Why each damaged entry cannot be undone, oldest first (undo sets them aside)."""
        with self.locked():
            checked = [self._verify(e, k) for k, e in enumerate(self._load())]
        return [r for r in checked if isinstance(r, str)]

    def undo_last(self, n: int = 1, *, force: bool = False) -> list[ChangeSet]:
        """Restore the files of the last ``n`` change sets to their exact previous bytes and
        mode (deleting created files, recreating deleted ones), newest first; returns them.

        Everything is checked before anything is written: if a file holds neither what the
        change wrote nor what it replaced (someone edited it since), EditError ``file_changed``
        and nothing is undone, unless ``force``. A damaged entry among them (bad shape, missing
        content, a path the jail refuses) is set aside and reported, EditError ``write_failed``,
        and nothing is undone; undoing again goes on with the entries before it. A failure
        half-way leaves the journal naming exactly the sets not yet undone; running undo again
        finishes the job."""
        with self.locked():
            entries = self._load()
            count = min(max(n, 0), len(entries))
            positions = range(len(entries) - 1, len(entries) - 1 - count, -1)  # newest first
            checked = [(p, self._verify(entries[p], p)) for p in positions]
            bad = [(p, r) for p, r in checked if isinstance(r, str)]
            if bad:
                self._set_aside(entries, [p for p, _r in bad])
                raise EditError(
                    " ".join(r.rstrip(".") + "." for _p, r in bad)
                    + " It was set aside and nothing was undone; undo again for the changes "
                    "before it.",
                    reason="write_failed",
                )
            todo = [r for _p, r in checked if isinstance(r, _Ready)]
            self._check([r.files for r in todo], force)
            undone: list[ChangeSet] = []
            for r in todo:
                # A kill mid-apply leaves a temp file, which would also keep a folder the
                # change created from being removed.
                for folder in dict.fromkeys([*(p.parent for _f, p in r.files), *r.dirs]):
                    remove_stale_temps(folder)
                for f, path in r.files:
                    self._restore(f, path)
                remove_empty_dirs(list(r.dirs))
                entries.pop()
                self._save(entries)
                undone.append(r.cs)
            return undone

    def _check(self, plan: list[tuple[tuple[FileSnapshot, Path], ...]], force: bool) -> None:
        # Walk the sets newest first on a virtual copy of the files, so undoing several sets
        # that touch the same file is checked as one.
        state: dict[Path, bytes | None] = {}
        for files in plan:
            for f, path in files:
                current = state[path] if path in state else _current(path, f.rel_path)
                if not force and current != f.after and current != f.before:
                    raise EditError(
                        f"{f.rel_path} was changed after the edit was applied; undoing would "
                        "lose those changes, so nothing was undone.",
                        reason="file_changed",
                        path=f.rel_path,
                    )
                state[path] = f.before

    def _restore(self, f: FileSnapshot, path: Path) -> None:
        if _current(path, f.rel_path) == f.before:
            return  # already as it was (a crash before the write, or an undo half done)
        if f.before is None:
            remove_file(path, rel=f.rel_path)
        else:
            make_parents(path, self.root)
            atomic_write(path, f.before, mode=f.mode, rel=f.rel_path)


def _current(path: Path, rel: str) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise EditError(
            f"{rel} cannot be read ({exc.strerror or exc}); nothing was undone.",
            reason="write_failed",
            path=rel,
        ) from exc
