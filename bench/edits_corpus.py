"""The corpus of `bench/edits.py`: SEARCH/REPLACE edits rebuilt from a real repository's history.

For each selected commit and each modified file matching the pathspecs (``*.py`` by default;
``--paths '*.go' Makefile`` for a Go project), git's own zero-context hunks (``-U0``,
Myers) give the changed regions between the file at the parent (old) and at the commit (new).
Each region becomes a block: SEARCH = its old lines plus unchanged context (2 lines above and
below, grown one line a side up to 8 until the SEARCH occurs exactly once in the text the engine
will see, i.e. the old file with the earlier blocks applied); REPLACE = its new lines with the
same context. Regions whose context would overlap are merged into one block. A block still not
unique at 8 lines is kept and marked: a correct engine must refuse it as ambiguous.

Perturbations (variant ``perturbed``), drawn by a RNG seeded per (commit, file, block):
``trailing_ws`` (1–3 unchanged lines of the block get trailing spaces or a tab in the file —
old and expected new alike — and the answer has none on its SEARCH lines nor on the unchanged
lines of its REPLACE), ``indent`` (SEARCH and REPLACE shifted together: dedented to the block's
minimum indent, or 4 spaces right; whitespace-only lines become empty, so not when the
commit changes one), ``elision`` (a run of
≥3 unchanged lines strictly inside the SEARCH, and the same run in the REPLACE, become one
``...`` line), and per answer ``path_fence`` (the path in a fenced block of its own) and ``crlf``
(the file on disk and the expected file use CRLF; the answer stays LF).

Variant ``retabbed``: the ``perturbed`` answers with every block's leading whitespace written in
the other indentation style, as models do: in a file indented with tabs (more lines start with a
tab than with two or more spaces), each leading tab becomes spaces up to the next multiple of 4
(or of 8, for a quarter of the files); in any other file each 4 leading spaces become one tab.
Only the answer changes; the file on disk and the expected file keep their own style. Blocks
whose text changed get the kind ``tabs``. A block is left as it is when retabbing would undo its
commit or make it unreadable: the commit changes leading whitespace (a SEARCH line and a
different REPLACE line that retabbing would make equal), or adds a line already in the style the
answer is retabbed to (a tab in a spaces file, four spaces in a tab file: a raw string's own
text, say), which no reader of the answer could then tell from the lines retabbing changed.
"""

from __future__ import annotations

import random
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

CTX0, CTXMAX = 2, 8
_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_INDEX = re.compile(rb"^index ([0-9a-f]{40})\.\.([0-9a-f]{40})")
_LANGS = {"py": "python", "go": "go", "c": "c", "h": "c", "js": "javascript", "rs": "rust"}
_MARKERISH = re.compile(r"^\s*(<{5,9}|={5,9}|>{5,9})")


@dataclass(frozen=True, slots=True)
class Region:  # one git hunk: old[i1:i2] became new[j1:j2]
    i1: int
    i2: int
    j1: int
    j2: int


@dataclass(frozen=True, slots=True)
class Block:
    lo: int  # SEARCH = old[lo:hi]
    hi: int
    jlo: int  # REPLACE = new[jlo:jhi]
    jhi: int
    regions: tuple[Region, ...]
    unique: bool  # the SEARCH occurs exactly once where the engine will look for it

    def rows(self) -> Iterator[tuple[str, int, int]]:
        """(tag, old index, new index) in order: "eq" context, "del" old-only, "add" new-only."""
        i = self.lo
        for r in self.regions:
            for k in range(i, r.i1):
                yield "eq", k, r.j1 - (r.i1 - k)
            for k in range(r.i1, r.i2):
                yield "del", k, -1
            for k in range(r.j1, r.j2):
                yield "add", -1, k
            i = r.i2
        last = self.regions[-1]
        for k in range(i, self.hi):
            yield "eq", k, last.j2 + (k - last.i2)


@dataclass(slots=True)
class Case:
    commit: str
    path: str
    old: list[str]  # lines without "\n"
    new: list[str]
    final_nl: bool
    blocks: list[Block]


@dataclass(slots=True)
class Corpus:
    cases: list[Case]
    commits: int
    skipped_commits: Counter[str] = field(default_factory=Counter)
    skipped_files: Counter[str] = field(default_factory=Counter)


def _split(text: str) -> tuple[list[str], bool]:
    lines = text.split("\n")
    if lines[-1] == "":
        return lines[:-1], True
    return lines, False


