"""``dsdesk checkpoints``: list, preview and restore the agent's checkpoints of a project.

A checkpoint is taken before the first change of each agent turn. ``restore`` first takes a
backup checkpoint (printed), so a restore is undone by restoring that backup.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from dsdesk.agent.checkpoint import CheckpointStore
from dsdesk.agent.checkpoint_types import Checkpoint, Kind, RestorePlan
from dsdesk.cli import EXIT_OK, EXIT_USAGE
from dsdesk.config.paths import data_dir
from dsdesk.core.errors import DsdeskError
from dsdesk.core.redact import clean_server_text as safe

EXIT_FAILED = 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", default=".", metavar="DIR", help="project folder (default: .)")
    p.add_argument("--all", action="store_true", help="also list the after-step snapshots")
    p.add_argument("--preview", metavar="ID", help="what restoring checkpoint ID would change")
    p.add_argument("--restore", metavar="ID", help="put the project back as it was at ID")


def _line(cp: Checkpoint) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(cp.created_at))
    return f"{cp.id[:12]}  {when}  {cp.kind.value:<8}  {safe(cp.label)}"


def _show(plan: RestorePlan) -> None:
    for title, paths in plan.groups():
        if paths:
            print(f"{title}:")
            for p in paths:
                print(f"  {safe(p)}")
    if not plan.changes:
        print("nothing to restore: the project is as it was at this checkpoint")


def run(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    if not root.is_dir():
        print(f"dsdesk checkpoints: {args.root}: not a folder", file=sys.stderr)
        return EXIT_USAGE
    if shutil.which("git") is None:
        print("dsdesk checkpoints: git is not installed; there are no checkpoints", file=sys.stderr)
        return EXIT_FAILED
    store = CheckpointStore(root, data_dir())
    try:
        if args.preview or args.restore:
            cp = _find(store, args.preview or args.restore)
            if args.preview:
                _show(store.preview(cp))
                return EXIT_OK
            plan = store.preview(cp)
            backup = store.restore(cp)
            _show(plan)
            print(
                f"restored {cp.id[:12]}; undo with: dsdesk checkpoints --restore {backup.id[:12]}"
            )
            return EXIT_OK
        shown = [c for c in store.checkpoints() if args.all or c.kind is not Kind.AGENT]
        if not shown:
            print("no checkpoints for this project yet", file=sys.stderr)
        for cp in reversed(shown):
            print(_line(cp))
        return EXIT_OK
    except DsdeskError as exc:
        print(f"dsdesk checkpoints: {exc.user_message}", file=sys.stderr)
        return EXIT_FAILED


def _find(store: CheckpointStore, prefix: str) -> Checkpoint:
    found = [c for c in store.checkpoints() if c.id.startswith(prefix.strip())]
    if len(found) != 1 or not prefix.strip():
        what = "no checkpoint" if not found else f"{len(found)} checkpoints"
        raise _NotFound(f"{what} matches {prefix!r}; 'dsdesk checkpoints' lists them.")
    return found[0]


class _NotFound(DsdeskError):
    pass
