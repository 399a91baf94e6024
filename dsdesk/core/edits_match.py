"""Apply one SEARCH/REPLACE edit to a file's text: when the intent is clear, else not at all.

The ladder, strict first; each level also allows what the levels before it allow:

1. ``EXACT``        the SEARCH lines appear verbatim;
2. ``WHITESPACE``   ignoring trailing whitespace and a stray "\\r";
3. ``INDENT``       all lines off by one uniform indentation offset (a string compared exactly,
                    so tabs never stand for spaces); the REPLACE is moved by the same offset;
4. ``TABS``         leading whitespace read as columns in the file's own indentation unit: a
                    model that wrote a tab file's tabs as spaces (a tab read as 4 and as 8
                    columns; the block must match under one reading only, or all readings must
                    give the same file) or a spaces file's indentation as tabs (a tab = the
                    file's N spaces); also with one uniform offset in columns. The REPLACE's new
                    lines are written in the file's style (tabs stay tabs; a Makefile, named by
                    ``path``, always indents with tabs). It follows the string-exact levels, so a
                    block that matches as written never reaches it, and precedes the levels that
                    drop or skip SEARCH lines, as it keeps every line's text;
5. ``BLANK_LINES``  without blank lines at the top/bottom of the SEARCH (dropped from the REPLACE
                    too, as far as it has them);
6. ``ELISION``      a ``...`` line (or ``# ...``, ``// ...``) splits the SEARCH into pieces, each
                    found exactly once, in order; the text between them is kept (edits_elide);
7. ``PUNCTUATION``  all of the above after mapping curly quotes, dashes, non-breaking spaces and
                    "…" to ASCII; REPLACE gets the same mapping for characters only the SEARCH had.

The first level that finds the SEARCH anywhere decides: one place applies, more than one is
``ambiguous`` (never "the first one"). Places that differ only in what a reader cannot tell
apart count too (``edits_ladder.widen``): a hit at levels 1, 2 or 4 must be the only place found
ignoring trailing whitespace or reading tabs as spaces, and one with an offset the only place at
any offset, since the model may have lost the one or written the other. What the file's language
says about indentation (Go and Makefiles use tabs, Python 4 spaces; a Go raw string's lines are
text, not code) is in ``edits_lang``. There is no edit-distance matching and no first/last-line
anchoring, and a SEARCH matches whole lines only: a fragment of a line ("foo(1)" inside
"x = foo(1) + 2") is not found, by design. A failed match reports the closest real lines.

Whatever the level, a REPLACE line that repeats a SEARCH line unchanged is written as the file
has that line (its trailing whitespace, indentation and typography), anywhere in the block, when
which line it repeats is clear (see ``edits_ladder.kept_lines``); only the model's new or
changed lines are re-indented or re-typeset. When a block matches as written (its SEARCH has no
indented line to read) but its new lines are indented in the style the file does not use, they
are written in the file's style if exactly one reading fits (``edits_restyle.restyle``); the
message says so.

Text handed in uses "\\n" line endings (the workspace normalises files on read); a file's final
newline, or its absence, is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from dsdesk.core.edits_elide import (
    ascii_like,
    closest,
    elide,
    has_punct,
    is_marker,
    normalise,
)
from dsdesk.core.edits_kept import kept_lines
from dsdesk.core.edits_ladder import (
    FileView,
    Hit,
    Retab,
    Step,
    ladder,
    reindent,
    trim_like,
)
from dsdesk.core.edits_parse import EditBlock
from dsdesk.core.edits_restyle import raw_flags, restyle, retab_lines

__all__ = ["FailReason", "MatchLevel", "MatchResult", "apply_block", "apply_blocks"]


class MatchLevel(StrEnum):
    EXACT = "exact"
    WHITESPACE = "whitespace"
    INDENT = "indent"
    TABS = "tabs"  # leading whitespace read in the file's indentation unit (tabs <-> spaces)
    BLANK_LINES = "blank_lines"
    ELISION = "elision"
    PUNCTUATION = "punctuation"
    CREATE = "create"  # empty SEARCH on a new or empty file


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


@dataclass(frozen=True, slots=True)
class MatchResult:
    ok: bool
    text: str | None  # the whole new file text when ok (None: the file is deleted)
    level: MatchLevel | None  # when ok; when ambiguous, the level that found several places
    reason: FailReason | None  # when not ok
    span: tuple[int, int] | None  # 0-based [start, end) lines replaced, in the OLD text
    closest: tuple[tuple[int, str], ...]  # when not_found/ambiguous: (1-based line, text)
    message: str  # plain-language one-liner


_STEP_LEVEL = {
    Step.EXACT: MatchLevel.EXACT,
    Step.WHITESPACE: MatchLevel.WHITESPACE,
    Step.INDENT: MatchLevel.INDENT,
    Step.TABS: MatchLevel.TABS,
    Step.BLANK_LINES: MatchLevel.BLANK_LINES,
}
_HOW = {
    MatchLevel.EXACT: "exactly",
    MatchLevel.WHITESPACE: "ignoring trailing whitespace",
    MatchLevel.INDENT: "with a different indentation (the replacement was re-indented)",
    MatchLevel.TABS: "reading its indentation in the file's own unit",
    MatchLevel.BLANK_LINES: "without the blank lines at the edges of SEARCH",
    MatchLevel.ELISION: "piece by piece around `...` (the elided lines were kept)",
    MatchLevel.PUNCTUATION: "after mapping curly quotes, dashes and special spaces to ASCII",
}

# How a place found by a like reading (``edits_ladder.widen``) differs, without / with an offset.
_LIKE_HOW = {
    False: "counting places that differ from it only in trailing whitespace or in tabs written "
    "as spaces",
    True: "at one indentation offset, counting places indented with tabs or spaces alike",
}


def _fail(
    reason: FailReason,
    message: str,
    closest_lines: tuple[tuple[int, str], ...] = (),
    level: MatchLevel | None = None,
) -> MatchResult:
    return MatchResult(False, None, level, reason, None, closest_lines, message)


def _split_text(text: str) -> tuple[list[str], bool]:
    """A file's lines and whether it ends with a newline."""
    if text == "":
        return [], False
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
        return lines, True
    return lines, False


