"""Unified diffs in an answer, turned into edit blocks as their lines arrive.

Each hunk becomes a ``diff_hunk`` block (search = context + removed lines, replace = context +
added lines); line numbers in ``@@`` headers are ignored because models get them wrong, and the
matcher finds the place by content. ``--- /dev/null`` creates a file (one ``whole_file`` block with
all added lines); ``+++ /dev/null`` deletes one (``delete=True``).

Hunk lines are recognised by syntax, not by the header's counts. A blank line inside a hunk is
taken as a blank context line whose leading space got lost, but only when more hunk lines follow;
blank lines at the end of a hunk are dropped (context, so harmless). A removed line reading
``--- x`` followed by ``+++ y`` is the next file's header, not an edit.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from dsdesk.core.edits_syntax import Draft, clean_path, join_lines

_HUNK_RE = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
# git's extended header lines between files; they carry nothing the edit needs.
_GIT_HEADER = (
    "diff ",
    "index ",
    "new file mode",
    "deleted file mode",
    "old mode",
    "new mode",
    "similarity index",
    "dissimilarity index",
    "rename from",
    "rename to",
    "copy from",
    "copy to",
    "Binary files",
)
NULL = "/dev/null"


def strict_hunk_header(line: str) -> bool:
    """``@@ -a,b +c,d @@``: a hunk even without file headers (inside a fence)."""
    return _HUNK_RE.match(line) is not None


def _header_name(line: str) -> str:
    # "--- a/x.py\t2024-01-01 10:00" -> "a/x.py"
    return clean_path(line[4:].split("\t")[0])


def header_paths(old_line: str, new_line: str) -> tuple[str, bool, bool]:
    """(path, creates, deletes) from a ``---``/``+++`` header pair."""
    old, new = _header_name(old_line), _header_name(new_line)
    if old == NULL:
        return new.removeprefix("b/"), True, False
    if new == NULL:
        return old.removeprefix("a/"), False, True
    if old.startswith("a/") and new.startswith("b/"):
        return new[2:], False, False
    return new, False, False


@dataclass(slots=True)
class _Hunk:
    line: int
    counts: tuple[int, int] | None  # (old, new) from the header, to judge a hunk cut off at EOF
    lines: list[tuple[str, str]] = field(default_factory=list)  # (" " | "-" | "+", text)
    blanks: int = 0  # blank lines seen but not yet known to be context

    def complete_by_counts(self) -> bool:
        if self.counts is None:
            return False
        old = sum(1 for tag, _ in self.lines if tag != "+")
        new = sum(1 for tag, _ in self.lines if tag != "-")
        return (old, new) == self.counts


def _counts(line: str) -> tuple[int, int] | None:
    m = _HUNK_RE.match(line)
    if m is None:
        return None
    return int(m.group(1) or 1), int(m.group(2) or 1)


class DiffSection:
    """One run of diff lines (possibly several files). ``feed`` returns False for the first line
    that is not part of the diff; the caller then calls ``end`` and handles that line itself."""

    def __init__(self, emit: Callable[[Draft], None], path: str | None) -> None:
        self._emit = emit
        self._path = path  # None: no usable file name, blocks are dropped
        self._create = False
        self._created: list[str] = []
        self._create_line = 0
        self._no_final_newline = False
        self._hunk: _Hunk | None = None
        self._pending_old: tuple[str, int] | None = None

    def begin_file(self, old_line: str, new_line: str, line_no: int) -> None:
        self._end_file()
        path, create, delete = header_paths(old_line, new_line)
        self._path = path or None
        self._create, self._created = create, []
        self._create_line, self._no_final_newline = line_no, False
        if delete and self._path is not None:
            # Nothing after "+++ /dev/null" can change the intent, so the block is complete here.
            self._emit(Draft(self._path, "", "", "whole_file", line_no, delete=True))
            self._path = None  # the removed lines that follow are not edits

    def feed(self, line: str, line_no: int) -> bool:
        hunk = self._hunk
        pending, self._pending_old = self._pending_old, None  # a header pair is two lines in a row
        if line.startswith("@@"):
            self._close_hunk()
            self._hunk = _Hunk(line_no, _counts(line))
            return True
        if hunk is not None:
            if line == "":
                hunk.blanks += 1
                return True
            tag = line[0]
            if tag == "+" and line.startswith("+++ ") and hunk.blanks == 0 and hunk.lines:
                last_tag, last_text = hunk.lines[-1]
                if last_tag == "-" and last_text.startswith("-- "):
                    hunk.lines.pop()  # that "removed line" was the next file's "--- " header
                    self.begin_file("-" + last_text, line, line_no - 1)
                    return True
            if tag in " +-":
                hunk.lines.extend((" ", "") for _ in range(hunk.blanks))
                hunk.blanks = 0
                hunk.lines.append((tag, line[1:]))
                return True
            if tag == "\\":  # "\ No newline at end of file"
                if hunk.lines and hunk.lines[-1][0] == "+":
                    self._no_final_newline = True
                return True
            self._close_hunk()
        if line.startswith(_GIT_HEADER):
            return True
        if line.startswith("--- "):
            self._pending_old = (line, line_no)
            return True
        if line.startswith("+++ ") and pending is not None:
            self.begin_file(pending[0], line, pending[1])
            return True
        return False

    def end(self, *, truncated: bool) -> None:
        """The diff is over. ``truncated``: the answer ended while the diff was open (no closing
        fence or line after it), so a hunk may be cut short: the open hunk (and an unfinished
        new file) is kept only when its header's line counts are met; never half-applied."""
        if truncated and self._hunk is not None and not self._hunk.complete_by_counts():
            self._hunk = None
            self._create = False
        self._end_file()

    def _close_hunk(self) -> None:
        hunk, self._hunk = self._hunk, None
        if hunk is None or self._path is None:
            return
        if self._create:
            self._created.extend(text for tag, text in hunk.lines if tag == "+")
            return
        if not any(tag != " " for tag, _ in hunk.lines):
            return  # context only: nothing to change
        search = [text for tag, text in hunk.lines if tag != "+"]
        replace = [text for tag, text in hunk.lines if tag != "-"]
        self._emit(
            Draft(self._path, join_lines(search), join_lines(replace), "diff_hunk", hunk.line)
        )

    def _end_file(self) -> None:
        self._close_hunk()
        if self._create and self._path is not None:
            text = join_lines(self._created)
            if self._no_final_newline:
                text = text[:-1]
            self._emit(Draft(self._path, "", text, "whole_file", self._create_line))
        self._create = False
        self._created = []
