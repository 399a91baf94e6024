"""Line hunks between two versions of a file, so a review can accept or reject each one.

Lines are ``text.split("\\n")``: a final newline shows up as a last empty line, which makes
``"\\n".join`` restore any text exactly (so accepting every hunk gives ``new`` and accepting none
gives ``old``, byte for byte). Adding or removing only a final newline is a hunk of one empty line.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

__all__ = ["Hunk", "apply_hunks", "diff_hunks", "unified_diff"]


@dataclass(frozen=True, slots=True)
class Hunk:
    index: int
    old_start: int  # 0-based first line in old
    old_lines: tuple[str, ...]  # the removed lines (no newlines)
    new_start: int  # 0-based first line in new
    new_lines: tuple[str, ...]  # the added lines


def diff_hunks(old: str, new: str) -> list[Hunk]:
    """One hunk per changed region, in order."""
    a, b = old.split("\n"), new.split("\n")
    # difflib is quadratic-ish on long files; an edit usually touches a small middle part, so
    # the common head and tail are cut off first (this also keeps hunks tight around the change).
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    ma, mb = a[head : len(a) - tail], b[head : len(b) - tail]
    # autojunk off: with it, frequent lines (blank ones, "}") are ignored and hunks get huge.
    sm = difflib.SequenceMatcher(None, ma, mb, autojunk=False)
    hunks: list[Hunk] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        if hunks and hunks[-1].old_start + len(hunks[-1].old_lines) == head + i1:
            prev = hunks.pop()  # adjacent changes are one region
            hunks.append(
                Hunk(
                    prev.index,
                    prev.old_start,
                    prev.old_lines + tuple(ma[i1:i2]),
                    prev.new_start,
                    prev.new_lines + tuple(mb[j1:j2]),
                )
            )
            continue
        hunks.append(Hunk(len(hunks), head + i1, tuple(ma[i1:i2]), head + j1, tuple(mb[j1:j2])))
    return hunks


def line_counts(hunks: Sequence[Hunk]) -> tuple[int, int]:
    """(lines added, lines removed) by these hunks."""
    return sum(len(h.new_lines) for h in hunks), sum(len(h.old_lines) for h in hunks)


def apply_hunks(old: str, hunks: Sequence[Hunk], accepted: Collection[int]) -> str:
    """``old`` with only the hunks whose ``index`` is in ``accepted`` applied. The hunks must come
    from ``diff_hunks(old, ...)``; ValueError if one does not fit ``old``."""
    a = old.split("\n")
    out: list[str] = []
    pos = 0
    for h in sorted(hunks, key=lambda h: h.old_start):
        end = h.old_start + len(h.old_lines)
        if h.old_start < pos or tuple(a[h.old_start : end]) != h.old_lines:
            raise ValueError(f"hunk {h.index} does not fit the text at line {h.old_start + 1}")
        out.extend(a[pos : h.old_start])
        out.extend(h.new_lines if h.index in accepted else h.old_lines)
        pos = end
    out.extend(a[pos:])
    return "\n".join(out)


def _keepends(text: str) -> list[str]:
    # splitlines() would also split on \x0c, \u2028 and friends; files here only use "\n".
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def unified_diff(old: str, new: str, path: str, context: int = 3) -> str:
    """A ``git diff``-style unified diff (``a/``/``b/`` prefixes); "" when nothing changed.
    A last line without a newline is marked ``\\ No newline at end of file``, as git does."""
    out: list[str] = []
    for line in difflib.unified_diff(
        _keepends(old), _keepends(new), f"a/{path}", f"b/{path}", n=context
    ):
        # Header lines always end with "\n"; a data line without one was the file's last.
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
