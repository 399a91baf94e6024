"""``dsdesk undo [--root DIR] [-n N] [--force] [--list] [--commit]``: take back the last N change
sets that dsdesk wrote to a project (from ``dsdesk apply`` or the window), restoring the exact
previous bytes. A file edited since is not overwritten unless ``--force``.
Exit codes: 0 undone (or listed), 1 nothing to undo or refused, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
import time

from dsdesk.cli import EXIT_OK, EXIT_USAGE
from dsdesk.cli.apply import EXIT_FAILED, check_root
from dsdesk.config.paths import data_dir
from dsdesk.core.errors import EditError
from dsdesk.workspace.git_commit import commit_change_set
from dsdesk.workspace.journal import ChangeSet, UndoJournal, new_change_set


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", default=".", metavar="DIR", help="project folder (default: .)")
    p.add_argument("-n", type=int, default=1, metavar="N", help="how many change sets (default 1)")
    p.add_argument("--force", action="store_true", help="undo even over files changed since")
    p.add_argument("--list", action="store_true", help="list the change sets, newest first")
    p.add_argument("--commit", action="store_true", help="git-commit the restored files")


def _when(cs: ChangeSet) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(cs.created))


def _describe(cs: ChangeSet) -> str:
    parts = []
    for f in cs.files:
        what = "removed" if f.before is None else ("recreated" if f.after is None else "restored")
        parts.append(f"{f.rel_path} ({what})")
    return f"{cs.label or 'change set'} from {_when(cs)}: {', '.join(parts)}"


def run(args: argparse.Namespace) -> int:
    root = check_root(args.root, "undo")
    if root is None:
        return EXIT_USAGE
    if args.n < 1:
        print("dsdesk undo: -n must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    journal = UndoJournal(root, data_dir())
    try:
        if args.list:
            history = journal.history()
            for k, cs in enumerate(reversed(history), 1):
                print(f"{k:>3}  {_when(cs)}  {cs.label or '-'}  ({len(cs.files)} files)")
            if not history:
                print("nothing to undo")
            for why in journal.damaged():
                print(f"dsdesk undo: {why}", file=sys.stderr)
            return EXIT_OK
        undone = journal.undo_last(args.n, force=args.force)
    except EditError as exc:
        hint = " (--force undoes anyway)" if exc.reason == "file_changed" else ""
        print(f"dsdesk undo: {exc.user_message}{hint}", file=sys.stderr)
        return EXIT_FAILED
    if not undone:
        print("dsdesk undo: nothing to undo", file=sys.stderr)
        return EXIT_FAILED
    for cs in undone:
        print(f"undid {_describe(cs)}")
    if args.commit:
        files = tuple(f for cs in undone for f in cs.files)
        message = "dsdesk undo\n\n" + "\n".join(f"- {cs.label or cs.id}" for cs in undone)
        try:
            sha = commit_change_set(root, new_change_set("undo", files), message)
        except EditError as exc:
            print(f"dsdesk: {exc.user_message}", file=sys.stderr)
        else:
            if sha:
                print(f"committed {sha[:12]}", file=sys.stderr)
    return EXIT_OK
