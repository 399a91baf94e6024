"""Conversation titles made locally from the first prompt (no request to the model)."""

from __future__ import annotations

import re

MAX_TITLE = 60
UNTITLED = "New conversation"

_FENCE = re.compile(r"^(```|~~~).*?(^\1[ \t]*$|\Z)", re.M | re.S)
_LEAD = re.compile(r"^(?:[\s>#*+\-]+|\d+[.)]\s+)+")
_EMPHASIS = re.compile(r"`+|(?<!\w)[*_]+|[*_]+(?!\w)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SEARCH_REPLACE = re.compile(r"^(<{5,}|={5,}|>{5,}).*$", re.M)


def make_title(prompt: str, max_len: int = MAX_TITLE) -> str:
    """The first line of prose of ``prompt``, without markdown, cut at a word near ``max_len``.

    Code blocks are skipped; a prompt with nothing but code is titled by its first code line.
    """
    text = _SEARCH_REPLACE.sub("", _FENCE.sub("", prompt))
    line = _first_line(text) or _first_line(re.sub(r"^(```|~~~).*$", "", prompt, flags=re.M))
    if not line:
        return UNTITLED
    line = _LINK.sub(r"\1", line)
    line = " ".join(_EMPHASIS.sub("", _LEAD.sub("", line)).split())
    if not line:
        return UNTITLED
    if len(line) <= max_len:
        return line
    cut = line[: max_len - 1]
    space = cut.rfind(" ")
    if space >= max_len // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def _first_line(text: str) -> str:
    for raw in text.splitlines():
        line = raw.strip()
        if line:
            return line
    return ""