def _count(hay: list[str], pat: list[str]) -> int:
    n, first, size = 0, pat[0], len(pat)
    for p in range(len(hay) - size + 1):
        if hay[p] == first and hay[p : p + size] == pat:
            n += 1
            if n > 1:
                break
    return n


def build_blocks(old: list[str], new: list[str], regions: list[Region]) -> list[Block]:
    """Blocks in file order; see the module docstring."""
    out: list[Block] = []
    k = 0
    while k < len(regions):
        core = [regions[k]]
        k += 1
        ctx = CTX0
        while True:
            if k < len(regions) and regions[k].i1 - CTX0 < core[-1].i2 + ctx:
                core.append(regions[k])  # the next region's context would overlap ours
                k += 1
                continue
            lo, hi = max(0, core[0].i1 - ctx), min(len(old), core[-1].i2 + ctx)
            if out and lo < out[-1].hi:
                core = list(out.pop().regions) + core  # grew into the previous block
                continue
            prev = out[-1] if out else None
            seen = new[: prev.jhi] + old[prev.hi :] if prev else old
            pat = old[lo:hi]
            unique = _count(seen, pat) == 1 if pat else True
            if unique or ctx >= CTXMAX or (lo == 0 and hi == len(old)):
                break
            ctx += 1
        jlo = core[0].j1 - (core[0].i1 - lo)
        jhi = core[-1].j2 + (hi - core[-1].i2)
        out.append(Block(lo, hi, jlo, jhi, tuple(core), unique))
    return out


