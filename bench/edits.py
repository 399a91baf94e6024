"""How `dsdesk apply` handles SEARCH/REPLACE edits rebuilt from a real project's history
(docs/ARCHITECTURE.md §5). Prints figures; asserts nothing. Targets: zero applied wrongly,
and at least 97% applied on the perturbed and retabbed sets.

    .venv/bin/python bench/edits.py [--repo GITDIR] [--commits 400] [--seed 0] [--keep DIR]
                                    [--paths '*.py'] [--variants clean perturbed retabbed]

The corpus is made from a repository's history, so it needs a git clone (a distribution's
source package, such as Debian's golang-github-spf13-cobra-dev, has the files but not the
commits). The figures in docs and commits were measured on these two, a Python project indented
with spaces and a Go project indented with tabs, at the commits below:

    git clone https://github.com/pallets/click
    git -C click checkout 2c8cd3ac958a7eb316d67f2d316c27086c4c0369
    git clone https://github.com/spf13/cobra
    git -C cobra checkout adbc8813901bba65827259daa8e22ff94ec1f30e
    .venv/bin/python bench/edits.py --repo click/.git
    .venv/bin/python bench/edits.py --repo cobra/.git --paths '*.go' Makefile

(about 35 s each; ``--examples 100`` prints every wrongly applied block, ``--keep DIR`` keeps the
generated projects and answers).

The corpus (see ``bench/edits_corpus.py``): the newest ``--commits`` non-merge commits of the
repository that modify an existing file matching ``--paths`` (git pathspecs; commits over 400
changed lines and files over 3,000 lines are left out); every changed region of every modified
file becomes a block, one model-style answer per (commit, file). Three variants over the same
blocks: ``clean``, ``perturbed`` (lost trailing whitespace, shifted indentation, ``...``
elision, the path in a fence of its own, CRLF files) and ``retabbed`` (the perturbed answers
with leading tabs written as spaces in a tab-indented file, spaces as tabs in any other). Each
answer is applied with ``dsdesk apply --root DIR --json`` to
a temporary project holding the file at the parent commit, and the file on disk is compared with
the file the applied blocks should give.

Per block: "applied exactly" = reported applied and the file is exactly as expected; "refused" =
failed or skipped (by reason; a block the parser lost counts as refused "not parsed"); "applied
wrongly" = reported applied in a file that is not as expected: all its applied blocks count,
"content" when the difference is more than trailing whitespace. Each wrong file is then re-run
one block at a time, from the expected text before that block, to find the culprit blocks.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from edits_corpus import Case, Corpus, Prepared, clean, load, perturbed, retabbed

DEFAULT_REPO = "/work/.mirror/pallets+click/repo"
KINDS = ("trailing_ws", "indent", "elision", "path_fence", "crlf", "tabs")
Runner = Callable[[Path, Path], list[dict[str, object]]]


def _in_process() -> Runner | None:
    """`dsdesk.cli.main` called in this process, stdout captured; None if it cannot be."""
    try:
        from dsdesk.cli import COMMANDS, main
    except ImportError:
        return None
    if "apply" not in COMMANDS:
        return None

    def run(root: Path, reply: Path) -> list[dict[str, object]]:
        raw = io.BytesIO()  # behind a text wrapper: print() and sys.stdout.buffer both work
        out = io.TextIOWrapper(raw, encoding="utf-8")
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(io.StringIO()),
            contextlib.suppress(SystemExit),
        ):
            main(["apply", "--root", str(root), "--json", str(reply)])
        out.flush()
        return _json_lines(raw.getvalue().decode("utf-8", "replace"))

    return run


def _subprocess(root: Path, reply: Path) -> list[dict[str, object]]:
    cmd = [sys.executable, "-m", "dsdesk", "apply", "--root", str(root), "--json", str(reply)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return _json_lines(done.stdout)


def _json_lines(text: str) -> list[dict[str, object]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                rows.append(json.loads(line))
    return rows


@dataclass(slots=True)
class Tally:
    name: str
    files: int = 0
    blocks: int = 0
    exact: int = 0
    near: int = 0  # applied, the file as expected but for trailing whitespace (exact included)
    refused: Counter[str] = field(default_factory=Counter)
    wrong: int = 0  # applied blocks in files that came out wrong
    wrong_content: int = 0  # ... of which in files wrong beyond trailing whitespace
    wrong_files: int = 0
    culprits: int = 0
    culprits_ws: int = 0
    levels: Counter[str] = field(default_factory=Counter)
    kind_blocks: Counter[str] = field(default_factory=Counter)
    kind_exact: Counter[str] = field(default_factory=Counter)
    kind_near: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    calls: int = 0
    crashes: int = 0
    changed_unreported: int = 0  # files changed although no block reported applied
    examples: list[str] = field(default_factory=list)  # culprits, content differs
    refused_examples: list[str] = field(default_factory=list)
    refused_kinds: Counter[str] = field(default_factory=Counter)
    culprit_kinds: Counter[str] = field(default_factory=Counter)
    culprit_levels: Counter[str] = field(default_factory=Counter)
    examples_ws: list[str] = field(default_factory=list)  # culprits, trailing whitespace only


@dataclass(frozen=True, slots=True)
class _Run:
    rows: list[dict[str, object]]  # the --json lines
    after: bytes  # the file afterwards
    seconds: float  # in `dsdesk apply`
    folder: Path


class Bench:
    def __init__(self, base: Path, runner: Runner, keep: bool, max_examples: int) -> None:
        self.base, self.runner, self.keep, self.max_examples = base, runner, keep, max_examples
        self.n = 0

    def _run(self, prep: Prepared, before: bytes, answer: str, tag: str) -> _Run:
        """Apply ``answer`` to a fresh project holding ``before`` at the file's path."""
        self.n += 1
        folder = (
            self.base / tag / f"{self.n:05d}-{prep.case.commit[:8]}-{Path(prep.case.path).name}"
        )
        target = folder / "project" / prep.case.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(before)
        reply = folder / "reply.md"
        reply.write_text(answer, encoding="utf-8")
        t0 = time.perf_counter()
        rows = self.runner(folder / "project", reply)
        seconds = time.perf_counter() - t0
        after = target.read_bytes() if target.exists() else b""
        if not self.keep:
            shutil.rmtree(folder)
        return _Run(rows, after, seconds, folder)

    def case(self, tally: Tally, prep: Prepared) -> None:
        nblocks = len(prep.texts)
        tally.files += 1
        tally.blocks += nblocks
        try:
            run = self._run(prep, prep.old_bytes(), prep.answer(), tally.name)
        except Exception as exc:  # a crash of the CLI: every block refused
            tally.crashes += 1
            tally.refused[f"crash: {type(exc).__name__}: {exc}"[:80]] += nblocks
            return
        tally.seconds += run.seconds
        tally.calls += 1
        rows, after = run.rows, run.after
        by_index = {r["index"]: r for r in rows if isinstance(r.get("index"), int)}
        applied = {k for k in range(nblocks) if by_index.get(k, {}).get("status") == "applied"}
        expected = prep.encode(prep.expected_lines(applied))
        ok = after == expected
        ws_only = not ok and _strip(after) == _strip(expected)
        if self.keep:
            meta = {"commit": prep.case.commit, "path": prep.case.path, "kinds": prep.kinds}
            meta |= {"rows": rows, "as_expected": ok}
            (run.folder / "expected").write_bytes(expected)
            (run.folder / "before").write_bytes(prep.old_bytes())
            (run.folder / "meta.json").write_text(json.dumps(meta, indent=1))
        for k in range(nblocks):
            row = by_index.get(k)
            kinds = prep.kinds[k]
            tally.kind_blocks.update(kinds)
            if row is None:
                tally.refused["not parsed"] += 1
                continue
            if row.get("status") != "applied":
                why = f"{row.get('status')}: {row.get('reason')}"
                tally.refused[why] += 1
                tally.refused_kinds.update(kinds)
                if sum(why in ex for ex in tally.refused_examples) < 2:
                    search = prep.texts[k][0]
                    tally.refused_examples.append(
                        f"--- refused ({why}) {prep.case.commit[:12]} {prep.case.path} block "
                        f"{k + 1}/{nblocks} perturbations={','.join(kinds) or 'none'}\n"
                        f"  {row.get('message')}\nSEARCH:\n"
                        + "\n".join(f"  |{ln}" for ln in search)
                    )
                continue
            tally.levels[str(row.get("level"))] += 1
            if ok or ws_only:
                tally.near += 1
                tally.kind_near.update(kinds)
            if ok:
                tally.exact += 1
                tally.kind_exact.update(kinds)
            else:
                tally.wrong += 1
                tally.wrong_content += not ws_only
        if not ok and applied:
            tally.wrong_files += 1
            self._culprits(tally, prep, sorted(applied))
        elif not ok:
            tally.changed_unreported += 1  # no block reported applied, yet the file changed

    def _culprits(self, tally: Tally, prep: Prepared, applied: list[int]) -> None:
        for pos, k in enumerate(applied):
            before = prep.encode(prep.expected_lines(set(applied[:pos])))
            want = prep.expected_lines(set(applied[: pos + 1]))
            one = self._run(prep, before, prep.answer(only=k), tally.name + "-one")
            rows, after = one.rows, one.after
            if not rows or rows[0].get("status") != "applied" or after == prep.encode(want):
                continue
            got = after.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
            only_ws = _strip(after) == _strip(prep.encode(want))
            tally.culprits += 1
            tally.culprits_ws += only_ws
            tally.culprit_kinds.update(prep.kinds[k])
            tally.culprit_levels[str(rows[0].get("level"))] += 1
            shown = tally.examples_ws if only_ws else tally.examples
            if len(shown) < self.max_examples:
                shown.append(_example(prep, k, rows[0], want, got))


