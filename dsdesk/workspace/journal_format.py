"""The undo journal's change-set entries as stored in ``index.json``, parsed in one place.

The journal lives under the user's data dir, but it is still a file anyone can edit: an entry
is checked whole (shapes and types here, paths against the project jail by the journal) before
any of it is acted on. A bad entry raises ``DamagedEntry`` with a plain reason.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["DamagedEntry", "EntryRecord", "FileRecord", "entry_name", "parse_entry"]

_DIGEST = re.compile(r"[0-9a-f]{64}")  # sha256 hex: a blob's file name, never a path


class DamagedEntry(ValueError):
    """An entry that cannot be used; the message says why, in plain words."""


@dataclass(frozen=True, slots=True)
class FileRecord:
    path: str  # relative to the project root, as recorded; the jail still has to accept it
    before: str | None  # blob digest; None: the file did not exist
    after: str | None  # blob digest; None: the change deleted it
    mode: int | None  # permission bits before the change


@dataclass(frozen=True, slots=True)
class EntryRecord:
    id: str
    label: str
    created: float
    files: tuple[FileRecord, ...]
    dirs: tuple[str, ...]  # folders the change created, relative to the root

    def digests(self) -> set[str]:
        return {d for f in self.files for d in (f.before, f.after) if d is not None}


def parse_entry(raw: object) -> EntryRecord:
    """The typed record of one ``change_sets`` item. DamagedEntry when anything is off."""
    if not isinstance(raw, dict):
        raise DamagedEntry("it is not an object")
    entry_id = _text(raw, "id")
    if not entry_id:
        raise DamagedEntry("its id is empty")
    created = raw.get("created")
    if isinstance(created, bool) or not isinstance(created, int | float):
        raise DamagedEntry("its time is not a number")
    if not math.isfinite(created):
        raise DamagedEntry("its time is not a number")
    files = raw.get("files")
    if not isinstance(files, list):
        raise DamagedEntry("its file list is not a list")
    dirs = raw.get("dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(d, str) and d for d in dirs):
        raise DamagedEntry("its folder list is not a list of paths")
    return EntryRecord(
        entry_id,
        _text(raw, "label"),
        float(created),
        tuple(_file(f, k) for k, f in enumerate(files)),
        tuple(dirs),
    )


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        raise DamagedEntry(f"its {key} is not text")
    return value


def _file(raw: object, k: int) -> FileRecord:
    if not isinstance(raw, dict):
        raise DamagedEntry(f"file {k + 1} is not an object")
    path = raw.get("path")
    if not isinstance(path, str) or not path:
        raise DamagedEntry(f"file {k + 1} has no path")
    before, after = _digest(raw, "before", path), _digest(raw, "after", path)
    if before is None and after is None:
        raise DamagedEntry(f"{path} has neither a before nor an after")
    mode = raw.get("mode")
    if mode is not None and (
        isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o7777
    ):
        raise DamagedEntry(f"{path} has an invalid permission mode")
    return FileRecord(path, before, after, mode)


def _digest(raw: dict[str, Any], key: str, path: str) -> str | None:
    if key not in raw:
        raise DamagedEntry(f"{path} has no {key}")
    value = raw[key]
    if value is None:
        return None
    if not isinstance(value, str) or not _DIGEST.fullmatch(value):
        raise DamagedEntry(f"{path}: its {key} content is not a digest")
    return value


def entry_name(raw: object, position: int) -> str:
    """How a message names an entry: its label and id when it has them, else its position."""
    label = raw.get("label") if isinstance(raw, dict) else None
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    shown = f"number {position + 1}"
    if isinstance(label, str) and label.strip():
        shown = '"' + "".join(ch for ch in label if ch.isprintable())[:80] + '"'
    if isinstance(entry_id, str) and entry_id:
        shown += f" ({''.join(ch for ch in entry_id if ch.isalnum())[:12]})"
    return shown
