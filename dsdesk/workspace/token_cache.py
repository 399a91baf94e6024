"""Token counts of project files as they would be sent, cached per file.

A file's count is keyed by (size, mtime_ns); when those change, the content hash decides whether
the text really changed (a touch or a checkout of the same bytes costs a hash, not a recount).
Binary files, undecodable files, files over a size limit, names that are not valid UTF-8 (they
cannot be sent) and symlink loops are skipped with a reason, and so is anything the read jail
refuses (a link out of the project, .git/): a count never reads outside.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dsdesk.core.errors import EditError
from dsdesk.core.token_count import TokenCounter, render_context_file
from dsdesk.workspace.ignore import IgnoreRules
from dsdesk.workspace.jail import jailed_path
from dsdesk.workspace.names import is_symlink_loop, is_utf8

MAX_FILE_BYTES = 2 * 2**20  # ≈ 500k tokens of source: past that a file is data, not code


@dataclass(frozen=True, slots=True)
class FileCount:
    rel_path: str
    tokens: int | None  # None when skipped
    # "binary", "too large (N bytes)", "unreadable", "not UTF-8", "a link outside the project",
    # "name is not valid UTF-8", "symlink loop"
    skipped: str | None = None


_REFUSED = {"outside_project": "a link outside the project", "inside_git": "inside .git/"}


@dataclass(slots=True)
class _Entry:
    size: int
    mtime_ns: int
    digest: bytes
    tokens: int


class FileTokenCache:
    def __init__(self, root: Path, counter: TokenCounter, max_bytes: int = MAX_FILE_BYTES) -> None:
        self.root = root
        self._counter = counter
        self._max = max_bytes
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def cached(self, rel: str) -> int | None:
        """The last known count, without touching the disk (for the GUI)."""
        with self._lock:
            entry = self._entries.get(rel)
        return entry.tokens if entry else None

    def count(self, rels: Iterable[str]) -> list[FileCount]:
        """Counts for ``rels``; only new or changed files are tokenized, in one batch."""
        out: dict[str, FileCount] = {}
        todo: list[tuple[str, int, int, bytes, str]] = []
        for rel in rels:
            if not is_utf8(rel):
                out[rel] = FileCount(rel, None, "name is not valid UTF-8")
                continue
            if is_symlink_loop(self.root / rel):  # before the jail, which cannot resolve it
                out[rel] = FileCount(rel, None, "symlink loop")
                continue
            try:
                path = jailed_path(self.root, rel)
                st = path.stat()
            except EditError as exc:
                out[rel] = FileCount(rel, None, _REFUSED.get(exc.reason, "outside the project"))
                continue
            except OSError as exc:
                loop = exc.errno == errno.ELOOP
                out[rel] = FileCount(rel, None, "symlink loop" if loop else "unreadable")
                continue
            if not stat.S_ISREG(st.st_mode):  # a FIFO would block the read; a folder fails it
                out[rel] = FileCount(rel, None, "not a regular file")
                continue
            with self._lock:
                entry = self._entries.get(rel)
            if entry and (entry.size, entry.mtime_ns) == (st.st_size, st.st_mtime_ns):
                out[rel] = FileCount(rel, entry.tokens)
                continue
            if st.st_size > self._max:
                out[rel] = FileCount(rel, None, f"too large ({st.st_size:,} bytes)")
                continue
            try:
                data = path.read_bytes()
            except OSError:
                out[rel] = FileCount(rel, None, "unreadable")
                continue
            if b"\x00" in data[:8192]:
                out[rel] = FileCount(rel, None, "binary")
                continue
            digest = hashlib.sha256(data).digest()
            if entry and entry.digest == digest:
                with self._lock:
                    entry.size, entry.mtime_ns = st.st_size, st.st_mtime_ns
                out[rel] = FileCount(rel, entry.tokens)
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                out[rel] = FileCount(rel, None, "not UTF-8")
                continue
            todo.append((rel, st.st_size, st.st_mtime_ns, digest, text))
        counts = self._counter.count_many([render_context_file(r, t) for r, _s, _m, _d, t in todo])
        with self._lock:
            for (rel, size, mtime, digest, _text), n in zip(todo, counts, strict=True):
                self._entries[rel] = _Entry(size, mtime, digest, n)
                out[rel] = FileCount(rel, n)
        return list(out.values())


def iter_files(root: Path, start: Path, rules: IgnoreRules) -> Iterator[str]:
    """Project-relative paths of the non-ignored files under ``start`` (a file or folder).

    Symlinked folders met on the way are never walked. A link met on the way is yielded like a
    file, except a link to a folder inside the project (its files are reached directly); so is
    ``start`` when it is not a folder inside the project (a link out, say): whoever reads it goes
    through ``jailed_path``, which refuses a link out with a reason the user sees, instead of
    dropping it silently. Symlink loops are yielded too, for ``count`` to skip by name."""
    real_root = root.resolve()
    if start.is_file() or is_symlink_loop(start) or not _dir_inside(start, real_root):
        yield start.relative_to(root).as_posix()
        return
    stack = [start]
    while stack:
        folder = stack.pop()
        rel_folder = folder.relative_to(root).as_posix()
        rel_folder = "" if rel_folder == "." else rel_folder
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        names = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
        ignored = rules.filter_names(rel_folder, names)
        subdirs = []
        for entry, (name, is_dir), skip in zip(entries, names, ignored, strict=True):
            if skip:
                continue
            rel = f"{rel_folder}/{name}" if rel_folder else name
            if is_dir:
                subdirs.append(Path(entry.path))
            elif (
                entry.is_file(follow_symlinks=False)
                or _reportable_link(entry, real_root)
                or (entry.is_symlink() and is_symlink_loop(entry.path))
            ):
                yield rel
        stack.extend(reversed(subdirs))


def _reportable_link(entry: os.DirEntry[str], real_root: Path) -> bool:
    """A link the reader must see (and the jail judge): not broken, not a folder inside."""
    return (
        entry.is_symlink()
        and os.path.exists(entry.path)
        and not _dir_inside(Path(entry.path), real_root)
    )


def _dir_inside(path: Path, real_root: Path) -> bool:
    """Whether ``path`` (through any links) is a folder inside the project."""
    try:
        target = path.resolve()
    except (OSError, RuntimeError):
        return False
    return target.is_dir() and (target == real_root or real_root in target.parents)
