"""Which REPLACE lines repeat a SEARCH line unchanged, so that the file's own form of that line
(its trailing whitespace, indentation and typography) is written instead of the model's: a looser
match never rewrites a line the model kept (used by ``edits_match``)."""

from __future__ import annotations

from collections import Counter

__all__ = ["kept_lines"]

# Above this many (SEARCH x REPLACE) line pairs, counting only lines found on both sides, the
# alignment table is not built for the whole block: only the lines the two share at the top and
# bottom are paired (in place), and the middle is aligned if it is small enough.
_ALIGN_CELLS = 160_000


def kept_lines(pat: list[str], rep: list[str], file_lines: list[str]) -> list[str | None]:
    """For each REPLACE line, the file's own line to write instead of it, or None to write the
    model's line (re-indented by the caller).

    ``pat`` and ``rep`` are compared as given (the caller normalises them), ``file_lines`` are
    the lines ``pat`` matched, one for one. A REPLACE line that repeats a SEARCH line gets the
    file's line when which one it repeats is clear, so a looser match never rewrites the
    whitespace or typography of a line the model kept:

    * the line occurs as often in REPLACE as in SEARCH (no copy added or removed: every copy is
      kept, even if moved) and the file spells all its SEARCH copies alike; or
    * it pairs with a SEARCH line under every longest alignment of SEARCH with REPLACE, and all
      the SEARCH lines it pairs with there are spelled alike in the file.

    Otherwise (a copy added or removed, and the file spells the copies differently) it is a
    guess, and the model's line is written.
    """
    out = _by_alignment(pat, rep, file_lines)
    forms: dict[str, set[str]] = {}
    for s, f in zip(pat, file_lines, strict=True):
        forms.setdefault(s, set()).add(f)
    count_pat = Counter(pat)
    count_rep = Counter(rep)
    for j, r in enumerate(rep):
        spelled = forms.get(r)
        if out[j] is None and spelled and len(spelled) == 1 and count_pat[r] == count_rep[r]:
            out[j] = next(iter(spelled))
    return out


def _by_alignment(pat: list[str], rep: list[str], file_lines: list[str]) -> list[str | None]:
    """The second rule of ``kept_lines``. For a block too large to align as a whole, only the
    lines SEARCH and REPLACE share at the top and bottom are paired (in place), and the middle
    is aligned if it is small enough."""
    if _cells(pat, rep) <= _ALIGN_CELLS:
        return _aligned(pat, rep, file_lines)
    m, n = len(pat), len(rep)
    limit = min(m, n)
    head = 0
    while head < limit and pat[head] == rep[head]:
        head += 1
    tail = 0
    while tail < limit - head and pat[m - 1 - tail] == rep[n - 1 - tail]:
        tail += 1
    out: list[str | None] = [*file_lines[:head], *([None] * (n - head - tail))]
    out += file_lines[m - tail :] if tail else []
    if _cells(pat[head : m - tail], rep[head : n - tail]) <= _ALIGN_CELLS:
        middle = _aligned(pat[head : m - tail], rep[head : n - tail], file_lines[head : m - tail])
        out[head : n - tail] = middle
    return out


def _cells(pat: list[str], rep: list[str]) -> int:
    """The size of ``_aligned``'s tables: only lines found on both sides take part."""
    shared = set(pat) & set(rep)
    return sum(s in shared for s in pat) * sum(r in shared for r in rep)


def _aligned(pat: list[str], rep: list[str], file_lines: list[str]) -> list[str | None]:
    """``_by_alignment`` with a longest-common-subsequence table over the whole of both lists."""
    out: list[str | None] = [None] * len(rep)
    shared = set(pat) & set(rep)
    si = [i for i, s in enumerate(pat) if s in shared]  # only lines that can pair take part
    rj = [j for j, r in enumerate(rep) if r in shared]
    if not si:
        return out
    a, b = [pat[i] for i in si], [rep[j] for j in rj]
    m, n = len(a), len(b)
    # fwd[i][j]: longest alignment of a[:i] with b[:j]; bwd[i][j]: of a[i:] with b[j:].
    fwd = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(m):
        row, nxt, x = fwd[i], fwd[i + 1], a[i]
        for j in range(n):
            nxt[j + 1] = row[j] + 1 if x == b[j] else max(row[j + 1], nxt[j])
    bwd = [[0] * (n + 1) for _ in range(m + 1)]
    for i in range(m - 1, -1, -1):
        row, nxt, x = bwd[i], bwd[i + 1], a[i]
        for j in range(n - 1, -1, -1):
            row[j] = nxt[j + 1] + 1 if x == b[j] else max(nxt[j], row[j + 1])
    best = fwd[m][n]
    where: dict[str, list[int]] = {}
    for i, s in enumerate(a):
        where.setdefault(s, []).append(i)
    for j, r in enumerate(b):
        if any(fwd[i][j] + bwd[i][j + 1] == best for i in range(m + 1)):
            continue  # some longest alignment leaves this line unpaired: maybe an added copy
        forms = {file_lines[si[i]] for i in where[r] if fwd[i][j] + 1 + bwd[i + 1][j + 1] == best}
        if len(forms) == 1:
            out[rj[j]] = forms.pop()
    return out
