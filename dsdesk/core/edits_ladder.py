"""Finding a SEARCH's lines in a file's lines, one tolerance at a time (used by ``edits_match``).

Matching is by whole lines: a SEARCH that is a fragment of a line does not match it. Every search
anchors on the SEARCH line whose stripped text is rarest in the file (an index built once per
file view), then checks only those candidate positions, so a 20-line SEARCH in a 30,000-line file
costs about as much as building the index. The tolerances are cumulative, and the caller stops at
the first one that finds anything: one match applies, several are ambiguous.

The ``TABS`` modes read leading whitespace as columns in the file's own indentation unit (a tab
file, or N spaces: see ``indent_unit``), for a model that wrote a file's tabs as spaces or its
spaces as tabs. They come after the three string-exact modes, so a SEARCH that matches as written
never goes through them, and before the blank-line trimming and the elisions, which drop or skip
SEARCH lines: reading indentation in another unit keeps every line and every character of each
line's text, it only needs the width of a tab, which the file (or, in a tab file, each of 4 and
8 columns: both are tried, and the caller refuses when they disagree) gives.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

from dsdesk.core.edits_lang import RAW, default_unit, go_states, is_go, tabs_by_language

WS = " \t\r\f\v"  # "whitespace" here; not Unicode spaces like nbsp, those are punctuation
_INDENT = " \t"

# (direction, prefix): +1 the file is indented ``prefix`` deeper than SEARCH, -1 shallower, 0 same.
Shift = tuple[int, str]
NO_SHIFT: Shift = (0, "")


class Mode(IntEnum):
    EXACT = 0
    WHITESPACE = 1  # trailing whitespace and stray "\r" ignored
    INDENT = 2  # plus one uniform indentation offset
    TABS = 3  # trailing whitespace ignored, leading whitespace compared as columns (tab stops)
    TABS_INDENT = 4  # plus one uniform offset in columns


class Step(IntEnum):
    """What the plain (non-elision) ladder needed; edits_match maps it to a MatchLevel."""

    EXACT = 0
    WHITESPACE = 1
    INDENT = 2
    TABS = 3
    BLANK_LINES = 4


_STEP = {
    Mode.EXACT: Step.EXACT,
    Mode.WHITESPACE: Step.WHITESPACE,
    Mode.INDENT: Step.INDENT,
    Mode.TABS: Step.TABS,
    Mode.TABS_INDENT: Step.TABS,
}


@dataclass(frozen=True, slots=True)
class Retab:
    """How a ``TABS`` hit read the SEARCH: a tab stops at multiples of ``width`` columns, the
    file is ``offset`` columns deeper than the SEARCH, and the file indents with tabs (``tabs``,
    a width's worth of columns each, then spaces) or with spaces only."""

    width: int
    tabs: bool
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Hit:
    start: int  # 0-based first file line
    end: int  # exclusive
    shift: Shift
    top: int = 0  # blank lines dropped from the top of the SEARCH (to drop from REPLACE too)
    bottom: int = 0  # ... and from its bottom
    retab: Retab | None = None  # a TABS hit: the REPLACE is written in the file's indentation
    like: bool = False  # found by a reading like the one that found the others (``widen``)


def is_blank(line: str) -> bool:
    return not line.strip(WS)


def indent_unit(lines: list[str]) -> int | None:
    """The file's indentation unit from its own lines: 0 for tabs (more lines start with a tab
    than with two or more spaces), N for N spaces (the commonest step of 2, 4 or 8 between the
    indentation of successive space-indented lines), None when the file does not say."""
    tabs = spaces = 0
    steps: Counter[int] = Counter()
    prev = 0
    for line in lines:
        body = line.lstrip(_INDENT)
        if not body.strip(WS):
            continue
        lead = line[: len(line) - len(body)]
        if lead.startswith("\t"):
            tabs += 1
        elif "\t" not in lead:
            spaces += len(lead) >= 2  # one space is alignment (" * " in C comments), not a unit
            if len(lead) > prev:
                steps[len(lead) - prev] += 1
            prev = len(lead)
    if tabs > spaces:
        return 0
    if spaces > tabs:
        common = [n for n, _ in steps.most_common() if n in (2, 4, 8)]
        return common[0] if common else None
    return None


def columns(lead: str, width: int) -> int:
    """The column where leading whitespace ``lead`` ends, a tab stopping at multiples of
    ``width``."""
    col = 0
    for ch in lead:
        col = (col // width + 1) * width if ch == "\t" else col + 1
    return col


class FileView:
    """A file's lines with a lazily built index: stripped text -> positions. ``path`` names the
    file for what its language says (``edits_lang``): a Go file or a Makefile indents with tabs
    whatever its lines suggest, a Python file with no indented line with 4 spaces; in Go, which
    lines begin inside a raw string literal."""

    def __init__(self, lines: list[str], path: str = "") -> None:
        self.lines = lines
        self.path = path
        self._index: dict[str, list[int]] | None = None
        self._units: tuple[Retab, ...] | None = None
        self._states: list[int] | None = None

    @property
    def units(self) -> tuple[Retab, ...]:
        """The readings the ``TABS`` modes try: a tab file's tab as 4 or as 8 columns, a file
        indented by N spaces with a tab as N columns, none when the unit is unknown."""
        if self._units is None:
            unit = 0 if tabs_by_language(self.path) else indent_unit(self.lines)
            unit = default_unit(self.path) if unit is None else unit
            if unit is None:
                self._units = ()
            elif unit == 0:
                self._units = (Retab(4, True), Retab(8, True))
            else:
                self._units = (Retab(unit, False),)
        return self._units

    def raw_state(self, start: int) -> int | None:
        """The Go lexical state before line ``start`` (``edits_lang.RAW``: inside a raw string
        literal); None when the file is not Go."""
        if not is_go(self.path):
            return None
        if self._states is None:
            self._states = go_states(self.lines)
        return self._states[start]

    @cached_property
    def raw_style(self) -> bool | None:
        """How the lines inside this Go file's raw strings are indented, when nearly all of them
        (4 in 5, at least 3) that show a style show the same one: True for tabs, False for
        spaces; None when they do not tell (or the file is not Go)."""
        if self.raw_state(0) is None:
            return None
        assert self._states is not None
        votes = [
            style
            for line, state in zip(self.lines, self._states, strict=False)
            if state == RAW and (style := lead_style(split_indent(line)[0])) is not None
        ]
        for style in (True, False):
            if len(votes) >= 3 and votes.count(style) * 5 >= len(votes) * 4:
                return style
        return None

    @property
    def index(self) -> dict[str, list[int]]:
        if self._index is None:
            index: dict[str, list[int]] = {}
            for i, line in enumerate(self.lines):
                index.setdefault(line.strip(WS), []).append(i)
            self._index = index
        return self._index


def lead_style(lead: str) -> bool | None:
    """True for leading whitespace with a tab, False for four spaces or more, None for none or
    a few spaces (alignment as much as indentation)."""
    if "\t" in lead:
        return True
    return False if lead.startswith("    ") else None


def split_indent(line: str) -> tuple[str, str]:
    body = line.lstrip(_INDENT)
    return line[: len(line) - len(body)], body


def _indent_shift(lines: list[str], start: int, pat: list[str]) -> Shift | None:
    """The one indentation offset that turns ``pat`` into the file's lines at ``start``, if any.
    Offsets are compared as strings, so a tab never equals spaces: mixed indentation that does
    not line up exactly is refused rather than guessed."""
    shift: Shift | None = None
    for k, s in enumerate(pat):
        f = lines[start + k].rstrip(WS)
        s = s.rstrip(WS)
        if not s or not f:
            if s or f:
                return None  # a blank line only matches a blank line
            continue
        ind_f, body_f = split_indent(f)
        ind_s, body_s = split_indent(s)
        if body_f != body_s:
            return None
        if shift is None:
            if ind_f == ind_s:
                shift = NO_SHIFT
            elif ind_f.endswith(ind_s):
                shift = (1, ind_f[: len(ind_f) - len(ind_s)])
            elif ind_s.endswith(ind_f):
                shift = (-1, ind_s[: len(ind_s) - len(ind_f)])
            else:
                return None
        elif (shift[0] >= 0 and ind_f != shift[1] + ind_s) or (
            shift[0] < 0 and ind_s != shift[1] + ind_f
        ):
            return None
    return shift if shift is not None else NO_SHIFT


def _cols(line: str, width: int) -> tuple[int, str]:
    body = line.lstrip(_INDENT)
    return columns(line[: len(line) - len(body)], width), body.rstrip(WS)


def _column_offset(
    lines: list[str], start: int, pat: list[str], width: int, uniform: bool
) -> int | None:
    """The columns by which the file's lines at ``start`` are deeper than ``pat`` (0 unless
    ``uniform``), reading a tab as ``width`` columns; None if they differ otherwise."""
    offset: int | None = None
    for k, s in enumerate(pat):
        col_f, body_f = _cols(lines[start + k], width)
        col_s, body_s = _cols(s, width)
        if not body_f or not body_s:
            if body_f or body_s:
                return None  # a blank line only matches a blank line
            continue
        if body_f != body_s:
            return None
        if offset is None:
            offset = col_f - col_s
            if offset and not uniform:
                return None
        elif col_f - col_s != offset:
            return None
    return offset or 0


def _matches_at(lines: list[str], start: int, pat: list[str], mode: Mode) -> Shift | None:
    if mode is Mode.EXACT:
        return NO_SHIFT if lines[start : start + len(pat)] == pat else None
    if mode is Mode.WHITESPACE:
        for k, s in enumerate(pat):
            if lines[start + k].rstrip(WS) != s.rstrip(WS):
                return None
        return NO_SHIFT
    return _indent_shift(lines, start, pat)


def find(
    view: FileView, pat: list[str], mode: Mode, units: tuple[Retab, ...] | None = None
) -> list[Hit]:
    """Every position where ``pat`` matches whole lines under ``mode`` (the ``TABS`` modes under
    each of ``units``, by default every reading of the file's)."""
    m, n = len(pat), len(view.lines)
    if m == 0 or m > n:
        return []
    index = view.index
    anchor, positions = 0, None
    for j, s in enumerate(pat):  # anchor on the rarest line: fewest candidates to check
        found = index.get(s.strip(WS))
        if found is None:
            return []  # every tolerance keeps a line's stripped text, so no match anywhere
        if positions is None or len(found) < len(positions):
            anchor, positions = j, found
    starts = [p - anchor for p in positions or () if 0 <= p - anchor <= n - m]
    hits: list[Hit] = []
    if mode >= Mode.TABS:  # every reading of a tab: the caller refuses when they disagree
        for unit in view.units if units is None else units:
            for start in starts:
                off = _column_offset(view.lines, start, pat, unit.width, mode is Mode.TABS_INDENT)
                if off is not None:
                    retab = Retab(unit.width, unit.tabs, off)
                    hits.append(Hit(start, start + m, NO_SHIFT, retab=retab))
        return sorted(hits, key=lambda h: h.start)
    for start in starts:
        shift = _matches_at(view.lines, start, pat, mode)
        if shift is not None:
            hits.append(Hit(start, start + m, shift))
    return hits


# The readings that differ only in what a reader cannot see, or cannot tell apart: trailing
# whitespace, and a tab against the spaces it stands for. A hit under one of them must be the only
# place any of them finds: a model's SEARCH that matches one place exactly and another once its
# trailing whitespace or its tabs are read loosely may mean either (it may have lost the trailing
# whitespace, or written the tabs as spaces), so it is ambiguous. With a uniform offset, likewise.
_LIKE = {
    Mode.EXACT: (Mode.WHITESPACE, Mode.TABS),
    Mode.WHITESPACE: (Mode.WHITESPACE, Mode.TABS),
    Mode.TABS: (Mode.WHITESPACE, Mode.TABS),
    Mode.INDENT: (Mode.INDENT, Mode.TABS_INDENT),
    Mode.TABS_INDENT: (Mode.INDENT, Mode.TABS_INDENT),
}


def widen(view: FileView, pat: list[str], mode: Mode, hits: list[Hit], trim: bool) -> list[Hit]:
    """``hits`` (found under ``mode``, trimmed of blank edge lines if ``trim``) and one hit at
    each other place that a reading like ``mode`` finds (see ``_LIKE``); more than one place
    is ambiguous."""
    places = {(h.start, h.end) for h in hits}
    indented = any(split_indent(p)[0] for p in pat if not is_blank(p))
    extra: list[Hit] = []
    for like in _LIKE[mode]:
        if like >= Mode.TABS and not indented:
            continue  # no leading whitespace to read: the same places as WHITESPACE
        for h in find_trimmed(view, pat, like) if trim else find(view, pat, like):
            if (h.start, h.end) not in places:
                places.add((h.start, h.end))
                extra.append(Hit(h.start, h.end, h.shift, h.top, h.bottom, h.retab, like=True))
    return sorted(hits + extra, key=lambda h: h.start) if extra else hits


def blank_edges(lines: list[str]) -> tuple[int, int]:
    """(leading, trailing) blank lines; an all-blank list counts as all leading."""
    top = 0
    while top < len(lines) and is_blank(lines[top]):
        top += 1
    bottom = 0
    while bottom < len(lines) - top and is_blank(lines[len(lines) - 1 - bottom]):
        bottom += 1
    return top, bottom


def find_trimmed(
    view: FileView, pat: list[str], mode: Mode, units: tuple[Retab, ...] | None = None
) -> list[Hit]:
    """``find`` for ``pat`` without its leading/trailing blank lines (none if it has none)."""
    top, bottom = blank_edges(pat)
    if top == len(pat) or top + bottom == 0:
        return []
    hits = find(view, pat[top : len(pat) - bottom], mode, units)
    return [Hit(h.start, h.end, h.shift, top, bottom, h.retab) for h in hits]


def ladder(view: FileView, pat: list[str]) -> tuple[Step, list[Hit]] | None:
    """The first step that finds ``pat`` anywhere, with all its hits and a hit at each other
    place a like reading finds (``widen``); None if none does."""
    for mode in Mode:
        hits = find(view, pat, mode)
        if hits:
            return _STEP[mode], widen(view, pat, mode, hits, False)
    for mode in Mode:
        hits = find_trimmed(view, pat, mode)
        if hits:
            return Step.BLANK_LINES, widen(view, pat, mode, hits, True)
    return None


def trim_like(rep: list[str], top: int, bottom: int) -> list[str]:
    """Drop from REPLACE the blank edge lines that were dropped from SEARCH, as far as REPLACE
    has them: they were the same stray lines, or they were meant to be deleted and are absent."""
    rtop, rbottom = blank_edges(rep)
    top, bottom = min(top, rtop), min(bottom, rbottom)
    return rep[top : len(rep) - bottom]


def reindent(rep: list[str], shift: Shift) -> list[str] | None:
    """REPLACE moved by the SEARCH's indentation offset; None if a line is indented less than
    the offset to remove (it cannot be placed without guessing)."""
    direction, prefix = shift
    if direction == 0 or not prefix:
        return rep
    out: list[str] = []
    for line in rep:
        if is_blank(line):
            out.append(line)
        elif direction > 0:
            out.append(prefix + line)
        elif line.startswith(prefix):
            out.append(line[len(prefix) :])
        else:
            return None
    return out
