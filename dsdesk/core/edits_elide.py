"""``...`` elision in a SEARCH, Unicode punctuation, and the "closest lines" of a failed match.

Elision: a SEARCH line that is only ``...`` (or a comment starting with it: ``# ...``,
``// ... existing code ...``, ``/* ... */``, ``<!-- ... -->``, ``-- ...``, ``; ...``) splits the
SEARCH into pieces. Each piece must be found exactly once, all at the same tolerance (and, read
in tabs, with the same width of a tab), in order, without overlapping, and at no other place under
a like reading (``edits_ladder.widen``: trailing whitespace, tabs written as spaces); the file
text between them is kept as it is. The REPLACE must have the same number of markers, and its
pieces replace the SEARCH's pieces one for one. A piece that is only blank lines pins nothing
down, so its REPLACE piece must be blank too. Anything else fails.
"""

from __future__ import annotations

import difflib
import heapq
import itertools
from dataclasses import dataclass

from dsdesk.core.edits_ladder import WS, FileView, Hit, Mode, find, find_trimmed, widen

_COMMENTS = (("#", ""), ("//", ""), ("--", ""), (";", ""), ("/*", "*/"), ("<!--", "-->"))

# Typographic characters a model (or a chat UI) puts where code has ASCII.
PUNCT = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2026": "...",
}
_TABLE = str.maketrans(PUNCT)
_CANDIDATES = 20  # lines like the SEARCH's first line that get a closer look
_MIN_SIMILARITY = 0.4  # below this the "closest" lines would only be noise


def has_punct(text: str) -> bool:
    return any(c in text for c in PUNCT)


def normalise(line: str) -> str:
    return line.translate(_TABLE)


def ascii_like(rep: list[str], search: str, region: str) -> list[str]:
    """REPLACE with the typographic characters that only the SEARCH had (not the matched file
    text) turned back into ASCII: the model prettified them, in REPLACE too."""
    table = str.maketrans({c: a for c, a in PUNCT.items() if c in search and c not in region})
    return [line.translate(table) for line in rep]


def is_marker(line: str) -> bool:
    s = line.strip(WS)
    if s == "...":
        return True
    for start, end in _COMMENTS:
        fits = len(s) >= len(start) + len(end) and s.startswith(start) and s.endswith(end)
        if fits and s[len(start) : len(s) - len(end)].strip(WS).startswith("..."):
            return True
    return False


def split_pieces(lines: list[str], probe: list[str]) -> list[list[str]]:
    """``lines`` cut at the marker lines of ``probe`` (the same lines, maybe normalised)."""
    pieces: list[list[str]] = [[]]
    for line, p in zip(lines, probe, strict=True):
        if is_marker(p):
            pieces.append([])
        else:
            pieces[-1].append(line)
    return pieces


@dataclass(frozen=True, slots=True)
class Elided:
    """The outcome: ``parts`` (hit, SEARCH piece, REPLACE piece) on success (and ``others``, the
    parts under each other reading of a tab that also fits); else ``reason`` and ``message`` and,
    when ambiguous, the hits of the piece found at more than one place."""

    parts: tuple[tuple[Hit, list[str], list[str]], ...] = ()
    others: tuple[tuple[tuple[Hit, list[str], list[str]], ...], ...] = ()  # other tab readings
    reason: str = ""
    message: str = ""
    hits: tuple[Hit, ...] = ()


