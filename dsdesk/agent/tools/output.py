"""Keeping tool output from flooding the context: head + tail of anything too long, the whole
text kept in an ``OutputStore`` that ``read_output`` pages through (as Codex does).

Lines, here, are lines of at most ``WRAP`` characters: a longer line counts as several. That
keeps every cut on a line boundary of this numbering, so a page is always an exact slice of the
output (pages join back to the original byte for byte) even for a one-line 5 MB minified file,
and the offsets the notes name are the offsets ``read_output`` takes.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

__all__ = [
    "EMPTY_OUTPUT",
    "MAX_OUTPUT_BYTES",
    "MAX_OUTPUT_LINES",
    "WRAP",
    "OutputStore",
    "Page",
    "fit",
    "human_size",
    "page",
    "split_lines",
]

MAX_OUTPUT_BYTES = 10_000
MAX_OUTPUT_LINES = 256
EMPTY_OUTPUT = "(no output)"
# Small enough that one line (4 bytes per character at worst) fits in half the byte budget, so
# a head or a tail always holds at least one whole line.
WRAP = 1_000


def _size(s: str) -> int:
    return len(s.encode("utf-8", "surrogatepass"))


def human_size(n: int) -> str:
    """``n`` bytes for people: "812 B", "12.3 kB", "4.1 MB" (decimal units)."""
    if n < 1_000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1_000:.1f} kB"
    return f"{n / 1_000_000:.1f} MB"


def split_lines(text: str) -> list[str]:
    """``text`` as lines that keep their "\\n", each at most ``WRAP`` characters; joining them
    gives ``text`` back exactly. Only "\\n" ends a line ("\\r" stays in the line it is in)."""
    out: list[str] = []
    start = 0
    n = len(text)
    while start < n:
        nl = text.find("\n", start)
        end = n if nl < 0 else nl + 1
        while end - start > WRAP:
            out.append(text[start : start + WRAP])
            start += WRAP
        out.append(text[start:end])
        start = end
    return out


class OutputStore:
    """The full text of outputs that were cut, per conversation, under ids ``out_1``,
    ``out_2``, … Bounded: the oldest are dropped beyond ``max_items`` outputs or ``max_bytes``
    in all (an output larger than ``max_bytes`` alone is not kept)."""

    def __init__(self, max_items: int = 50, max_bytes: int = 64 * 2**20) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[str, int]] = OrderedDict()  # id -> (text, size)
        self._total = 0
        self._next = 1

    def put(self, text: str) -> str | None:
        """Keep ``text``; its id, or None when it is too large to keep at all."""
        size = _size(text)
        if size > self.max_bytes or self.max_items < 1:
            return None
        out_id = f"out_{self._next}"
        self._next += 1
        self._items[out_id] = (text, size)
        self._total += size
        while len(self._items) > self.max_items or self._total > self.max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self._total -= dropped
        return out_id

    def get(self, out_id: str) -> str | None:
        item = self._items.get(out_id.strip())
        return None if item is None else item[0]

    def __len__(self) -> int:
        return len(self._items)

    @property
    def total_bytes(self) -> int:
        return self._total


def _take(lines: list[str], max_lines: int, max_bytes: int) -> int:
    """How many of ``lines``, from the start, fit in ``max_lines`` and ``max_bytes``."""
    used = 0
    for k, line in enumerate(lines[:max_lines]):
        used += _size(line)
        if used > max_bytes:
            return k
    return min(len(lines), max_lines)


def fit(
    text: str,
    store: OutputStore | None,
    *,
    max_bytes: int = MAX_OUTPUT_BYTES,
    max_lines: int = MAX_OUTPUT_LINES,
) -> str:
    """``text`` as the model gets it: "(no output)" when empty, unchanged when within both
    bounds, else head + note + tail, head and tail each within half of each bound, the whole
    text kept in ``store`` and named in the note."""
    if not text:
        return EMPTY_OUTPUT
    lines = split_lines(text)
    if len(lines) <= max_lines and _size(text) <= max_bytes:
        return text
    head_n = _take(lines, max_lines // 2, max_bytes // 2)
    tail_n = _take(lines[::-1], max_lines // 2, max_bytes // 2)
    tail_n = min(tail_n, len(lines) - head_n - 1)  # something is always cut
    head = "".join(lines[:head_n])
    tail = "".join(lines[len(lines) - tail_n :]) if tail_n > 0 else ""
    cut = lines[head_n : len(lines) - tail_n]
    cut_size = sum(_size(s) for s in cut)
    what = f"{len(cut):,} line{'s' if len(cut) != 1 else ''} ({human_size(cut_size)}) cut"
    out_id = store.put(text) if store is not None else None
    if out_id is None:
        how = "the whole output was too large to keep"
    else:
        how = (
            f'the whole output is {out_id}: read it with read_output(id="{out_id}", '
            f"offset={head_n + 1})"
        )
    note = f"[… {what}; {how} …]\n"
    sep = "" if not head or head.endswith("\n") else "\n"
    return f"{head}{sep}{note}{tail}"


@dataclass(frozen=True, slots=True)
class Page:
    body: str  # an exact slice of the output
    first: int  # 1-based line number of its first line
    last: int  # of its last line (first - 1 when empty)
    total: int  # lines in the whole output

    @property
    def next_offset(self) -> int | None:
        return self.last + 1 if self.last < self.total else None


def page(
    text: str,
    offset: int = 1,
    *,
    max_bytes: int = MAX_OUTPUT_BYTES,
    max_lines: int = MAX_OUTPUT_LINES,
) -> Page:
    """The lines of ``text`` from line ``offset`` (1-based) that fit in the bounds (at least
    one line, which ``WRAP`` keeps within them)."""
    lines = split_lines(text)
    start = max(offset, 1) - 1
    n = max(_take(lines[start:], max_lines, max_bytes), 1 if start < len(lines) else 0)
    body = "".join(lines[start : start + n])
    return Page(body, start + 1, start + n, len(lines))