class _Blobs:
    def __init__(self, gitdir: str) -> None:
        self.proc = subprocess.Popen(
            ["git", f"--git-dir={gitdir}", "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def get(self, sha: str) -> bytes:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(sha.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            raise KeyError(sha)
        data = self.proc.stdout.read(int(header[2]) + 1)
        return data[:-1]

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


@dataclass(slots=True)
class _FileDiff:
    path: str
    old_sha: str = ""
    new_sha: str = ""
    regions: list[Region] = field(default_factory=list)


def _log(gitdir: str, paths: tuple[str, ...]) -> Iterator[tuple[str, list[_FileDiff]]]:
    """(commit, its modified files matching ``paths`` with hunks), newest first, non-merge
    commits only."""
    cmd = ["git", f"--git-dir={gitdir}", "-c", "core.quotepath=off", "log", "--no-merges"]
    cmd += ["--full-history", "--no-color", "--no-ext-diff", "--no-renames", "--diff-filter=M"]
    cmd += ["--full-index", "-p", "-U0", "--diff-algorithm=myers", "--format=@@@%H", "--", *paths]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    assert proc.stdout
    commit, files = "", []
    try:
        for raw in proc.stdout:
            if raw.startswith(b"@@@") and not raw.startswith(b"@@@ "):
                if commit:
                    yield commit, files
                commit, files = raw[3:].strip().decode(), []
            elif raw.startswith(b"diff --git "):
                files.append(_FileDiff(""))
            elif not files:
                continue
            elif raw.startswith(b"+++ b/"):
                files[-1].path = raw[6:].rstrip(b"\n").decode("utf-8", "replace")
            elif m := _INDEX.match(raw):
                files[-1].old_sha, files[-1].new_sha = m[1].decode(), m[2].decode()
            elif m := _HUNK.match(raw):
                a, b = int(m[1]), 1 if m[2] is None else int(m[2])
                c, d = int(m[3]), 1 if m[4] is None else int(m[4])
                i1 = a if b == 0 else a - 1
                j1 = c if d == 0 else c - 1
                files[-1].regions.append(Region(i1, i1 + b, j1, j1 + d))
        if commit:
            yield commit, files
    finally:
        proc.kill()
        proc.wait()


def _decode(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\r" in text else text


def _consistent(old: list[str], new: list[str], regions: list[Region]) -> bool:
    out: list[str] = []
    i = 0
    for r in regions:
        if r.i1 < i or r.i2 > len(old) or r.j2 > len(new):
            return False
        out += old[i : r.i1] + new[r.j1 : r.j2]
        i = r.i2
    return out + old[i:] == new


def _case(commit: str, fd: _FileDiff, blobs: _Blobs, max_lines: int) -> Case | str:
    """A Case, or why the file is skipped."""
    if not fd.regions or not fd.old_sha:
        return "no line changes (mode only or binary)"
    old_text, new_text = _decode(blobs.get(fd.old_sha)), _decode(blobs.get(fd.new_sha))
    if old_text is None or new_text is None:
        return "not UTF-8 or has CR line endings"
    if not old_text.strip():
        return "old file empty"
    old, old_nl = _split(old_text)
    new, new_nl = _split(new_text)
    if max(len(old), len(new)) > max_lines:
        return f"file over {max_lines} lines"
    if old_nl != new_nl:
        return "final newline added or removed (not expressible as SEARCH/REPLACE)"
    if not _consistent(old, new, fd.regions):
        return "hunks inconsistent with the blobs"
    return Case(commit, fd.path, old, new, old_nl, build_blocks(old, new, fd.regions))


def load(
    gitdir: str,
    commits: int,
    max_changed: int = 400,
    max_lines: int = 3000,
    paths: tuple[str, ...] = ("*.py",),
) -> Corpus:
    corpus = Corpus([], 0)
    blobs = _Blobs(gitdir)
    what = " ".join(paths)
    try:
        for commit, files in _log(gitdir, paths):
            if corpus.commits >= commits:
                break
            changed = sum(r.i2 - r.i1 + r.j2 - r.j1 for fd in files for r in fd.regions)
            if changed > max_changed:
                corpus.skipped_commits[f"over {max_changed} changed lines in {what}"] += 1
                continue
            cases: list[Case] = []
            for fd in files:
                got = _case(commit, fd, blobs, max_lines)
                if isinstance(got, str):
                    corpus.skipped_files[got] += 1
                else:
                    cases.append(got)
            if not cases:
                corpus.skipped_commits[f"no usable {what} file"] += 1
                continue
            corpus.cases += cases
            corpus.commits += 1
    finally:
        blobs.close()
    return corpus


# --- answers -------------------------------------------------------------------------------


@dataclass(slots=True)
class Prepared:
    """One (commit, file) of one variant: the file on disk, the answer, what is expected."""

    case: Case
    old: list[str]  # as written to disk (maybe with injected trailing whitespace)
    new: list[str]
    crlf: bool
    path_fence: bool
    texts: list[tuple[list[str], list[str]]]  # (SEARCH, REPLACE) lines per block, as written
    kinds: list[tuple[str, ...]]  # perturbations per block (answer-wide ones included)

    def encode(self, lines: list[str]) -> bytes:
        eol = "\r\n" if self.crlf else "\n"
        return (eol.join(lines) + (eol if self.case.final_nl and lines else "")).encode()

    def old_bytes(self) -> bytes:
        return self.encode(self.old)

    def expected_lines(self, applied: set[int]) -> list[str]:
        """The file after exactly the blocks in ``applied`` (indices) were applied."""
        out: list[str] = []
        i = 0
        for k, b in enumerate(self.case.blocks):
            out += self.old[i : b.lo]
            out += self.new[b.jlo : b.jhi] if k in applied else self.old[b.lo : b.hi]
            i = b.hi
        return out + self.old[i:]

    def answer(self, only: int | None = None) -> str:
        picked = self.texts if only is None else [self.texts[only]]
        return render_answer(self.case.path, picked, self.path_fence)


def render_answer(path: str, texts: list[tuple[list[str], list[str]]], path_fence: bool) -> str:
    body: list[str] = []
    for search, replace in texts:
        body += ["<<<<<<< SEARCH", *search, "=======", *replace, ">>>>>>> REPLACE"]
    ticks = max((len(t) - len(t.lstrip("`")) for t in (ln.lstrip() for ln in body)), default=0)
    fence = "`" * max(3, ticks + 1)
    head = ["```", path, "```"] if path_fence else [path]
    return "\n".join([*head, fence + _lang(path), *body, fence, ""])


def _lang(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name in ("Makefile", "makefile", "GNUmakefile") or name.endswith(".mk"):
        return "make"
    return _LANGS.get(name.rsplit(".", 1)[-1] if "." in name else "", "")


def clean(case: Case) -> Prepared:
    texts = []
    for b in case.blocks:
        texts.append((case.old[b.lo : b.hi], case.new[b.jlo : b.jhi]))
    kinds: list[tuple[str, ...]] = [() for _ in case.blocks]
    return Prepared(case, case.old, case.new, False, False, texts, kinds)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _shift(lines: list[str], delta: int) -> list[str]:
    out = []
    for ln in lines:
        if not ln.strip():
            out.append("")
        elif delta < 0:
            out.append(ln[-delta:])
        else:
            out.append(" " * delta + ln)
    return out


def _lead(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _elisions(
    s: list[str], r: list[str], s_eq: list[int], r_eq: list[int]
) -> list[tuple[int, int]]:
    """Runs [x, y) of ≥3 unchanged rows (indices into the aligned ``s_eq``/``r_eq``, positions
    of the unchanged lines in SEARCH and REPLACE) strictly inside the SEARCH, leaving non-blank
    lines on both sides (two each when possible)."""
    runs: list[tuple[int, int]] = []
    start = 0
    for k in range(1, len(s_eq) + 1):
        if k == len(s_eq) or s_eq[k] != s_eq[k - 1] + 1 or r_eq[k] != r_eq[k - 1] + 1:
            runs.append((start, k))
            start = k
    if any(ln.strip() in ("...", "# ...") for ln in s + r):
        return []  # the code has real `...` lines: an elision marker could not be told apart
    options: list[tuple[int, int]] = []
    better: list[tuple[int, int]] = []  # both pieces keep ≥2 non-blank lines, as models do
    for a, b in runs:
        for x in range(a, b):
            for y in range(x + 3, b + 1):
                sx, sy = s_eq[x], s_eq[y - 1] + 1
                if sx < 1 or sy > len(s) - 1:
                    continue
                top = sum(1 for ln in s[:sx] if ln.strip())
                bottom = sum(1 for ln in s[sy:] if ln.strip())
                if top and bottom:
                    options.append((x, y))
                if top >= 2 and bottom >= 2:
                    better.append((x, y))
    return better or options


def _texts(
    rows: list[tuple[str, int, int]], old: list[str], new: list[str], strip: bool
) -> tuple[list[str], list[str], list[int], list[int]]:
    """SEARCH and REPLACE lines, and the positions of the unchanged lines in each."""
    s: list[str] = []
    r: list[str] = []
    s_eq: list[int] = []
    r_eq: list[int] = []
    for tag, i, j in rows:
        if tag == "eq":
            s_eq.append(len(s))
            r_eq.append(len(r))
        if tag != "add":
            s.append(old[i].rstrip(" \t") if strip else old[i])
        if tag != "del":
            r.append(new[j].rstrip(" \t") if strip and tag == "eq" else new[j])
    return s, r, s_eq, r_eq


def perturbed(case: Case, seed: int) -> Prepared:
    file_rng = random.Random(f"{seed}:{case.commit}:{case.path}")
    crlf = file_rng.random() < 0.25
    path_fence = file_rng.random() < 0.3
    answer_kinds = (("crlf",) if crlf else ()) + (("path_fence",) if path_fence else ())
    old, new = list(case.old), list(case.new)
    texts: list[tuple[list[str], list[str]]] = []
    kinds: list[tuple[str, ...]] = []
    for n, b in enumerate(case.blocks):
        rng = random.Random(f"{seed}:{case.commit}:{case.path}:{n}")
        rows = list(b.rows())
        lines = old[b.lo : b.hi] + new[b.jlo : b.jhi]
        seen = Counter(ln.rstrip() for ln in lines)
        # Only lines that the answer, stripped, still tells apart from every other line of the
        # block: else which copy "stays unchanged" is anyone's guess, the engine's included.
        eq = [(i, j) for tag, i, j in rows if tag == "eq" and seen[old[i].rstrip()] == 2]
        s, r, s_eq, r_eq = _texts(rows, old, new, False)
        cuts = _elisions(s, r, s_eq, r_eq)
        # Not when the commit itself changes trailing whitespace: stripping would erase the edit.
        changes_ws = any(old[i] != old[i].rstrip() for tag, i, _ in rows if tag == "del")
        possible = ["trailing_ws"] if eq and not changes_ws else []
        # Nor shifted when the commit changes a whitespace-only line: the shift writes such
        # lines empty on both sides, so the answer would no longer ask for the change.
        changed = [old[i] if tag == "del" else new[j] for tag, i, j in rows if tag != "eq"]
        blanks_ws = any(ln and not ln.strip() for ln in changed)
        tab_led = any("\t" in _lead(ln) for ln in lines)
        possible += ["indent"] if not tab_led and not blanks_ws else []
        possible += ["elision"] if cuts else []
        chosen = [k for k in possible if rng.random() < (0.8 if k == "elision" else 0.5)]
        if not chosen and not answer_kinds and possible:
            chosen = [rng.choice(possible)]
        if "trailing_ws" in chosen:
            for i, j in rng.sample(eq, min(len(eq), rng.randint(1, 3))):
                tail = rng.choice([" ", "  ", "    ", "\t"])
                old[i] += tail
                new[j] += tail
            s, r, s_eq, r_eq = _texts(rows, old, new, True)
        if "indent" in chosen:
            low = min((_indent(ln) for ln in s + r if ln.strip()), default=0)
            delta = -low if low and rng.random() < 0.7 else 4
            s, r = _shift(s, delta), _shift(r, delta)
        if "elision" in chosen:
            x, y = rng.choice(cuts)
            sx, sy, rx, ry = s_eq[x], s_eq[y - 1] + 1, r_eq[x], r_eq[y - 1] + 1
            first = s[sx]
            keep = first.strip() and rng.random() < 0.5
            marker = (first[: _indent(first)] if keep else "") + "..."
            s, r = [*s[:sx], marker, *s[sy:]], [*r[:rx], marker, *r[ry:]]
        texts.append((s, r))
        kinds.append(tuple(chosen) + answer_kinds)
    return Prepared(case, old, new, crlf, path_fence, texts, kinds)


def tab_indented(lines: list[str]) -> bool:
    """More lines start with a tab than with two or more spaces."""
    tabs = sum(ln.startswith("\t") for ln in lines)
    return tabs > sum(ln.startswith("  ") for ln in lines)


def _expand(lead: str, width: int) -> int:
    col = 0
    for ch in lead:
        col = (col // width + 1) * width if ch == "\t" else col + 1
    return col


def _retab(line: str, tabs: bool, width: int) -> str:
    """``line`` with its leading whitespace in the other style: tabs as spaces when ``tabs``
    (up to the next multiple of ``width``), else a tab for every ``width`` leading spaces."""
    body = line.lstrip(" \t")
    lead = line[: len(line) - len(body)]
    if tabs:
        return " " * _expand(lead, width) + body
    col = _expand(lead, width)
    return "\t" * (col // width) + " " * (col % width) + body


def _erases(s: list[str], r: list[str], tabs: bool, width: int) -> bool:
    """A SEARCH line and a REPLACE line that differ become the same once retabbed."""
    r_set = set(r)
    seen = {_retab(b, tabs, width): b for b in r_set}
    return any(a not in r_set and seen.get(_retab(a, tabs, width), a) != a for a in set(s))


def _untraceable(case: Case, b: Block, tabs: bool) -> bool:
    """The commit adds a line already indented in the style the answer is retabbed to (a tab in
    a spaces file, four spaces in a tab file: a raw string's own text, or the commit's own
    inconsistency): once the rest is retabbed, such a line cannot be told from a retabbed one,
    so which the answer means is not in it."""
    for tag, _, j in b.rows():
        lead, body = _lead(case.new[j]), case.new[j].strip()
        if tag == "add" and body and (lead.startswith("    ") if tabs else "\t" in lead):
            return True
    return False


def retabbed(case: Case, seed: int) -> Prepared:
    """``perturbed`` with the answer's leading whitespace in the other indentation style."""
    prep = perturbed(case, seed)
    tabs = tab_indented(case.old)
    rng = random.Random(f"{seed}:{case.commit}:{case.path}:tabs")
    width = (8 if rng.random() < 0.25 else 4) if tabs else 4
    texts: list[tuple[list[str], list[str]]] = []
    kinds: list[tuple[str, ...]] = []
    for (s, r), kind, b in zip(prep.texts, prep.kinds, case.blocks, strict=True):
        s2 = [_retab(ln, tabs, width) for ln in s]
        r2 = [_retab(ln, tabs, width) for ln in r]
        if _erases(s, r, tabs, width) or _untraceable(case, b, tabs):
            s2, r2 = s, r  # retabbing would undo the commit, or make it unreadable
        texts.append((s2, r2))
        kinds.append(kind + (("tabs",) if (s2, r2) != (s, r) else ()))
    return Prepared(case, prep.old, prep.new, prep.crlf, prep.path_fence, texts, kinds)


def marker_like(prep: Prepared, k: int) -> bool:
    s, r = prep.texts[k]
    return any(_MARKERISH.match(ln) for ln in s + r)