def _strip(data: bytes) -> list[bytes]:
    return [ln.rstrip() for ln in data.replace(b"\r\n", b"\n").split(b"\n")]


def _example(prep: Prepared, k: int, row: dict, want: list[str], got: list[str]) -> str:
    search, replace = prep.texts[k]
    if got and got[-1] == "" and prep.case.final_nl:
        got = got[:-1]
    diff = difflib.unified_diff(want, got, "expected", "dsdesk apply", n=1, lineterm="")
    lines = [
        f"--- {prep.case.commit[:12]} {prep.case.path} block {k + 1}/{len(prep.texts)} "
        f"perturbations={','.join(prep.kinds[k]) or 'none'} level={row.get('level')}",
        "SEARCH:",
        *(f"  |{ln}" for ln in search[:30]),
        "REPLACE:",
        *(f"  |{ln}" for ln in replace[:30]),
        "diff (expected -> got):",
        *(f"  {ln!r}" for ln in list(diff)[2:40]),
    ]
    return "\n".join(lines)


def report(t: Tally, commits: int) -> None:
    def pct(n: int, d: int) -> str:
        return f"{100 * n / d:5.1f}%" if d else "    -"

    refused = sum(t.refused.values())
    why = ", ".join(f"{r} {n}" for r, n in t.refused.most_common())
    print(f"\n== {t.name}: {commits} commits, {t.files} files, {t.blocks} blocks")
    print(f"  applied exactly    {t.exact:6}  {pct(t.exact, t.blocks)}")
    print(f"  refused            {refused:6}  {pct(refused, t.blocks)}  {why}")
    print(
        f"  applied wrongly    {t.wrong:6}          in {t.wrong_files} files; content wrong: "
        f"{t.wrong_content}, trailing whitespace only: {t.wrong - t.wrong_content}"
    )
    print(
        f"    culprits (re-run one block at a time): {t.culprits}, of which trailing whitespace "
        f"only: {t.culprits_ws}; ignoring trailing whitespace, applied: {t.near} "
        f"{pct(t.near, t.blocks).strip()}"
    )
    if t.culprits:
        print(
            "    culprits by match level: "
            + ", ".join(f"{k} {n}" for k, n in t.culprit_levels.most_common())
        )
    if t.changed_unreported:
        print(f"    FILES CHANGED WITH NO BLOCK REPORTED APPLIED: {t.changed_unreported}")
    print("  match levels       " + ", ".join(f"{k} {n}" for k, n in t.levels.most_common()))
    kinds = [k for k in KINDS if t.kind_blocks[k]]
    if kinds:
        print("  per perturbation     blocks  applied  ignoring trailing ws  refused  culprits")
    for k in kinds:
        n = t.kind_blocks[k]
        print(
            f"    {k:<16} {n:7}   {pct(t.kind_exact[k], n)}  {pct(t.kind_near[k], n):>20}"
            f"  {t.refused_kinds[k]:7}  {t.culprit_kinds[k]:8}"
        )
    print(
        f"  time               {1000 * t.seconds / max(t.blocks, 1):.2f} ms per block "
        f"({1000 * t.seconds / max(t.calls, 1):.1f} ms per `dsdesk apply` of one file, "
        f"{t.calls} calls, {t.seconds:.1f} s)" + (f"; {t.crashes} CRASHED" if t.crashes else "")
    )
    for ex in t.examples + t.examples_ws[: max(1, len(t.examples_ws) // 2)] + t.refused_examples:
        print(ex)


def _warm_up(base: Path, runner: Runner) -> None:
    root = base / "warm-up"
    (root / "project").mkdir(parents=True)
    (root / "project" / "a.py").write_text("x = 1\n")
    reply = root / "reply.md"
    reply.write_text(
        "a.py\n```python\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```\n"
    )
    runner(root / "project", reply)
    shutil.rmtree(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=DEFAULT_REPO, help="a git directory (bare is fine)")
    parser.add_argument("--commits", type=int, default=400)
    parser.add_argument(
        "--variants",
        nargs="+",
        choices=("clean", "perturbed", "retabbed"),
        default=["clean", "perturbed", "retabbed"],
    )
    parser.add_argument(
        "--paths", nargs="+", default=["*.py"], help="git pathspecs of the files to edit"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep the generated corpus and results here")
    parser.add_argument(
        "--examples", type=int, default=4, help="wrong and refused cases shown per variant"
    )
    args = parser.parse_args()
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        sys.exit(f"{args.keep} is not empty")
    t0 = time.perf_counter()
    corpus: Corpus = load(args.repo, args.commits, paths=tuple(args.paths))
    blocks = sum(len(c.blocks) for c in corpus.cases)
    print(
        f"corpus: {corpus.commits} commits, {len(corpus.cases)} files, {blocks} blocks from "
        f"{args.repo} in {time.perf_counter() - t0:.1f} s; not unique at 8 context lines: "
        f"{sum(not b.unique for c in corpus.cases for b in c.blocks)}"
    )
    skipped = corpus.skipped_commits + corpus.skipped_files
    print("  left out: " + "; ".join(f"{why}: {n}" for why, n in skipped.most_common()))
    with contextlib.ExitStack() as stack:
        if args.keep:
            base = args.keep.resolve()
            base.mkdir(parents=True, exist_ok=True)
        else:
            base = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dsdesk-edits-")))
        os.environ["DSDESK_HOME"] = str(base / "dsdesk-home")  # the undo journal goes here
        runner = _in_process()
        print("running `dsdesk apply` " + ("in-process" if runner else "as a subprocess"))
        runner = runner or _subprocess
        _warm_up(base, runner)
        bench = Bench(base, runner, bool(args.keep), args.examples)
        tallies = []
        variants: list[tuple[str, Callable[[Case], Prepared]]] = [
            ("clean", clean),
            ("perturbed", lambda case: perturbed(case, args.seed)),
            ("retabbed", lambda case: retabbed(case, args.seed)),
        ]
        for name, make in variants:
            if name not in args.variants:
                continue
            tally = Tally(name)
            for case in corpus.cases:
                bench.case(tally, make(case))
            report(tally, corpus.commits)
            tallies.append(tally)
    wrong = ", ".join(f"{t.name} {t.wrong} ({t.wrong_content} content)" for t in tallies)
    met = {True: "met", False: "MISSED"}
    print("\ntargets:")
    none_wrong = not sum(t.wrong + t.changed_unreported for t in tallies)
    print(f"  zero applied wrongly: {wrong}: {met[none_wrong]}")
    for pert in (t for t in tallies if t.name != "clean"):
        rate = pert.exact / pert.blocks if pert.blocks else 0.0
        print(f"  >= 97% applied on the {pert.name} set: {100 * rate:.1f}%: {met[rate >= 0.97]}")
    print(f"total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