def _join(lines: list[str], final_newline: bool) -> str:
    return "\n".join(lines) + ("\n" if final_newline else "") if lines else ""


def _block_lines(text: str) -> list[str]:
    """SEARCH/REPLACE text as lines (one final newline is the end of the last line)."""
    if text == "":
        return []
    return text.removesuffix("\n").split("\n")


def _lines_label(start: int, end: int) -> str:
    return f"line {start + 1}" if end - start <= 1 else f"lines {start + 1}-{end}"


def _create(text: str | None, replace: str) -> MatchResult:
    if text is None:
        return MatchResult(True, replace, MatchLevel.CREATE, None, (0, 0), (), "creates the file")
    if not text.strip():
        span = (0, len(_split_text(text)[0]))
        return MatchResult(True, replace, MatchLevel.CREATE, None, span, (), "fills the empty file")
    return _fail(
        "not_empty",
        "The SEARCH is empty but the file already has content; an empty SEARCH can only create "
        "a file or fill an empty one.",
    )


def _ambiguous(
    level: MatchLevel, hits: Sequence[Hit], lines: list[str], what: str = ""
) -> MatchResult:
    where = ", ".join(str(h.start + 1) for h in hits[:8]) + (", ..." if len(hits) > 8 else "")
    what = what or f"The SEARCH text matches {len(hits)} places"
    how = _HOW.get(level, level.value)
    if any(h.like for h in hits):
        how = _LIKE_HOW[bool(any(h.shift[1] or (h.retab and h.retab.offset) for h in hits))]
    return _fail(
        "ambiguous",
        f"{what} ({how}), starting at lines {where}; add lines around it so it matches only one.",
        tuple((h.start + 1, lines[h.start]) for h in hits[:8]),
        level,
    )


def _keys(lines: list[str], punct: bool) -> list[str]:
    """Lines as compared to tell a kept line from a changed one: exactly, but for a stray "\\r"
    (and, at the punctuation level, the typography)."""
    out = [line.removesuffix("\r") for line in lines]
    return [normalise(line) for line in out] if punct else out


