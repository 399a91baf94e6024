"""What a card keeps of a command's live output: the head and the tail, never more than a bound.

A command may print gigabytes; the card keeps the first ``head_max`` characters and the last
``tail_max`` (about 2 MB in all), and counts what it dropped in between. Text arrives already
coalesced (one piece per flush), cleaned of escape sequences by ``clean_output``.
"""

from __future__ import annotations

import re
from collections import deque

from dsdesk.core.redact import strip_ansi

__all__ = ["OutputBuffer", "clean_output"]

_HEAD_MAX = 1_000_000
_TAIL_MAX = 1_000_000
_CR_RE = re.compile(r"\r+\n|\r")


def clean_output(text: str, carry: str = "") -> tuple[str, str]:
    """(shown text, carry): ``carry + text`` with escape sequences and control characters
    removed and carriage returns made newlines; an escape sequence cut at the end of a piece is
    carried over to the next one instead of leaking half of it."""
    text = carry + text
    carry = ""
    cut = text.rfind("\x1b", max(0, len(text) - 32))
    if cut >= 0 and _unfinished_escape(text[cut:]):
        text, carry = text[:cut], text[cut:]
    if text.endswith("\r"):  # may be the first half of \r\n
        text, carry = text[:-1], "\r" + carry
    return _CR_RE.sub("\n", strip_ansi(text)), carry


def _unfinished_escape(tail: str) -> bool:
    """``tail`` starts with ESC and is a CSI/OSC sequence that has not ended yet."""
    if len(tail) == 1:
        return True
    if tail[1] == "[":
        return not any("@" <= c <= "~" for c in tail[2:])
    if tail[1] == "]":
        return "\x07" not in tail and "\x1b\\" not in tail
    return False


class OutputBuffer:
    """Head + tail of a stream of text, bounded in memory (see the module docstring)."""

    def __init__(self, head_max: int = _HEAD_MAX, tail_max: int = _TAIL_MAX) -> None:
        self._head_max = head_max
        self._tail_max = tail_max
        self._head: list[str] = []
        self._head_size = 0
        self._tail: deque[str] = deque()
        self._tail_size = 0
        self.dropped = 0  # characters dropped between head and tail
        self.lines = 0  # newlines seen in all the output, dropped or not
        self.total = 0  # characters seen

    def append(self, text: str) -> None:
        if not text:
            return
        self.total += len(text)
        self.lines += text.count("\n")
        room = self._head_max - self._head_size
        if room > 0:
            self._head.append(text[:room])
            self._head_size += min(room, len(text))
            text = text[room:]
            if not text:
                return
        self._tail.append(text)
        self._tail_size += len(text)
        while self._tail_size > self._tail_max:
            over = self._tail_size - self._tail_max
            first = self._tail[0]
            if len(first) <= over:
                self._tail.popleft()
                self._tail_size -= len(first)
                self.dropped += len(first)
            else:
                self._tail[0] = first[over:]
                self._tail_size -= over
                self.dropped += over

    @property
    def size(self) -> int:
        """Characters kept."""
        return self._head_size + self._tail_size

    @property
    def line_count(self) -> int:
        """Lines of output seen (a last line without a newline counts)."""
        last = self._tail[-1] if self._tail else (self._head[-1] if self._head else "")
        return self.lines + (1 if last and not last.endswith("\n") else 0)

    def text(self) -> str:
        """Everything kept, with a marker where output was dropped."""
        if len(self._head) > 1:
            self._head[:] = ["".join(self._head)]
        if len(self._tail) > 1:
            joined = "".join(self._tail)
            self._tail.clear()
            self._tail.append(joined)
        head = self._head[0] if self._head else ""
        tail = self._tail[0] if self._tail else ""
        if not self.dropped:
            return head + tail
        gap = f"\n… {self.dropped:,} characters not kept …\n"
        return head + gap + tail
