"""List one folder of the project: its visible children, sorted for a file tree.

Only ``os.scandir`` plus one ``stat`` per file (for the size): folders cost nothing beyond the
directory read. Never recursive. Symlinks are shown, but a link whose target lies outside the root
(or is broken, or a loop) is never treated as a folder, so nothing walks out of the project.
A name that is not valid UTF-8 is shown escaped (``bad\\xff.py``, as git quotes it) and is never a
folder: the escaped path names nothing on disk, and the raw one would not survive Qt's strings.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from dsdesk.workspace.ignore import IgnoreRules, normalize_rel
from dsdesk.workspace.names import is_utf8, shown

__all__ = ["KINDS", "Entry", "kind_for_name", "list_dir", "sort_key"]

# Coarse file types, for icons. "symlink" is a link that cannot be followed (outside or broken).
KINDS = (
    "folder",
    "python",
    "markdown",
    "config",
    "code",
    "image",
    "text",
    "binary",
    "symlink",
)

_EXT_KINDS: dict[str, str] = {}
for _kind, _exts in {
    "python": "py pyi pyw pyx pxd ipynb",
    "markdown": "md markdown mdx rst adoc",
    "config": "toml yaml yml json jsonc ini cfg conf env lock xml plist properties editorconfig",
    "code": (
        "c h cc cpp cxx hpp hh m mm rs go java kt kts scala swift js mjs cjs jsx ts tsx vue "
        "svelte rb php pl pm lua sh bash zsh fish ps1 bat cmd sql r jl dart cs fs ex exs erl "
        "hs ml clj el vim cmake mk gradle html htm css scss sass less qml ui proto"
    ),
    "image": "png jpg jpeg gif bmp ico icns svg webp tif tiff avif",
    "text": "txt log csv tsv text",
    "binary": (
        "pyc pyo so dll dylib exe o a lib obj bin dat zip gz tgz bz2 xz zst 7z rar tar jar war "
        "whl egg class wasm pdf doc docx xls xlsx ppt pptx odt ttf otf woff woff2 mp3 mp4 "
        "wav ogg flac mov avi mkv webm db sqlite sqlite3 pickle pkl npy npz parquet"
    ),
}.items():
    for _ext in _exts.split():
        _EXT_KINDS["." + _ext] = _kind

_NAME_KINDS = {
    "makefile": "code",
    "dockerfile": "code",
    "justfile": "code",
    "cmakelists.txt": "code",
    ".gitignore": "config",
    ".gitattributes": "config",
    ".gitmodules": "config",
    ".dockerignore": "config",
    ".editorconfig": "config",
    ".env": "config",
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One visible child of a folder. ``rel_path`` uses POSIX separators; ``size`` is 0 for
    folders and links that cannot be followed."""

    name: str
    rel_path: str
    is_dir: bool
    size: int
    kind: str
    is_link: bool = False


def kind_for_name(name: str) -> str:
    """The coarse type of a file from its name alone (no I/O): unknown names count as text."""
    lower = name.lower()
    by_name = _NAME_KINDS.get(lower)
    if by_name is not None:
        return by_name
    return _EXT_KINDS.get(os.path.splitext(lower)[1], "text")


_DIGITS = re.compile(r"(\d+)")


def sort_key(name: str, is_dir: bool) -> tuple[bool, tuple[str | int, ...], str]:
    """Folders first, then case-insensitive with digit runs compared as numbers (file2 < file10).

    ``re.split`` with a capture group alternates text and digits starting with text, so positions
    always hold the same type and tuples compare without TypeError."""
    parts = _DIGITS.split(name.casefold())
    key = tuple(int(p) if i % 2 else p for i, p in enumerate(parts))
    return (not is_dir, key, name)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def list_dir(root: Path, rel: str, rules: IgnoreRules) -> list[Entry]:
    """The visible children of ``root/rel``, folders first; [] if it cannot be read."""
    rel = normalize_rel(rel)
    folder = root / rel if rel else root
    real_root = os.path.realpath(root)
    # ``rel`` may pass through symlinks; refuse one that ends up outside the project.
    if not _inside(os.path.realpath(folder), real_root):
        return []
    raw: list[tuple[str, bool, int, str, bool]] = []
    try:
        with os.scandir(folder) as it:
            for de in it:
                try:
                    raw.append(_describe(de, real_root))
                except OSError:  # vanished between readdir and stat, or unreadable: skip it
                    continue
    except OSError:  # folder gone, not a folder, or permission denied
        return []
    ignored = rules.filter_names(rel, [(r[0], r[1]) for r in raw])
    entries = [
        _entry(rel, name, is_dir, size, kind, is_link)
        for (name, is_dir, size, kind, is_link), hidden in zip(raw, ignored, strict=True)
        if not hidden
    ]
    entries.sort(key=lambda e: sort_key(e.name, e.is_dir))
    return entries


def _entry(rel: str, name: str, is_dir: bool, size: int, kind: str, is_link: bool) -> Entry:
    if not is_utf8(name):
        name, is_dir = shown(name), False
    return Entry(name, f"{rel}/{name}" if rel else name, is_dir, size, kind, is_link)


def _describe(de: os.DirEntry[str], real_root: str) -> tuple[str, bool, int, str, bool]:
    """(name, is_dir, size, kind, is_link) for one scandir entry."""
    name = de.name
    if not de.is_symlink():
        if de.is_dir(follow_symlinks=False):  # from d_type: no syscall on most filesystems
            return name, True, 0, "folder", False
        return name, False, de.stat(follow_symlinks=False).st_size, kind_for_name(name), False
    try:
        target = os.path.realpath(de.path)
        st = os.stat(target)
    except OSError:  # broken link or a loop
        return name, False, 0, "symlink", True
    if stat.S_ISDIR(st.st_mode):
        if _inside(target, real_root):
            return name, True, 0, "folder", True
        return name, False, 0, "symlink", True
    return name, False, st.st_size, kind_for_name(name), True