def _replace(
    lines: list[str],
    final_newline: bool,
    parts: Sequence[tuple[Hit, list[str], list[str]]],
    level: MatchLevel,
    search: str | None,
    view: FileView | None = None,
) -> MatchResult:
    """The file with each hit's lines replaced by its REPLACE lines. A REPLACE line that repeats
    a SEARCH line unchanged is written as the file has that line (so a looser match never
    rewrites its whitespace or typography), wherever it is in the block, as long as which line
    it repeats is clear (``kept_lines``); the model's other lines are re-indented by the hit's
    offset. ``search`` is given at the punctuation level (see ``ascii_like``). New lines of a
    block that matched as written but are indented in the style the file does not use are
    rewritten in the file's (``restyle``, with the indentation units of ``view``)."""
    span = (parts[0][0].start, parts[-1][0].end)
    restyled: Retab | None = None
    region = "\n".join(lines[span[0] : span[1]])
    punct = search is not None
    out: list[str] = []
    pos = 0
    for hit, pat, rep in parts:
        pat = pat[hit.top : len(pat) - hit.bottom]
        rep = trim_like(rep, hit.top, hit.bottom)
        kept = kept_lines(_keys(pat, punct), _keys(rep, punct), lines[hit.start : hit.end])
        new = [r for r, k in zip(rep, kept, strict=True) if k is None]
        written = [r if k is None else k for r, k in zip(rep, kept, strict=True)]
        raw_found, raw = raw_flags(view, hit.start, hit.end, written)
        if hit.retab is not None:
            raw_new = [f for f, k in zip(raw, kept, strict=True) if k is None]
            found = lines[hit.start : hit.end]
            moved = retab_lines(new, hit.retab, pat, found, raw_found, raw_new, view)
        else:
            shifted = reindent(new, hit.shift)
            moved = (
                "the REPLACE has lines indented less than the difference"
                if shifted is None
                else shifted
            )
        if isinstance(moved, str):
            return _fail(
                "not_found",
                f"The SEARCH matched at {_lines_label(hit.start, hit.end)} only with a different "
                f"indentation, and {moved}, so the REPLACE cannot be re-indented; copy the "
                "SEARCH and REPLACE with the file's indentation.",
                tuple((i + 1, lines[i]) for i in range(hit.start, min(hit.end, hit.start + 8))),
            )
        if search is not None:
            moved = ascii_like(moved, search, region)
        model = iter(moved)
        block = [k if k is not None else next(model) for k in kept]
        if hit.retab is None:
            before = lines[hit.start - 1] if hit.start else ""
            found = lines[hit.start : hit.end]
            new_k = [k is None for k in kept]
            styled = restyle(block, new_k, view, pat, found, before, raw, raw_found)
            if isinstance(styled, str):
                return _fail(
                    "ambiguous",
                    f"The SEARCH matched at {_lines_label(hit.start, hit.end)}, but {styled}; "
                    "copy the REPLACE with the file's indentation.",
                    tuple((i + 1, lines[i]) for i in range(hit.start, min(hit.end, hit.start + 8))),
                )
            block, unit = styled
            restyled = restyled or unit
        out.extend(lines[pos : hit.start])
        out.extend(block)
        pos = hit.end
    out.extend(lines[pos:])
    message = f"matched at {_lines_label(*span)} {_HOW[level]}"
    retab = parts[0][0].retab
    if retab is not None:
        message += f" (a tab read as {retab.width} columns; the replacement was written with " + (
            "tabs)" if retab.tabs else "spaces)"
        )
    elif restyled is not None:
        message += (
            "; the replacement's new lines were indented in the other style and were written with "
            + ("tabs" if restyled.tabs else "spaces")
            + f" (a tab read as {restyled.width} columns)"
        )
    return MatchResult(True, _join(out, final_newline), level, None, span, (), message)


def _one_reading(done: list[MatchResult], lines: list[str], level: MatchLevel) -> MatchResult:
    """One place read with different tab widths: applied if every reading gives the same file,
    else ambiguous."""
    if all(r.ok for r in done) and len({r.text for r in done}) == 1:
        return done[0]
    failed = [r for r in done if not r.ok]
    if len(failed) == len(done):
        return failed[0]
    start, end = next(r.span for r in done if r.span is not None)
    return _fail(
        "ambiguous",
        f"The SEARCH matches at {_lines_label(start, end)} only by reading its indentation in "
        "the file's tabs, and a tab read as 4 or as 8 columns gives different results; copy the "
        "SEARCH and REPLACE with the file's tabs.",
        tuple((i + 1, lines[i]) for i in range(start, min(end, start + 8))),
        level,
    )


