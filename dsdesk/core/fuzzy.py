"""Fuzzy matching for pickers (the command palette, the shortcut list): the query's letters must
appear in order; among the ways they can, the best-scoring one is kept, and candidates are ranked
by it.

Scores favour what a person means by an abbreviation: letters at word starts (``tgth`` is
*T*o*g*gle *th*inking) and contiguous runs; a scattered match still counts, but lower. As in
fzf, a letter that continues a run earns as much as the letter that started it, so a run that
starts a word ("Mod" in "Model") beats one inside a word ("ct" in "project"). Ties fall
back to the shorter text, then alphabetical order, so the list never reorders by chance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["Match", "fuzzy_match", "fuzzy_sort"]

T = TypeVar("T")

MATCH = 1
WORD_START = 8  # the first letter of a word ("Toggle", "thinking", "camelCase")
FIRST_CHAR = 4  # extra for the text's own first letter
RUN = 5  # the least a letter right after the previous matched one earns
GAP = 1  # the cost of a jump: with equal bonuses, a run ("Mod") beats "Mo" + "d" further on
_SEPARATORS = frozenset(" _-/.:,()[]…+")
_NEG = -(10**9)


@dataclass(frozen=True, slots=True)
class Match:
    score: int
    positions: tuple[int, ...]  # indexes into the text of the matched letters, for highlighting


def _word_starts(text: str) -> list[bool]:
    out = []
    for i, ch in enumerate(text):
        prev = text[i - 1] if i else " "
        out.append(prev in _SEPARATORS or (prev.islower() and ch.isupper()))
    return out


def fuzzy_match(query: str, text: str) -> Match | None:
    """The best alignment of ``query`` (case-insensitive, spaces ignored) in ``text``, or None.

    Dynamic programming over (query letter, text position): ``best[j]`` is the best score with the
    current query letter matched at ``j``; a running maximum over earlier positions keeps it
    O(len(query) × len(text))."""
    q = [c for c in query.lower() if not c.isspace()]
    if not q:
        return Match(0, ())
    t = text.lower()
    n = len(t)
    starts = _word_starts(text)
    word = [WORD_START if starts[j] else 0 for j in range(n)]
    # back[i][j]: where query letter i-1 was matched when letter i is matched at j;
    # lead[j]: the bonus of the letter that started the run ending at j.
    back: list[list[int]] = []
    prev: list[int] = []
    prev_lead: list[int] = []
    for i, ch in enumerate(q):
        cur = [_NEG] * n
        lead = [0] * n
        links = [-1] * n
        best_before, best_at = _NEG, -1  # max of prev[k] for k < j - 1
        for j in range(n):
            if i and j >= 2 and prev[j - 2] > best_before:
                best_before, best_at = prev[j - 2], j - 2
            if t[j] != ch:
                continue
            first = FIRST_CHAR if j == 0 else 0
            if i == 0:
                cur[j], lead[j] = MATCH + word[j] + first, word[j]
                continue
            if j >= 1 and prev[j - 1] > _NEG:
                carried = max(word[j], prev_lead[j - 1], RUN)
                cur[j], lead[j], links[j] = prev[j - 1] + MATCH + carried, prev_lead[j - 1], j - 1
            if best_before > _NEG:
                jump = best_before + MATCH + word[j] + first - GAP
                if jump > cur[j]:
                    cur[j], lead[j], links[j] = jump, word[j], best_at
        back.append(links)
        prev, prev_lead = cur, lead
    end = max(range(n), key=lambda j: (prev[j], -j), default=-1)
    if end < 0 or prev[end] <= _NEG:
        return None
    positions = [end]
    for i in range(len(q) - 1, 0, -1):
        positions.append(back[i][positions[-1]])
    return Match(prev[end], tuple(reversed(positions)))


def fuzzy_sort(query: str, items: Sequence[T], key: Callable[[T], str]) -> list[tuple[T, Match]]:
    """The items whose ``key`` matches ``query``, best first; ties: shorter, then alphabetical."""
    scored = []
    for item in items:
        text = key(item)
        m = fuzzy_match(query, text)
        if m is not None:
            scored.append(((-m.score, len(text), text.lower(), text), item, m))
    scored.sort(key=lambda s: s[0])  # stable: equal texts keep their given order
    return [(item, m) for _k, item, m in scored]
