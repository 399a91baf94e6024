"""``dsdesk apply [--root DIR] [--dry-run] [--json] [--diff] [--commit] REPLY``: apply the edits
in a model's reply (a file, or ``-`` for standard input) to a project.

Each block is reported with its file and how it matched, or why it failed (with the closest real
lines, for a SEARCH that was not found). ``--json`` prints one JSON object per block instead:
``{"index", "file", "status", "level", "reason", "message", "closest"}``, status being "applied",
"failed" or "skipped" ("would_apply" for "applied" with ``--dry-run``: nothing was written).
Writes are atomic and journalled under the data dir, so ``dsdesk undo`` can take them back.
Exit codes: 0 every block applied, 1 some block failed or was skipped (or the reply holds no
edits), 2 usage error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from dsdesk.cli import EXIT_OK, EXIT_USAGE
from dsdesk.config.paths import data_dir
from dsdesk.core.diff_hunks import unified_diff
from dsdesk.core.edits_match import FailReason
from dsdesk.core.edits_parse import parse_edits
from dsdesk.core.errors import EditError
from dsdesk.workspace.edit_plan import BlockOutcome, EditPlan, apply_plan, plan_edits
from dsdesk.workspace.git_commit import commit_change_set
from dsdesk.workspace.journal import ChangeSet, UndoJournal

EXIT_FAILED = 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("reply", metavar="REPLY", help="file holding the model's reply; '-' for stdin")
    p.add_argument("--root", default=".", metavar="DIR", help="project folder (default: .)")
    p.add_argument("--dry-run", action="store_true", help="check the edits, write nothing")
    p.add_argument("--json", action="store_true", help="one JSON object per block on stdout")
    p.add_argument("--diff", action="store_true", help="also print the diff of each file")
    p.add_argument("--commit", action="store_true", help="git-commit the written files")


def read_reply(arg: str) -> str:
    """The reply's text; OSError/UnicodeDecodeError for the caller to report."""
    if arg == "-":
        return sys.stdin.read()
    return Path(arg).read_bytes().decode("utf-8-sig")


def check_root(arg: str, command: str) -> Path | None:
    root = Path(arg)
    if not root.is_dir():
        print(f"dsdesk {command}: {arg}: not a folder", file=sys.stderr)
        return None
    return root.resolve()


def run(args: argparse.Namespace) -> int:
    root = check_root(args.root, "apply")
    if root is None:
        return EXIT_USAGE
    try:
        reply = read_reply(args.reply)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"dsdesk apply: cannot read {args.reply}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    blocks = parse_edits(reply)
    if not blocks:
        print("dsdesk apply: the reply holds no edits", file=sys.stderr)
        return EXIT_FAILED
    plan = plan_edits(root, blocks)
    outcomes = list(plan.outcomes)
    cs: ChangeSet | None = None
    error: EditError | None = None
    if not args.dry_run and plan.changes:
        journal = UndoJournal(root, data_dir())
        try:
            cs = apply_plan(plan, journal, label=f"dsdesk apply {_name(args.reply)}")
        except EditError as exc:
            error = exc
            outcomes = [_unwritten(o, exc) for o in outcomes]
    if args.json:
        for o in outcomes:
            print(json.dumps(_json(o, dry_run=args.dry_run), ensure_ascii=False))
    else:
        _print_text(plan, outcomes, dry_run=args.dry_run)
        if args.diff:
            _print_diffs(plan)
        _print_summary(outcomes, cs, error, root, dry_run=args.dry_run)
    if cs is not None and cs.files and args.commit:
        _commit(root, cs)
    ok = error is None and all(o.status == "applied" for o in outcomes)
    return EXIT_OK if ok else EXIT_FAILED


def _name(arg: str) -> str:
    return "(stdin)" if arg == "-" else Path(arg).name


def _unwritten(o: BlockOutcome, exc: EditError) -> BlockOutcome:
    """An outcome as the user must see it once writing failed: nothing was written."""
    if o.status != "applied":
        return o
    reason: FailReason = "file_changed" if exc.reason == "file_changed" else "write_failed"
    return dataclasses.replace(o, status="failed", reason=reason, message=exc.user_message)


def _json(o: BlockOutcome, *, dry_run: bool) -> dict[str, object]:
    return {
        "index": o.block.index,
        "file": o.block.path,
        "status": "would_apply" if dry_run and o.status == "applied" else o.status,
        "level": o.level.value if o.level is not None else None,
        "reason": o.reason,
        "message": o.message,
        "closest": [[n, line] for n, line in o.closest],
    }


def _print_text(plan: EditPlan, outcomes: list[BlockOutcome], *, dry_run: bool) -> None:
    for o in outcomes:
        where = f"[{o.block.index + 1}] {o.block.path or '(no file)'}"
        if o.status == "applied":
            how = o.level.value if o.level is not None else ("delete" if o.block.delete else "")
            verb = "matches" if dry_run else "applied"
            print(f"{where}: {verb} ({how})" if how else f"{where}: {verb}")
            continue
        print(f"{where}: {o.status} ({o.reason}) — {o.message}")
        if o.closest:
            print("    closest lines in the file:")
            width = len(str(max(n for n, _ in o.closest)))
            for n, line in o.closest:
                print(f"    {n:>{width}} | {line}")


def _print_diffs(plan: EditPlan) -> None:
    for c in plan.changes:
        diff = unified_diff(c.old_text or "", c.new_text or "", c.rel_path)
        if diff:
            sys.stdout.write(diff)


def _print_summary(
    outcomes: list[BlockOutcome],
    cs: ChangeSet | None,
    error: EditError | None,
    root: Path,
    *,
    dry_run: bool,
) -> None:
    applied = sum(o.status == "applied" for o in outcomes)
    line = f"{applied} of {len(outcomes)} blocks {'match' if dry_run else 'applied'}"
    if dry_run:
        print(f"{line}; dry run: nothing was written.")
    elif error is not None:
        print(f"{line}; nothing was written: {error.user_message}")
    elif cs is not None and cs.files:
        files = ", ".join(f.rel_path for f in cs.files)
        print(f"{line}; wrote {files}. Undo: dsdesk undo --root {root}")
    else:
        print(f"{line}; no file needed changing.")


def _commit(root: Path, cs: ChangeSet) -> None:
    message = f"{cs.label}\n\n" + "\n".join(f"- {f.rel_path}" for f in cs.files)
    try:
        sha = commit_change_set(root, cs, message)
    except EditError as exc:
        print(f"dsdesk: {exc.user_message}", file=sys.stderr)
        return
    if sha:
        print(f"committed {sha[:12]}", file=sys.stderr)