def _several(
    lines: list[str],
    final_newline: bool,
    pat: list[str],
    rep: list[str],
    level: MatchLevel,
    search: str | None,
    hits: list[Hit],
    view: FileView,
) -> MatchResult:
    """Several hits: ambiguous, unless they are one place read with different tab widths that
    all give the same file."""
    if len({(h.start, h.end) for h in hits}) == 1:
        args = (lines, final_newline)
        done = [_replace(*args, [(h, pat, rep)], level, search, view) for h in hits]
        return _one_reading(done, lines, level)
    return _ambiguous(level, hits, lines)


def _attempt(
    view: FileView,
    lines: list[str],
    final_newline: bool,
    pat: list[str],
    rep: list[str],
    rep_probe: list[str],
    search: str | None,
) -> tuple[MatchResult | None, str]:
    """Levels 1-5 on one view of the file's ``lines`` (the punctuation level passes a view of
    normalised lines and the original SEARCH as ``search``). Returns (result, why not), result
    None when not found."""
    found = ladder(view, pat)
    if found is not None:
        step, hits = found
        level = MatchLevel.PUNCTUATION if search is not None else _STEP_LEVEL[step]
        if len(hits) > 1:
            return _several(lines, final_newline, pat, rep, level, search, hits, view), ""
        return _replace(lines, final_newline, [(hits[0], pat, rep)], level, search, view), ""
    if not any(is_marker(p) for p in pat):
        return None, ""
    elided = elide(view, pat, rep, pat, rep_probe)
    if elided is None:
        return None, ""
    level = MatchLevel.PUNCTUATION if search is not None else MatchLevel.ELISION
    if elided.parts:
        done = [
            _replace(lines, final_newline, parts, level, search, view)
            for parts in (elided.parts, *elided.others)
        ]
        return _one_reading(done, lines, level), ""
    if elided.reason == "ambiguous":
        return _ambiguous(level, elided.hits, lines, elided.message), ""
    return None, elided.message


def apply_block(text: str | None, search: str, replace: str, *, path: str = "") -> MatchResult:
    """Apply one edit to ``text`` (None: the file does not exist). An empty (or blank) SEARCH
    creates the file when it does not exist, fills it when it is empty or blank, else fails
    ``not_empty``. ``path`` (the file's name) tells a Makefile, whose indentation is tabs. See
    the module docstring for the ladder."""
    if not search.strip():
        return _create(text, replace)
    if text is None:
        return _fail("file_missing", "The file does not exist; use an empty SEARCH to create it.")
    lines, final_newline = _split_text(text)
    pat = _block_lines(search)
    rep = [line.removesuffix("\r") for line in _block_lines(replace)]  # "\r" is always stray here
    result, why = _attempt(FileView(lines, path), lines, final_newline, pat, rep, rep, None)
    if result is None and (has_punct(text) or has_punct(search)):
        npat = [normalise(p) for p in pat]
        nrep = [normalise(r) for r in rep]
        view = FileView([normalise(line) for line in lines], path)
        result, why2 = _attempt(view, lines, final_newline, npat, rep, nrep, search)
        why = why or why2
    if result is not None:
        return result
    message = "The SEARCH text was not found in the file"
    return _fail("not_found", f"{message}: {why}." if why else f"{message}.", closest(lines, pat))


def apply_blocks(
    text: str | None, blocks: Sequence[EditBlock], *, path: str = ""
) -> tuple[str | None, list[MatchResult]]:
    """Apply ``blocks`` (all for one file) in order to the evolving text. A failed block leaves
    the text as it was and the rest still run. A ``delete`` block gives None (ok, level None)."""
    results: list[MatchResult] = []
    for block in blocks:
        if block.delete:
            if text is None:
                result = _fail("file_missing", "The file to delete does not exist.")
            else:
                span = (0, len(_split_text(text)[0]))
                result = MatchResult(True, None, None, None, span, (), "deletes the file")
        else:
            result = apply_block(text, block.search, block.replace, path=path)
        if result.ok:
            text = result.text
        results.append(result)
    return text, results
