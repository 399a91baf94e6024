"""Token counts of project files as they would be sent, cached per file.

A file's count is keyed by (size, mtime_ns); when those change, the content hash decides whether
the text really changed (a touch or a checkout of the same bytes costs a hash, not a recount).
Binary files, undecodable files, files over a size limit, names that are not valid UTF-8 (they
cannot be sent) and symlink loops are skipped with a reason.
"""

from __future__ import annotations

import errno
import hashlib
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dsdesk.core.token_count import TokenCounter, render_context_file
from dsdesk.workspace.ignore import IgnoreRules
from dsdesk.workspace.names import is_symlink_loop, is_utf8

MAX_FILE_BYTES = 2 * 2**20  # ≈ 500k tokens of source: past that a file is data, not code


@dataclass(frozen=True, slots=True)
class FileCount:
    rel_path: str
    tokens: int | None  # None when skipped
    # "binary", "too large (N bytes)", "unreadable", "not UTF-8", "name is not valid UTF-8",
    # "symlink loop"
    skipped: str | None = None


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
            path = self.root / rel
            try:
                st = path.stat()
            except OSError as exc:
                loop = exc.errno == errno.ELOOP
                out[rel] = FileCount(rel, None, "symlink loop" if loop else "unreadable")
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
    """Project-relative paths of the non-ignored files under ``start`` (a file or folder),
    never following symlinked folders. Symlink loops are included, for ``count`` to skip by
    name, rather than silently left out."""
    if start.is_file() or is_symlink_loop(start):
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
            elif entry.is_file(follow_symlinks=False) or (
                entry.is_symlink() and is_symlink_loop(entry.path)
            ):
                yield rel
        stack.extend(reversed(subdirs))
