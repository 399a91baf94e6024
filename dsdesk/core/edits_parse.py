"""Find the file edits in a model's answer: SEARCH/REPLACE blocks, unified diffs and whole new
files in fenced blocks. Only the answer (``content``) is parsed, never the reasoning.

The parser is a line-by-line state machine: a partial line is only buffered, and every complete
line is looked at once, so ``EditStreamParser.feed`` costs time proportional to the new text and
yields exactly what ``parse_edits`` yields on the whole answer, however the text was cut.
A block is yielded only once complete: a SEARCH/REPLACE block at its ``>>>>>>> REPLACE`` line, a
whole file at its closing fence, a diff hunk at the line after it. Anything still open when the
answer ends is dropped (the answer was cut off; half an edit is worse than none), except a diff
hunk whose ``@@`` line counts are met (see ``edits_udiff``).

Where the file path comes from, for a SEARCH/REPLACE block (first found wins):
the last non-blank line before ``<<<<<<< SEARCH`` inside the fence (e.g. its first line), the
path in the fence's info string, the line before the fence (prose naming one backticked path is
enough here), a fenced block holding only a path just before, the previous block's path (in the
same fence, else in the answer). A block with no path at all is dropped. A fenced block that holds
no edit markers is a whole new file only when the line before it is nothing but a path
("`src/new.py`:", "**src/new.py**", "File: src/new.py"); a language tag is never a path. Inside
such a block a fence with an info string ("```bash") opens a nested fence, so a whole markdown
file with code blocks is not cut short at its first inner closing fence.

Between ``<<<<<<< SEARCH`` and ``>>>>>>> REPLACE`` every line is block text, fences included, so
edits to markdown files survive. A stray ``=======`` inside a SEARCH section cannot be told from
the divider; a ``>>>>>>> REPLACE`` before the divider, or a new ``<<<<<<< SEARCH`` before the end,
makes the block malformed and it is dropped. Line endings: a trailing "\\r" is removed from every
line, so the blocks always use "\\n".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dsdesk.core.edits_syntax import (
    DIVIDER_RE,
    NEAR_MARKER_RE,
    REPLACE_RE,
    SEARCH_RE,
    Draft,
    EditKind,
    dedent,
    fence_closes,
    fence_open,
    info_path,
    join_lines,
    loose_path,
    strict_path,
)
from dsdesk.core.edits_udiff import DiffSection, strict_hunk_header

__all__ = ["EditBlock", "EditKind", "EditStreamParser", "parse_edits"]


@dataclass(frozen=True, slots=True)
class EditBlock:
    index: int  # 0-based order of the block in the answer
    path: str  # project-relative path as the model wrote it (no quotes/backticks/leading "./")
    search: str  # text to find ("" = create a new file / append to an empty file)
    replace: str  # replacement text
    kind: EditKind
    line: int  # 1-based line in the answer where the block starts (for reports)
    delete: bool = False  # delete the file (a diff to /dev/null); search and replace are ""


@dataclass(slots=True)
class _Fence:
    char: str
    length: int
    indent: int
    line: int
    diff_tag: bool  # info string says diff/patch: "@@ ... @@" starts a hunk even without numbers
    file_path: str | None  # strict path on the line before: a whole-file candidate
    default: str | None  # path for a block inside that names none
    lines: list[str] = field(default_factory=list)  # kept only for whole-file candidates
    inner: list[tuple[str, int]] = field(default_factory=list)  # fences open inside a whole file
    edits: bool = False  # a SEARCH/REPLACE block or a diff was found inside
    last: str | None = None  # last non-blank line since the fence opened or the last block
    nonblank: int = 0
    first: str | None = None  # first non-blank content line


@dataclass(slots=True)
class _SR:
    path: str | None
    line: int
    search: list[str] = field(default_factory=list)
    replace: list[str] | None = None  # None while still in the SEARCH section


class EditStreamParser:
    """Incremental parser for a streaming answer; see the module docstring for the rules."""

    def __init__(self) -> None:
        self._tail: list[str] = []  # the unfinished last line, in pieces
        self._n = 0  # complete lines handled
        self._blocks: list[EditBlock] = []
        self._new: list[EditBlock] = []
        self._fence: _Fence | None = None
        self._sr: _SR | None = None
        self._diff: DiffSection | None = None
        self._prev: str | None = None  # last non-blank line outside fences
        self._fence_path: str | None = None  # from a fenced block holding only a path
        self._last_path: str | None = None
        self._pending_old: tuple[str, int] | None = None  # a "--- x" line: maybe a diff header
        self._done = False

    @property
    def blocks(self) -> list[EditBlock]:
        """All blocks completed so far, in answer order."""
        return list(self._blocks)

    def summary(self) -> str:
        """A count like "3 edits for 2 files"; "" when there are none."""
        n, files = len(self._blocks), len({b.path for b in self._blocks})
        if n == 0:
            return ""
        return f"{n} edit{'s' if n != 1 else ''} for {files} file{'s' if files != 1 else ''}"

    def feed(self, text: str) -> list[EditBlock]:
        """Take the next piece of the answer; return the blocks it completed."""
        if self._done:
            raise RuntimeError("feed() after finish()")
        self._new = []
        parts = text.split("\n")
        if len(parts) == 1:
            if text:
                self._tail.append(text)
            return []
        self._line("".join(self._tail) + parts[0])
        for part in parts[1:-1]:
            self._line(part)
        self._tail = [parts[-1]] if parts[-1] else []
        return self._new

    def finish(self) -> list[EditBlock]:
        """The answer is complete: handle its last line and drop whatever is still open."""
        if self._done:
            return []
        self._new = []
        if self._tail:
            self._line("".join(self._tail))
            self._tail = []
        self._done = True
        if self._diff is not None:
            self._end_diff(truncated=True)
        self._sr = None  # no ">>>>>>> REPLACE": incomplete
        self._fence = None  # unclosed: a whole file would be cut off
        return self._new

    # -- lines --------------------------------------------------------------------------------

    def _line(self, raw: str) -> None:
        self._n += 1
        line = raw[:-1] if raw.endswith("\r") else raw
        if self._fence is not None:
            line = dedent(line, self._fence.indent)
        if self._sr is not None:
            self._sr_line(line)
            return
        if self._diff is not None:
            if self._diff.feed(line, self._n):
                return
            self._end_diff(truncated=False)
        if self._fence is not None:
            self._fence_line(line, self._fence)
        else:
            self._text_line(line)

    def _text_line(self, line: str) -> None:
        pending, self._pending_old = self._pending_old, None
        opened = fence_open(line)
        if opened is not None:
            info = opened.info
            self._fence = _Fence(
                char=opened.char,
                length=opened.length,
                indent=opened.indent,
                line=self._n,
                diff_tag=info.split(maxsplit=1)[0].lower() in ("diff", "patch") if info else False,
                file_path=strict_path(self._prev),
                default=info_path(info) or loose_path(self._prev) or self._fence_path,
            )
            self._prev = self._fence_path = None
            return
        if SEARCH_RE.match(line):
            path = loose_path(self._prev) or self._fence_path or self._last_path
            self._sr = _SR(path, self._n)
            self._prev = self._fence_path = None
            return
        if line.startswith("+++ ") and pending is not None:
            self._start_diff(pending, line)
            return
        if line.startswith("--- "):
            self._pending_old = (line, self._n)
        if line.strip():
            self._prev = line
            self._fence_path = None

    def _fence_line(self, line: str, f: _Fence) -> None:
        pending, self._pending_old = self._pending_old, None
        whole = f.file_path is not None and not f.edits
        if whole and (opened := fence_open(line)) is not None and opened.info:
            # "```bash" inside a whole markdown file opens a fence of its own (not CommonMark,
            # which would close the outer fence at the inner one's end and cut the file short).
            f.inner.append((opened.char, opened.length))
        elif f.inner and fence_closes(line, *f.inner[-1]):
            f.inner.pop()
        elif fence_closes(line, f.char, f.length):
            self._close_fence(f)
            return
        if SEARCH_RE.match(line):
            path = strict_path(f.last) or f.default or self._last_path
            self._sr = _SR(path, self._n)
            f.edits = True
            return
        if line.startswith("+++ ") and pending is not None:
            f.edits = True
            self._start_diff(pending, line)
            return
        if strict_hunk_header(line) or (f.diff_tag and line.startswith("@@")):
            f.edits = True
            path = strict_path(f.last) or f.default or self._last_path
            self._diff = DiffSection(self._emit, path)
            self._diff.feed(line, self._n)
            return
        if line.startswith("--- "):
            self._pending_old = (line, self._n)
        if whole and NEAR_MARKER_RE.match(line):
            f.file_path = None
        elif whole:
            f.lines.append(line)
        if line.strip():
            f.last = line
            f.nonblank += 1
            if f.first is None:
                f.first = line

    def _close_fence(self, f: _Fence) -> None:
        self._fence = None
        self._prev = None
        if f.edits:
            return
        if f.file_path is not None:
            self._emit(Draft(f.file_path, "", join_lines(f.lines), "whole_file", f.line))
        elif f.nonblank == 1:
            self._fence_path = strict_path(f.first)

    def _sr_line(self, line: str) -> None:
        sr = self._sr
        assert sr is not None
        if SEARCH_RE.match(line):
            self._sr = _SR(sr.path, self._n)  # the open block was never finished: dropped
        elif sr.replace is None:
            if DIVIDER_RE.match(line):
                sr.replace = []
            elif REPLACE_RE.match(line):
                self._sr = None  # no divider: malformed, dropped
            else:
                sr.search.append(line)
        elif REPLACE_RE.match(line):
            self._sr = None
            if sr.path is not None:
                self._emit(
                    Draft(
                        sr.path,
                        join_lines(sr.search),
                        join_lines(sr.replace),
                        "search_replace",
                        sr.line,
                    )
                )
            if self._fence is not None:
                self._fence.last = None
                self._fence.default = sr.path or self._fence.default
        else:
            sr.replace.append(line)

    # -- diffs --------------------------------------------------------------------------------

    def _start_diff(self, old: tuple[str, int], new_line: str) -> None:
        self._diff = DiffSection(self._emit, None)
        self._diff.begin_file(old[0], new_line, old[1])
        self._prev = self._fence_path = None

    def _end_diff(self, *, truncated: bool) -> None:
        diff, self._diff = self._diff, None
        if diff is not None:
            diff.end(truncated=truncated)

    def _emit(self, d: Draft) -> None:
        if not d.delete:
            self._last_path = d.path
        block = EditBlock(len(self._blocks), d.path, d.search, d.replace, d.kind, d.line, d.delete)
        self._blocks.append(block)
        self._new.append(block)


def parse_edits(answer: str) -> list[EditBlock]:
    """All complete edit blocks in a whole answer."""
    parser = EditStreamParser()
    parser.feed(answer)
    parser.finish()
    return parser.blocks
