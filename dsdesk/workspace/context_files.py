"""Read project files for the model's context, each through the read jail: a file the project
links to outside itself (or one in .git/) is refused with a sentence the user sees, never read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dsdesk.core.errors import EditError
from dsdesk.workspace.edit_plan import fingerprint
from dsdesk.workspace.jail import jailed_path
from dsdesk.workspace.names import shown
from dsdesk.workspace.token_cache import FileTokenCache

__all__ = ["Attached", "ContextRead", "read_context_files"]


@dataclass(frozen=True, slots=True)
class Attached:
    rel_path: str
    tokens: int
    text: str
    fingerprint: tuple[int, int] | None = None  # (size, mtime_ns) when read


@dataclass(frozen=True, slots=True)
class ContextRead:
    files: list[Attached]  # readable text files with their counts
    skipped: list[str]  # "rel (reason)": binary, too large, unreadable...
    refused: list[str]  # sentences: what the jail kept out, and why


def read_context_files(root: Path, rels: list[str], cache: FileTokenCache) -> ContextRead:
    """Read and count ``rels`` (blocking: run it off the GUI thread)."""
    paths: dict[str, Path] = {}
    refused: list[str] = []
    for rel in rels:
        try:
            paths[rel] = jailed_path(root, rel)
        except EditError as exc:
            refused.append(exc.user_message)
    counts = {c.rel_path: c for c in cache.count(list(paths))}
    ok: list[Attached] = []
    skipped: list[str] = []
    for rel, path in paths.items():
        c = counts[rel]
        if c.tokens is None:
            skipped.append(f"{shown(rel)} ({c.skipped})")
            continue
        try:
            text = path.read_text(encoding="utf-8")
            fp = fingerprint(path)
        except (OSError, UnicodeDecodeError):
            skipped.append(f"{shown(rel)} (unreadable)")
            continue
        ok.append(Attached(rel, c.tokens, text, fp))
    return ContextRead(ok, skipped, refused)
