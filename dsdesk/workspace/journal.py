"""The undo journal: every applied change set with the exact bytes before and after, persisted
per project under the data dir, so "undo" works after a restart and without git.

Layout: ``<data>/projects/<root hash>/journal/index.json`` (change sets, oldest first) and
``blobs/<sha256>`` (file contents, stored once). It is written before the files are (write-ahead),
so a crash mid-apply can still be undone.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from dsdesk.core.errors import EditError
from dsdesk.workspace.atomic import atomic_write, remove_file
from dsdesk.workspace.jail import resolve_in_project

MAX_CHANGE_SETS = 200


@dataclass(frozen=True, slots=True)
class FileSnapshot:
    rel_path: str
    before: bytes | None  # None: the file did not exist
    after: bytes | None  # None: the change deleted it
    mode: int | None


@dataclass(frozen=True, slots=True)
class ChangeSet:
    id: str
    label: str
    created: float
    files: tuple[FileSnapshot, ...]


def new_change_set(label: str, files: tuple[FileSnapshot, ...]) -> ChangeSet:
    return ChangeSet(uuid.uuid4().hex, label, time.time(), files)


def project_key(root: Path) -> str:
    return hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]


class UndoJournal:
    def __init__(self, root: Path, data_dir: Path) -> None:
        self.root = root.resolve()
        self.dir = data_dir / "projects" / project_key(root) / "journal"
        self._blobs = self.dir / "blobs"

    # -- storage ------------------------------------------------------------------------------

    def _blob(self, data: bytes | None) -> str | None:
        if data is None:
            return None
        digest = hashlib.sha256(data).hexdigest()
        path = self._blobs / digest
        if not path.exists():
            self._blobs.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        return digest

    def _read_blob(self, digest: str | None) -> bytes | None:
        if digest is None:
            return None
        try:
            return (self._blobs / digest).read_bytes()
        except OSError as exc:
            raise EditError(
                f"The undo journal is missing data ({digest[:12]}).", reason="write_failed"
            ) from exc

    def _load(self) -> list[dict[str, object]]:
        try:
            data = json.loads((self.dir / "index.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise EditError(
                f"The undo journal could not be read: {exc}", reason="write_failed"
            ) from exc
        return list(data.get("change_sets", []))

    def _save(self, entries: list[dict[str, object]]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        entries = entries[-MAX_CHANGE_SETS:]
        body = json.dumps(
            {"version": 1, "root": str(self.root), "change_sets": entries}, indent=1
        ).encode()
        atomic_write(self.dir / "index.json", body)
        self._prune(entries)

    def _prune(self, entries: list[dict[str, object]]) -> None:
        used = {
            d
            for e in entries
            for f in e["files"]  # type: ignore[attr-defined]
            for d in (f["before"], f["after"])
            if d
        }
        if self._blobs.is_dir():
            for blob in self._blobs.iterdir():
                if blob.name not in used:
                    blob.unlink(missing_ok=True)

    # -- public -------------------------------------------------------------------------------

    def record(self, cs: ChangeSet) -> None:
        entries = self._load()
        entries.append(
            {
                "id": cs.id,
                "label": cs.label,
                "created": cs.created,
                "files": [
                    {
                        "path": f.rel_path,
                        "before": self._blob(f.before),
                        "after": self._blob(f.after),
                        "mode": f.mode,
                    }
                    for f in cs.files
                ],
            }
        )
        self._save(entries)

    def forget(self, change_set_id: str) -> None:
        self._save([e for e in self._load() if e["id"] != change_set_id])

    def history(self) -> list[ChangeSet]:
        return [self._change_set(e) for e in self._load()]

    def _change_set(self, e: dict[str, object]) -> ChangeSet:
        files = tuple(
            FileSnapshot(
                str(f["path"]),
                self._read_blob(f["before"]),
                self._read_blob(f["after"]),
                f.get("mode"),
            )
            for f in e["files"]  # type: ignore[attr-defined]
        )
        return ChangeSet(str(e["id"]), str(e["label"]), float(e["created"]), files)  # type: ignore[arg-type]

    def undo_last(self, n: int = 1, *, force: bool = False) -> list[ChangeSet]:
        """Restore the files of the last ``n`` change sets, newest first. Refuses (and changes
        nothing of that set) if a file no longer holds what the change wrote, unless ``force``."""
        undone: list[ChangeSet] = []
        for _ in range(n):
            entries = self._load()
            if not entries:
                break
            cs = self._change_set(entries[-1])
            paths = [(f, resolve_in_project(self.root, f.rel_path)) for f in cs.files]
            if not force:
                for f, path in paths:
                    current = path.read_bytes() if path.exists() else None
                    if current != f.after:
                        raise EditError(
                            f"{f.rel_path} changed after the edit was applied; undo would lose "
                            "those changes, so nothing was undone.",
                            reason="file_changed",
                            path=f.rel_path,
                        )
            for f, path in paths:
                if f.before is None:
                    remove_file(path)
                else:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    atomic_write(path, f.before)
                    if f.mode is not None:
                        os.chmod(path, f.mode)
            self._save(entries[:-1])
            undone.append(cs)
        return undone
