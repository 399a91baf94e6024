"""Find the file edits in a model's answer: SEARCH/REPLACE blocks, unified diffs, and whole new
files in fences. Line-based and incremental: a streaming answer is fed piece by piece, only the
unfinished last line is kept, and a block is produced once it is complete.

Only the answer is parsed, never the reasoning (the caller passes ``content`` only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

EditKind = Literal["search_replace", "whole_file", "diff_hunk"]

HEAD = re.compile(r"^\s*<{3,9}\s*SEARCH\s*>?\s*$")
DIVIDER = re.compile(r"^\s*={3,9}\s*$")
UPDATED = re.compile(r"^\s*>{3,9}\s*REPLACE\s*<?\s*$")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([^`]*)$")
DIFF_OLD = re.compile(r"^--- (?:a/)?(\S+)")
DIFF_NEW = re.compile(r"^\+\+\+ (?:b/)?(\S+)")
HUNK = re.compile(r"^@@ .* @@")
# A bare path: no spaces, has a file name with an extension or a well-known extension-less name.
PATH = re.compile(
    r"^[\w.\-/\\@+]*[\w\-]+(\.[\w\-]+)+$|^[\w.\-/\\@+]*(Makefile|Dockerfile|Justfile)$"
)
DECORATION = re.compile(r"^(#+\s*|[-*]\s+|File:\s*|Path:\s*|In\s+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EditBlock:
    index: int
    path: str
    search: str
    replace: str
    kind: EditKind
    line: int
    delete: bool = False


def clean_path(line: str) -> str | None:
    """The path a line names on its own ("`src/a.py`", "**src/a.py**:", "File: a.py"), or None."""
    s = line.strip()
    if not s or len(s) > 250:
        return None
    s = DECORATION.sub("", s)
    s = s.strip().rstrip(":").strip().strip("`*'\"").strip()
    if s.startswith("./"):
        s = s[2:]
    if " " in s or not PATH.match(s) or s.startswith(("http", "--")):
        return None
    return s.replace("\\", "/")


class EditStreamParser:
    """Feed the answer in pieces; complete blocks come out of ``feed`` and ``finish``."""

    def __init__(self) -> None:
        self._partial: list[str] = []
        self._line_no = 0
        self.blocks: list[EditBlock] = []
        # Outside any block: the last line naming a path, and whether it is the line just before.
        self._path: str | None = None
        self._path_line = -10
        self._last_block_path: str | None = None
        self._fence: str | None = None  # the marker of the open fence, if any
        self._fence_start = 0
        self._fence_lines: list[str] = []
        self._fence_path: str | None = None  # path named just before the fence (whole file)
        self._fence_has_edit = False
        self._state = "text"  # text | search | replace | diff
        self._search: list[str] = []
        self._replace: list[str] = []
        self._block_line = 0
        self._diff_old: str | None = None
        self._diff_new: str | None = None
        self._hunk_old: list[str] = []
        self._hunk_new: list[str] = []
        self._hunk_line = 0
        self._diff_whole: list[str] | None = None  # lines of a file created by a diff

    # -- public -------------------------------------------------------------------------------

    def feed(self, text: str) -> list[EditBlock]:
        before = len(self.blocks)
        if "\n" not in text:
            self._partial.append(text)
            return []
        self._partial.append(text)
        joined = "".join(self._partial)
        lines = joined.split("\n")
        last = lines.pop()
        self._partial = [last] if last else []
        for line in lines:
            self._line(line.rstrip("\r"))
        return self.blocks[before:]

    def finish(self) -> list[EditBlock]:
        before = len(self.blocks)
        if self._partial:
            self._line("".join(self._partial).rstrip("\r"))
            self._partial = []
        self._end_diff_hunk()
        self._end_diff_file()
        return self.blocks[before:]

    def summary(self) -> str:
        if not self.blocks:
            return ""
        files = len({b.path for b in self.blocks})
        edits = len(self.blocks)
        return f"{edits} edit{'s' * (edits != 1)} for {files} file{'s' * (files != 1)}"

    # -- the state machine --------------------------------------------------------------------

    def _line(self, line: str) -> None:
        self._line_no += 1
        if self._state == "search":
            if DIVIDER.match(line):
                self._state = "replace"
            elif UPDATED.match(line):  # a missing divider: not a block we can trust
                self._state = "text"
            else:
                self._search.append(line)
            return
        if self._state == "replace":
            if UPDATED.match(line):
                self._emit_search_replace()
                self._state = "text"
            elif HEAD.match(line):  # a missing end marker: drop the broken block, start anew
                self._start_block()
            else:
                self._replace.append(line)
            return
        if HEAD.match(line):
            self._start_block()
            return
        if self._state == "diff" and self._diff_line(line):
            return
        m = DIFF_OLD.match(line)
        if m and not line.startswith("--- a/dev/null") and self._state != "diff_header":
            self._end_diff_hunk()
            self._end_diff_file()
            self._diff_old = m.group(1)
            self._state = "diff_header"
            return
        if self._state == "diff_header":
            m = DIFF_NEW.match(line)
            if m:
                self._diff_new = m.group(1)
                self._state = "diff"
                if self._diff_old == "/dev/null":
                    self._diff_whole = []
                return
            self._state = "text"
        fence = FENCE.match(line)
        if fence:
            self._fence_toggle(fence.group(1), fence.group(2).strip(), line)
            return
        if self._fence is not None:
            if self._fence_lines == [] and not self._fence_has_edit:
                p = clean_path(line)
                if p:  # the path as the first line inside the fence
                    self._path, self._path_line = p, self._line_no
                    self._fence_path = None
                    return
            self._fence_lines.append(line)
            return
        p = clean_path(line)
        if p:
            self._path, self._path_line = p, self._line_no
        elif line.strip():
            self._path_line = -10  # prose in between: a path above no longer labels a fence

    def _fence_toggle(self, marker: str, info: str, line: str) -> None:
        if self._fence is None:
            self._fence = marker
            self._fence_start = self._line_no
            self._fence_lines = []
            self._fence_has_edit = False
            info_path = clean_path(info) if ("." in info or "/" in info) else None
            if info_path:
                self._path, self._path_line = info_path, self._line_no
            just_before = self._path_line == self._line_no - 1 or info_path is not None
            self._fence_path = self._path if just_before and info.lower() != "diff" else None
            return
        if marker[0] != self._fence[0] or len(marker) < len(self._fence) or info:
            self._fence_lines.append(line)  # a different or longer fence inside: content
            return
        # The fence closes. A fence that held no edit but was labelled with a path just before
        # it is a whole file; the planner only creates new files from it.
        if not self._fence_has_edit and self._fence_path and self._state == "text":
            text = "\n".join(self._fence_lines)
            self._add(
                self._fence_path, "", text + "\n" if text else "", "whole_file", self._fence_start
            )
        self._end_diff_hunk()
        self._end_diff_file()
        self._fence = None
        self._fence_path = None
        self._path_line = -10

    def _start_block(self) -> None:
        self._state = "search"
        self._search = []
        self._replace = []
        self._block_line = self._line_no
        self._fence_has_edit = True

    def _emit_search_replace(self) -> None:
        path = self._path or self._last_block_path or ""
        search = "\n".join(self._search) + ("\n" if self._search else "")
        replace = "\n".join(self._replace) + ("\n" if self._replace else "")
        self._add(path, search, replace, "search_replace", self._block_line)

    def _add(
        self, path: str, search: str, replace: str, kind: EditKind, line: int, delete: bool = False
    ) -> None:
        self.blocks.append(EditBlock(len(self.blocks), path, search, replace, kind, line, delete))
        self._last_block_path = path

    # -- unified diffs ------------------------------------------------------------------------

    def _diff_line(self, line: str) -> bool:
        """Handle a line inside a diff; False when the line ends the diff."""
        if HUNK.match(line):
            self._end_diff_hunk()
            self._hunk_line = self._line_no
            self._fence_has_edit = True
            return True
        if line.startswith(("diff --git", "index ", "new file mode", "deleted file mode")):
            return True
        if line.startswith("--- ") or (self._fence is not None and FENCE.match(line)):
            return False
        if not self._hunk_line:
            return False
        if line.startswith("\\"):
            return True  # "\ No newline at end of file"
        if line.startswith(" ") or line == "":
            self._hunk_old.append(line[1:])
            self._hunk_new.append(line[1:])
        elif line.startswith("-"):
            self._hunk_old.append(line[1:])
        elif line.startswith("+"):
            self._hunk_new.append(line[1:])
        else:
            self._end_diff_hunk()
            self._end_diff_file()
            return False
        return True

    def _end_diff_hunk(self) -> None:
        if not self._hunk_line:
            return
        path = self._diff_new if self._diff_new not in (None, "/dev/null") else self._diff_old
        if self._diff_whole is not None:
            self._diff_whole += self._hunk_new
        elif self._diff_new == "/dev/null":
            pass  # a deletion: emitted once for the file
        elif path:
            old = "\n".join(self._hunk_old) + ("\n" if self._hunk_old else "")
            new = "\n".join(self._hunk_new) + ("\n" if self._hunk_new else "")
            self._add(path, old, new, "diff_hunk", self._hunk_line)
        self._hunk_old, self._hunk_new = [], []
        self._hunk_line = 0

    def _end_diff_file(self) -> None:
        if self._state not in ("diff", "diff_header"):
            return
        if self._diff_whole is not None and self._diff_new:
            text = "\n".join(self._diff_whole)
            self._add(self._diff_new, "", text + "\n" if text else "", "whole_file", self._line_no)
        elif self._diff_new == "/dev/null" and self._diff_old:
            self._add(self._diff_old, "", "", "whole_file", self._line_no, delete=True)
        self._diff_old = self._diff_new = None
        self._diff_whole = None
        self._state = "text"


def parse_edits(answer: str) -> list[EditBlock]:
    parser = EditStreamParser()
    parser.feed(answer)
    parser.finish()
    return parser.blocks
