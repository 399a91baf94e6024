"""Walking the project for ``glob`` and ``grep``: the file tree's own listing code (gitignore
honoured, ``.git`` hidden, links out of the project never followed), and glob patterns.

Glob patterns, as ripgrep's ``-g`` and ``.gitignore`` read them: a pattern without "/" matches a
file name at any depth (``*.py``); one with "/" matches the whole path from the root
(``src/*.py`` only directly in src, ``src/**/*.py`` at any depth below it). ``*`` and ``?`` stay
within one path segment, ``**`` spans any number of them, ``[abc]`` is a class and ``{a,b}``
alternatives (``**/*.{ts,tsx}``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

from dsdesk.workspace.ignore import IgnoreRules
from dsdesk.workspace.listing import Entry, list_dir

__all__ = ["Glob", "walk_files"]


class Stopped(Exception):
    """The walk was asked to stop (the call was cancelled or ran out of time)."""


def walk_files(
    root: Path, start: str, rules: IgnoreRules, stop: threading.Event | None = None
) -> Iterator[Entry]:
    """The visible files under the folder ``start`` (rel to the real ``root``, "" for the
    root), folder by folder, each folder's files in path order. Symlinked folders are not
    entered (no loops, no file seen twice); links that cannot be followed inside the project
    are skipped."""
    stack = [start]
    while stack:
        if stop is not None and stop.is_set():
            raise Stopped
        folder = stack.pop()
        entries = list_dir(root, folder, rules)
        subdirs: list[str] = []
        for e in sorted(entries, key=lambda e: e.name):
            if e.is_dir:
                if not e.is_link:
                    subdirs.append(e.rel_path)
            elif e.kind != "symlink":
                yield e
        stack.extend(reversed(subdirs))


def _segment(seg: str) -> str:
    """One path segment's pattern (no "/", no "**") as a regex."""
    out: list[str] = []
    i, n = 0, len(seg)
    while i < n:
        c = seg[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            close = seg.find("]", i + 2 if seg[i + 1 : i + 2] in ("!", "^", "]") else i + 1)
            if close < 0:
                out.append(re.escape(c))
            else:
                body = seg[i + 1 : close]
                neg = body[:1] in ("!", "^")
                body = body[1:] if neg else body
                out.append(("[^/" if neg else "[") + body.replace("\\", "\\\\") + "]")
                i = close
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _braces(pattern: str) -> list[str]:
    """``{a,b}`` alternatives expanded (nested too); a lone "{" is literal."""
    start = pattern.find("{")
    while start >= 0:
        depth = 0
        for k in range(start, len(pattern)):
            if pattern[k] == "{":
                depth += 1
            elif pattern[k] == "}":
                depth -= 1
                if depth == 0:
                    inner = pattern[start + 1 : k]
                    parts, level, last = [], 0, 0
                    for j, ch in enumerate(inner):
                        level += (ch == "{") - (ch == "}")
                        if ch == "," and level == 0:
                            parts.append(inner[last:j])
                            last = j + 1
                    parts.append(inner[last:])
                    if len(parts) < 2:
                        break
                    head, tail = pattern[:start], pattern[k + 1 :]
                    return [x for p in parts for x in _braces(head + p + tail)]
        start = pattern.find("{", start + 1)
    return [pattern]


def _regex(pattern: str) -> str:
    segs = [s for s in pattern.split("/") if s]
    out = ""
    for k, seg in enumerate(segs):
        last = k == len(segs) - 1
        if seg == "**":
            out += ".*" if last else "(?:[^/]+/)*"
        else:
            out += _segment(seg) + ("" if last else "/")
    return out


class Glob:
    """A compiled glob pattern (see the module docstring)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern.strip().replace("\\", "/")
        while self.pattern.startswith("./"):
            self.pattern = self.pattern[2:]
        alts = _braces(self.pattern)
        self.by_name = "/" not in self.pattern.rstrip("/")
        if self.by_name:
            alts = [a.strip("/") for a in alts]
        self._re = re.compile("|".join(f"(?:{_regex(a)})" for a in alts) + r"\Z", re.DOTALL)

    def matches(self, rel_path: str) -> bool:
        if self.by_name:
            return self._re.match(rel_path.rpartition("/")[2]) is not None
        return self._re.match(rel_path) is not None

    def base(self) -> str:
        """The folder every match lies under (its leading literal segments): where to start
        walking instead of the root."""
        if self.by_name:
            return ""
        segs = [s for s in self.pattern.split("/") if s][:-1]
        literal: list[str] = []
        for s in segs:
            if any(c in s for c in "*?[{") or s in (".", ".."):
                break
            literal.append(s)
        return "/".join(literal)
