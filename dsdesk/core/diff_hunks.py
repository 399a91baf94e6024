"""Line hunks between two versions of a file, so a review can accept or reject each one."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Hunk:
    index: int
    old_start: int
    old_lines: tuple[str, ...]
    new_start: int
    new_lines: tuple[str, ...]


def _split(text: str) -> list[str]:
    # split("\n") keeps a final "" element, so joining restores the text exactly.
    return text.split("\n")


def diff_hunks(old: str, new: str) -> list[Hunk]:
    a, b = _split(old), _split(new)
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    hunks: list[Hunk] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal":
            hunks.append(Hunk(len(hunks), i1, tuple(a[i1:i2]), j1, tuple(b[j1:j2])))
    return hunks


def apply_hunks(old: str, hunks: Sequence[Hunk], accepted: Collection[int]) -> str:
    """``old`` with only the accepted hunks applied (hunks as returned by ``diff_hunks``)."""
    a = _split(old)
    out: list[str] = []
    pos = 0
    for h in sorted(hunks, key=lambda h: h.old_start):
        out.extend(a[pos : h.old_start])
        out.extend(h.new_lines if h.index in accepted else h.old_lines)
        pos = h.old_start + len(h.old_lines)
    out.extend(a[pos:])
    return "\n".join(out)


def unified_diff(old: str, new: str, path: str, context: int = 3) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"a/{path}",
            f"b/{path}",
            n=context,
        )
    )
