"""Apply one SEARCH/REPLACE block to a file's text — strictly, or not at all.

The ladder, strict first: exact → trailing whitespace → uniform indentation offset → stray
blank lines at the ends of SEARCH → ``...`` elision → Unicode punctuation. Matching is by whole
lines. At every level a SEARCH found in more than one place is a failure ("ambiguous"), never
"the first one"; there is no edit-distance matching and no first/last-line anchoring (which has
deleted thousands of lines in other tools). Text uses "\\n" line endings.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from dsdesk.core.edits_parse import EditBlock


class MatchLevel(StrEnum):
    EXACT = "exact"
    WHITESPACE = "whitespace"
    INDENT = "indent"
    BLANK_LINES = "blank_lines"
    ELISION = "elision"
    PUNCTUATION = "punctuation"
    CREATE = "create"


FailReason = Literal[
    "not_found",
    "ambiguous",
    "file_missing",
    "file_changed",
    "not_empty",
    "binary",
    "outside_project",
    "inside_git",
    "too_large",
    "write_failed",
    "rejected",
]

ELISION_MARKERS = frozenset({"...", "# ...", "// ...", "/* ... */", "<!-- ... -->", "-- ...", "…"})
_PUNCT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


@dataclass(frozen=True, slots=True)
class MatchResult:
    ok: bool
    text: str | None
    level: MatchLevel | None
    reason: FailReason | None
    span: tuple[int, int] | None
    closest: tuple[tuple[int, str], ...]
    message: str


def _fail(
    reason: FailReason, message: str, closest: tuple[tuple[int, str], ...] = ()
) -> MatchResult:
    return MatchResult(False, None, None, reason, None, closest, message)


def _lines(text: str) -> list[str]:
    """Lines without their endings; a trailing newline does not make an extra line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


# -- one level's search ---------------------------------------------------------------------------

LineEq = Callable[[str, str], bool]


def _find(file: list[str], search: list[str], key: Callable[[str], str]) -> list[int]:
    """Start indexes where ``search`` matches ``file`` line by line under ``key``. Candidates
    come from an index of the first non-blank search line, so a big file costs one pass."""
    first = next((i for i, s in enumerate(search) if s.strip()), None)
    if first is None:
        return []
    want = [key(s) for s in search]
    target = want[first]
    starts = []
    m = len(search)
    for pos, line in enumerate(file):
        if key(line) != target:
            continue
        start = pos - first
        if start < 0 or start + m > len(file):
            continue
        if all(key(file[start + j]) == want[j] for j in range(m)):
            starts.append(start)
    return starts


def _exact(s: str) -> str:
    return s


def _rstrip(s: str) -> str:
    return s.rstrip()


def _strip(s: str) -> str:
    return s.strip()


def _punct(s: str) -> str:
    return s.translate(_PUNCT).replace("\u2026", "...").strip()


def _indent_offset(file: list[str], start: int, search: list[str]) -> tuple[str, str] | None:
    """(added, removed) indentation that turns every non-blank SEARCH line into the file's line,
    or None if the offset is not uniform."""
    offset: tuple[str, str] | None = None
    for j, s in enumerate(search):
        if not s.strip():
            continue
        fi, si = _indent(file[start + j]), _indent(s)
        if fi.endswith(si) or si == "":
            this = (fi[: len(fi) - len(si)], "")
        elif si.endswith(fi):
            this = ("", si[: len(si) - len(fi)])
        else:
            return None
        if offset is None:
            offset = this
        elif offset != this:
            return None
    return offset


def _reindent(lines: list[str], offset: tuple[str, str]) -> list[str] | None:
    add, remove = offset
    out = []
    for line in lines:
        if not line.strip():
            out.append(line)
        elif remove:
            if not line.startswith(remove):
                return None  # the replacement is less indented than the offset removes
            out.append(add + line[len(remove) :])
        else:
            out.append(add + line)
    return out


def _match_levels(
    file: list[str], search: list[str], replace: list[str]
) -> tuple[MatchLevel, int, list[str]] | MatchResult | None:
    """Try exact, whitespace and indentation; the first level that matches decides. Returns
    (level, start, replacement lines), an ambiguity failure, or None (not found)."""
    for level, key in ((MatchLevel.EXACT, _exact), (MatchLevel.WHITESPACE, _rstrip)):
        starts = _find(file, search, key)
        if len(starts) > 1:
            return _ambiguous(file, starts, level)
        if starts:
            return level, starts[0], replace
    starts = [s for s in _find(file, search, _strip) if _indent_offset(file, s, search)]
    if len(starts) > 1:
        return _ambiguous(file, starts, MatchLevel.INDENT)
    if starts:
        offset = _indent_offset(file, starts[0], search)
        assert offset is not None
        new = _reindent(replace, offset)
        if new is None:
            return _fail("not_found", "The indentation of REPLACE does not fit the file.")
        return MatchLevel.INDENT, starts[0], new
    return None


def _ambiguous(file: list[str], starts: list[int], level: MatchLevel) -> MatchResult:
    where = ", ".join(str(s + 1) for s in starts[:6])
    closest = tuple((s + 1, file[s]) for s in starts[:8])
    return _fail(
        "ambiguous",
        f"SEARCH matches {len(starts)} places (lines {where}) at level {level.value}; "
        "add surrounding lines to make it unique.",
        closest,
    )


