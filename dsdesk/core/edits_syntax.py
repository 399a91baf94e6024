"""The small pieces of syntax the edit parser recognises: markers, fences and file paths.

Everything here looks at one line at a time, so the streaming parser can decide as each line
completes. Path recognition is deliberately narrow: a line names a file only when, once its
markdown decoration is removed, what is left is a single path whose last part looks like a file
name (``src/app.py``, ``Makefile``, ``.gitignore``) — prose, language tags and numbers are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

EditKind = Literal["search_replace", "whole_file", "diff_hunk"]


@dataclass(frozen=True, slots=True)
class Draft:
    """A finished block before it gets its index (the parser numbers blocks in answer order)."""

    path: str
    search: str
    replace: str
    kind: EditKind
    line: int
    delete: bool = False


# 5-9 marker characters: models drop or add one now and then; spaces around the word are optional.
SEARCH_RE = re.compile(r"^<{5,9}\s*SEARCH\s*$", re.IGNORECASE)
DIVIDER_RE = re.compile(r"^={5,9}\s*$")
REPLACE_RE = re.compile(r"^>{5,9}\s*REPLACE\s*$", re.IGNORECASE)
# A marker with the wrong number of characters: its fence is a broken edit, never a whole file.
NEAR_MARKER_RE = re.compile(r"^(?:<{3,}\s*SEARCH|>{3,}\s*REPLACE)\b", re.IGNORECASE)

_FENCE_RE = re.compile(r"^( *)(`{3,}|~{3,})(.*)$")

# Extensionless names that are still clearly files.
_BARE_FILES = frozenset(
    {
        *("Makefile", "makefile", "GNUmakefile", "Dockerfile", "Containerfile", "Procfile"),
        *("Gemfile", "Rakefile", "Vagrantfile", "Jenkinsfile", "Justfile", "justfile"),
        *("LICENSE", "LICENCE", "README", "CHANGELOG", "AUTHORS", "NOTICE", "COPYING"),
        *("CODEOWNERS", "BUILD", "WORKSPACE"),
    }
)
_PATH_CHARS = re.compile(r"^[\w./\\@+~-]+$")
_EXTENSION = re.compile(r"^[\w+-]*[A-Za-z][\w+-]*$")
_LABEL = re.compile(r"^(?:file ?name|file|path)\s*:\s*", re.IGNORECASE)
# A markdown heading, list bullet or line comment in front of a path ("# src/x.py" inside a fence).
_LEAD = re.compile(r"^(?:#{1,6}\s+|//\s*|--\s+|;\s*|[-*+]\s+|\d+[.)]\s+)")
_WRAPPERS = ("**", "__", "`", "'", '"', "*")
_BACKTICKED = re.compile(r"`([^`\n]+)`")


def join_lines(lines: list[str]) -> str:
    """Block text as the matcher expects it: every line ends with a newline; no lines -> ""."""
    return "".join(line + "\n" for line in lines)


@dataclass(frozen=True, slots=True)
class FenceOpen:
    indent: int
    char: str
    length: int
    info: str


def fence_open(line: str) -> FenceOpen | None:
    m = _FENCE_RE.match(line)
    if m is None or len(m.group(1)) > 3:
        return None
    marker, info = m.group(2), m.group(3).strip()
    if marker[0] == "`" and "`" in info:
        return None  # "```x```" is inline code, not a fence (CommonMark)
    return FenceOpen(len(m.group(1)), marker[0], len(marker), info)


def fence_closes(line: str, char: str, length: int) -> bool:
    body = line.strip()
    return len(body) >= length and body == char * len(body)


def dedent(line: str, width: int) -> str:
    """Drop up to ``width`` leading spaces (the indentation of a fence inside a list item)."""
    i = 0
    while i < width and i < len(line) and line[i] == " ":
        i += 1
    return line[i:]


def looks_like_path(text: str) -> bool:
    """True when ``text`` (already undecorated) is a single relative or absolute file path."""
    if not text or len(text) > 300 or "://" in text or text.startswith("-"):
        return False
    if not _PATH_CHARS.match(text) or text.endswith(("/", "\\")):
        return False
    name = re.split(r"[/\\]", text)[-1]
    if name in _BARE_FILES:
        return True
    stem, dot, ext = name.rpartition(".")
    if not dot or name in (".", ".."):
        return False
    # "v1.2" and "1.5" are numbers; "e.g." ends with a dot: neither is a file name.
    return bool(_EXTENSION.match(ext)) and any(c.isalpha() for c in stem + ext)


def _undecorate(line: str) -> str:
    s = line.strip()
    for _ in range(4):  # decorations nest: **`File: src/x.py`**:
        before = s
        s = _LEAD.sub("", s, count=1).strip()
        s = _LABEL.sub("", s, count=1).strip()
        if s.endswith(":"):
            s = s[:-1].rstrip()
        for w in _WRAPPERS:
            if len(s) > 2 * len(w) and s.startswith(w) and s.endswith(w):
                s = s[len(w) : -len(w)].strip()
        s = _LABEL.sub("", s, count=1).strip()
        if s == before:
            break
    return s


def clean_path(text: str) -> str:
    """The path as the model wrote it, minus quotes, backticks and a leading "./"."""
    s = text.strip().strip("`'\"").strip()
    while s.startswith("./"):
        s = s[2:]
    return s


def strict_path(line: str | None) -> str | None:
    """The path when the whole line is a (decorated) path: "`src/x.py`:", "**src/x.py**",
    "File: src/x.py", "# src/x.py"."""
    if line is None:
        return None
    s = clean_path(_undecorate(line))
    return s if looks_like_path(s) else None


def loose_path(line: str | None) -> str | None:
    """Like ``strict_path``, or prose naming exactly one backticked path ("Change `x.py`:").
    Only used right before a SEARCH/REPLACE block, whose markers make the intent explicit."""
    if line is None:
        return None
    found = strict_path(line)
    if found is not None:
        return found
    paths = {clean_path(p) for p in _BACKTICKED.findall(line)}
    paths = {p for p in paths if looks_like_path(p)}
    return paths.pop() if len(paths) == 1 else None


def info_path(info: str) -> str | None:
    """A path given in a fence's info string ("```python src/x.py", "```src/x.py",
    "```python:src/x.py"). A bare language tag ("python") is never a path."""
    for word in re.split(r"[\s:]+", info):
        p = clean_path(word)
        if ("." in p or "/" in p) and looks_like_path(p):
            return p
    return None
