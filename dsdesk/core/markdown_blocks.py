"""Split streamed markdown into blocks that are finished and never change again.

The transcript renders each finished block once and re-renders only the open tail, so the cost of
a streamed token does not grow with the answer (docs/ARCHITECTURE.md §6). The splitter works
line by line:
a partial line is only buffered, and each complete line is looked at once, so the work per
``feed`` is proportional to the new text. Decisions depend only on complete lines, which makes the
output independent of how the text was cut into ``feed`` calls; joining every block's ``text``
gives back the input exactly.

Rules (a practical subset of CommonMark, tuned for model output):

- outside a fence, a blank line finishes the paragraph/list/table before it (the blank line is
  part of that block; blank lines before any content belong to the next block);
- an ATX heading is a block of its own, finished at its newline; an unindented one also finishes
  the paragraph before it (headings interrupt paragraphs in CommonMark);
- a line opening a ``` or ~~~ fence (3+ characters, any indentation, so fences nested in list
  items are found) finishes the text before it; the code block ends at a closing fence of the same
  character at least as long, with nothing but whitespace after it. An unclosed fence stays open
  until ``finish()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Block", "BlockKind", "BlockSplitter"]

BlockKind = Literal["markdown", "code"]

_FENCE_OPEN = re.compile(r"^([ \t]*)(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
_EOL = "\r\n"


def _open_fence(line: str) -> tuple[int, str, str] | None:
    """(indent width, fence marker, info string) if ``line`` opens a fence."""
    m = _FENCE_OPEN.match(line.rstrip(_EOL))
    if m is None:
        return None
    marker, info = m.group(2), m.group(3).strip()
    if marker[0] == "`" and "`" in info:
        return None  # "```x```" at a line start is inline code, not a fence (CommonMark)
    return len(m.group(1).expandtabs(4)), marker, info


def _closes_fence(line: str, marker: str) -> bool:
    body = line.strip()
    return len(body) >= len(marker) and body == marker[0] * len(body)


def _language(info: str) -> str:
    # "{.python}" and "python title=x.py" both name python; keep just the word.
    word = info.split(maxsplit=1)[0] if info else ""
    return word.strip("{}.,;:")


def _dedent(line: str, width: int) -> str:
    """Remove up to ``width`` columns of leading spaces (fence indentation inside list items)."""
    i = 0
    while i < len(line) and i < width and line[i] == " ":
        i += 1
    return line[i:]


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of the answer. ``text`` is the raw markdown, fences and blank lines included."""

    kind: BlockKind
    text: str
    language: str = ""
    closed: bool = True  # False only for a fence still open when the stream finished

    @property
    def code(self) -> str:
        """For a code block: the lines between the fences, de-indented, LF, no final newline."""
        if self.kind != "code":
            return ""
        lines = self.text.splitlines()
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines:
            return ""
        opened = _open_fence(lines[0])
        indent, marker = (opened[0], opened[1]) if opened else (0, "```")
        body = lines[1:]
        if self.closed and body and _closes_fence(body[-1], marker):
            body = body[:-1]
        return "\n".join(_dedent(ln, indent) for ln in body)

    @property
    def is_blank(self) -> bool:
        return not self.text.strip()


class BlockSplitter:
    """Incremental block splitter; see the module docstring for the rules."""

    __slots__ = ("_code", "_fence", "_has_content", "_lines", "_partial")

    def __init__(self) -> None:
        self._lines: list[str] = []  # complete lines of the open block, newlines kept
        self._partial: list[str] = []  # pieces of the line being received (joined at its end)
        self._has_content = False  # the open block has a non-blank line
        # Open fence: (indent, marker, language); None outside a fence.
        self._fence: tuple[int, str, str] | None = None
        self._code: list[str] = []  # de-indented code lines of the open fence, for live display

    # -- queries ---------------------------------------------------------------------------------

    @property
    def tail(self) -> str:
        """The open (unfinished) text: what a renderer must redraw on the next update."""
        return "".join(self._lines) + "".join(self._partial)

    @property
    def in_code(self) -> bool:
        """True while the tail is an open code fence."""
        return self._fence is not None

    @property
    def code_language(self) -> str:
        return self._fence[2] if self._fence else ""

    @property
    def code_lines(self) -> list[str]:
        """The open fence's complete code lines (de-indented, LF-terminated); grows by appending,
        so a renderer can append the new ones instead of redrawing the whole block."""
        return self._code

    @property
    def code_partial(self) -> str:
        """The open fence's line being received, de-indented (a trailing CR is held back)."""
        if self._fence is None:
            return ""
        return _dedent("".join(self._partial).rstrip("\r"), self._fence[0])

    # -- input -----------------------------------------------------------------------------------

    def feed(self, text: str) -> list[Block]:
        """Add streamed text; return the blocks it finished, in order."""
        out: list[Block] = []
        start = 0
        nl = text.find("\n")
        while nl != -1:
            if self._partial:
                self._partial.append(text[start : nl + 1])
                line = "".join(self._partial)
                self._partial.clear()
            else:
                line = text[start : nl + 1]
            self._line(line, out)
            start = nl + 1
            nl = text.find("\n", start)
        if start < len(text):
            self._partial.append(text[start:])
        return out

    def finish(self) -> list[Block]:
        """End of stream: return every remaining block (an unclosed fence as ``closed=False``)."""
        out: list[Block] = []
        if self._partial:
            line = "".join(self._partial)
            self._partial.clear()
            self._line(line, out)
        if self._lines:
            if self._fence is not None:
                out.append(Block("code", "".join(self._lines), self._fence[2], closed=False))
            else:
                out.append(Block("markdown", "".join(self._lines)))
        self._reset()
        return out

    # -- internals -------------------------------------------------------------------------------

    def _reset(self) -> None:
        self._lines = []
        self._has_content = False
        self._fence = None
        self._code = []

    def _emit_markdown(self, out: list[Block]) -> None:
        out.append(Block("markdown", "".join(self._lines)))
        self._reset()

    def _line(self, line: str, out: list[Block]) -> None:
        fence = self._fence
        if fence is not None:
            self._lines.append(line)
            if _closes_fence(line, fence[1]):
                out.append(Block("code", "".join(self._lines), fence[2]))
                self._reset()
            else:
                body = _dedent(line, fence[0])
                if body.endswith("\r\n"):
                    body = body[:-2] + "\n"
                self._code.append(body if body.endswith("\n") else body + "\n")
            return
        if not line.strip():
            self._lines.append(line)
            if self._has_content:
                self._emit_markdown(out)
            return
        opened = _open_fence(line)
        if opened is not None:
            if self._has_content:
                self._emit_markdown(out)
            self._lines.append(line)
            self._fence = (opened[0], opened[1], _language(opened[2]))
            self._has_content = True
            return
        if _HEADING.match(line) and not (self._has_content and line[0] in " \t"):
            if self._has_content:
                self._emit_markdown(out)
            self._lines.append(line)
            self._emit_markdown(out)
            return
        self._lines.append(line)
        self._has_content = True