def elide(
    view: FileView, pat: list[str], rep: list[str], pat_probe: list[str], rep_probe: list[str]
) -> Elided | None:
    """Match ``pat`` piece by piece; None when it has no elision markers."""
    sp, rp = split_pieces(pat, pat_probe), split_pieces(rep, rep_probe)
    if len(sp) == 1:
        return None
    if len(rp) != len(sp):
        return Elided(
            reason="not_found",
            message=f"SEARCH has {len(sp) - 1} `...` line(s) but REPLACE has {len(rp) - 1}; "
            "they must match one for one",
        )
    pairs: list[tuple[list[str], list[str]]] = []
    for p, q in zip(sp, rp, strict=True):
        if all(not line.strip(WS) for line in p):
            if any(line.strip(WS) for line in q):
                return Elided(
                    reason="not_found",
                    message="REPLACE adds lines next to a `...` where SEARCH has none to place "
                    "them by",
                )
            continue  # nothing to find, nothing to write: the elided text just grows
        pairs.append((p, q))
    for trimmed in (False, True):
        for mode in Mode:
            finder = find_trimmed if trimmed else find
            decided: list[Elided] = []
            # Each reading of a tab on its own, so that every piece is read the same way; the
            # caller refuses when the readings give different files.
            tabs = mode >= Mode.TABS and len(view.units) > 1
            for units in [(u,) for u in view.units] if tabs else [None]:
                found = [finder(view, p, mode, units) for p, _ in pairs]
                if all(found):
                    wide = zip(found, pairs, strict=True)
                    found = [widen(view, p, mode, h, trimmed) for h, (p, _) in wide]
                    decided.append(_decide(found, pairs))
            if decided:
                failed = [d for d in decided if not d.parts]
                if failed:
                    return failed[0]
                return Elided(parts=decided[0].parts, others=tuple(d.parts for d in decided[1:]))
    return Elided(
        reason="not_found", message="a piece of the SEARCH between `...` lines was not found"
    )


def _decide(found: list[list[Hit]], pairs: list[tuple[list[str], list[str]]]) -> Elided:
    for n, hits in enumerate(found, 1):
        if len(hits) > 1:
            return Elided(
                reason="ambiguous",
                message=f"piece {n} of the SEARCH (between `...` lines) matches {len(hits)} places",
                hits=tuple(hits),
            )
    chosen = [hits[0] for hits in found]
    for a, b in itertools.pairwise(chosen):
        if b.start < a.end:
            return Elided(
                reason="not_found",
                message="the pieces of the SEARCH between `...` lines are not in file order",
            )
    if len({(h.shift, h.retab) for h in chosen}) > 1:
        return Elided(
            reason="not_found",
            message="the pieces of the SEARCH between `...` lines are indented inconsistently",
        )
    return Elided(parts=tuple((h, p, q) for h, (p, q) in zip(chosen, pairs, strict=True)))


def closest(lines: list[str], pat: list[str], limit: int = 8) -> tuple[tuple[int, str], ...]:
    """The file lines most like the SEARCH's first non-blank lines, for a "did you mean" report:
    a window of up to ``limit`` lines (1-based numbers). Only for reporting; never applied."""
    probe = [(k, s.strip()) for k, s in enumerate(pat) if s.strip()][:3]
    if not probe or not lines:
        return ()
    k0, first = probe[0]
    sm = difflib.SequenceMatcher(None, autojunk=False)
    sm.set_seq2(first)  # seq2 is the cached side: compare every file line against it
    best: list[tuple[float, int]] = []  # min-heap (score, -line) of the lines most like it
    for i, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        sm.set_seq1(text)
        floor = best[0][0] if len(best) >= _CANDIDATES else 0.0
        if sm.real_quick_ratio() <= floor or sm.quick_ratio() <= floor:
            continue  # cheap upper bounds first: most lines stop here
        score = sm.ratio()
        if len(best) < _CANDIDATES:
            heapq.heappush(best, (score, -i))
        elif score > floor:
            heapq.heapreplace(best, (score, -i))
    top: tuple[float, int] | None = None  # (mean similarity of the probe lines, start)
    for _, neg in best:
        start = -neg - k0  # where the SEARCH would begin if this line is its first
        total = 0.0
        for k, s in probe:
            if 0 <= start + k < len(lines):
                sm2 = difflib.SequenceMatcher(None, lines[start + k].strip(), s, autojunk=False)
                total += sm2.ratio()
        mean = total / len(probe)
        if top is None or mean > top[0] or (mean == top[0] and start < top[1]):
            top = (mean, start)
    if top is None or top[0] < _MIN_SIMILARITY:
        return ()
    start = max(0, top[1])
    n = min(limit, max(len(pat), 3))
    return tuple((i + 1, lines[i]) for i in range(start, min(start + n, len(lines))))