def _closest(file: list[str], search: list[str]) -> tuple[tuple[int, str], ...]:
    """The real lines most like the start of SEARCH, to help the model correct itself."""
    probe = next((s.strip() for s in search if s.strip()), "")
    if not probe or not file:
        return ()
    best, best_ratio = -1, 0.0
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(probe)
    for i, line in enumerate(file):
        matcher.set_seq1(line.strip())
        if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = i, ratio
    if best < 0 or best_ratio < 0.5:
        return ()
    end = min(len(file), best + max(3, min(len(search), 8)))
    return tuple((i + 1, file[i]) for i in range(best, end))


# -- the ladder -----------------------------------------------------------------------------------


def apply_block(text: str | None, search: str, replace: str) -> MatchResult:
    if not search.strip():
        if text is None or not text.strip():
            return MatchResult(
                True,
                replace,
                MatchLevel.CREATE,
                None,
                (0, 0),
                (),
                "created" if text is None else "filled the empty file",
            )
        return _fail("not_empty", "An empty SEARCH can only create a file or fill an empty one.")
    if text is None:
        return _fail("file_missing", "The file does not exist.")
    file = _lines(text)
    ends_nl = text.endswith("\n")
    s_lines, r_lines = _lines(search), _lines(replace)

    found = _match_levels(file, s_lines, r_lines)
    matched_len = len(s_lines)
    level_override: MatchLevel | None = None
    if found is None:
        trimmed = _trim_blank(s_lines, r_lines)
        if trimmed is not None:
            found = _match_levels(file, *trimmed)
            matched_len = len(trimmed[0])
            level_override = MatchLevel.BLANK_LINES
    if isinstance(found, MatchResult):
        return found
    if found is not None:
        level, start, new = found
        span = (start, start + matched_len)
        return _result(file, ends_nl, span, new, level_override or level)

    elided = _elision(file, s_lines, r_lines)
    if elided is not None:
        if isinstance(elided, MatchResult):
            return elided
        span, new = elided
        return _result(file, ends_nl, span, new, MatchLevel.ELISION)

    starts = _find(file, s_lines, _punct)
    if len(starts) > 1:
        return _ambiguous(file, starts, MatchLevel.PUNCTUATION)
    if starts:
        return _result(
            file, ends_nl, (starts[0], starts[0] + len(s_lines)), r_lines, MatchLevel.PUNCTUATION
        )
    return _fail("not_found", "SEARCH was not found in the file.", _closest(file, s_lines))


def _trim_blank(s: list[str], r: list[str]) -> tuple[list[str], list[str]] | None:
    """SEARCH without blank lines at its ends (and REPLACE without the same ones)."""
    lo, hi = 0, len(s)
    while lo < hi and not s[lo].strip():
        lo += 1
    while hi > lo and not s[hi - 1].strip():
        hi -= 1
    if (lo, hi) == (0, len(s)) or lo == hi:
        return None
    r_lo = lo if all(not x.strip() for x in r[:lo]) else 0
    r_cut = len(s) - hi
    r_hi = len(r) - r_cut if r_cut and all(not x.strip() for x in r[len(r) - r_cut :]) else len(r)
    return s[lo:hi], r[r_lo : max(r_lo, r_hi)]


def _is_marker(line: str) -> bool:
    return line.strip() in ELISION_MARKERS


def _split(lines: list[str]) -> list[list[str]]:
    pieces: list[list[str]] = [[]]
    for line in lines:
        if _is_marker(line):
            pieces.append([])
        else:
            pieces[-1].append(line)
    return pieces


def _elision(
    file: list[str], s_lines: list[str], r_lines: list[str]
) -> tuple[tuple[int, int], list[str]] | MatchResult | None:
    """SEARCH "A / ... / B" with REPLACE "A' / ... / B'": A and B must each match exactly once,
    in order; the file's lines between them are kept where REPLACE has its marker."""
    s_pieces = _split(s_lines)
    if len(s_pieces) < 2:
        return None
    r_pieces = _split(r_lines)
    if len(r_pieces) != len(s_pieces):
        return _fail("not_found", "SEARCH and REPLACE use a different number of `...` lines.")
    spans: list[tuple[int, int]] = []
    pos = 0
    for piece in s_pieces:
        if not any(x.strip() for x in piece):
            spans.append((pos, pos))
            continue
        starts = _find(file, piece, _rstrip)
        if len(starts) > 1:
            return _ambiguous(file, starts, MatchLevel.ELISION)
        if not starts or starts[0] < pos:
            return None
        spans.append((starts[0], starts[0] + len(piece)))
        pos = starts[0] + len(piece)
    out: list[str] = []
    for k, (r_piece, (_start, end)) in enumerate(zip(r_pieces, spans, strict=True)):
        out.extend(r_piece)
        if k + 1 < len(spans):
            out.extend(file[end : spans[k + 1][0]])  # the elided lines stay as they were
    return (spans[0][0], spans[-1][1]), out


def _result(
    file: list[str], ends_nl: bool, span: tuple[int, int], new: list[str], level: MatchLevel
) -> MatchResult:
    lines = file[: span[0]] + new + file[span[1] :]
    # The file's final newline (or its absence) stays as it was.
    text = "\n".join(lines) + ("\n" if ends_nl and lines else "")
    return MatchResult(True, text, level, None, span, (), f"applied ({level.value})")


def apply_blocks(
    text: str | None, blocks: Sequence[EditBlock]
) -> tuple[str | None, list[MatchResult]]:
    results = []
    for block in blocks:
        result = apply_block(text, block.search, block.replace)
        if result.ok:
            text = result.text
        results.append(result)
    return text, results
