"""``dsdesk tokens [--json] PATH...``: exact V4 token counts of what dsdesk would send for these
files and folders (each file with its context header), honouring .gitignore."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from dsdesk.cli import EXIT_OK, EXIT_USAGE
from dsdesk.workspace.ignore import IgnoreRules
from dsdesk.workspace.names import is_symlink_loop, shown
from dsdesk.workspace.token_cache import FileTokenCache, iter_files
from dsdesk.workspace.tokenizer_data import v4_counter


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def project_root(path: Path) -> Path:
    """The nearest folder holding .git (whose .gitignore rules apply), else the path's folder."""
    start = path if path.is_dir() else path.parent
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def run(args: argparse.Namespace) -> int:
    counter = v4_counter()
    files: list[dict[str, object]] = []
    skipped: list[dict[str, object]] = []
    caches: dict[Path, tuple[FileTokenCache, IgnoreRules]] = {}
    for arg in args.paths:
        # Not resolved: a link out of the project must be met (and refused) inside it, not
        # followed to wherever it points and counted there; a loop is counted as a skip.
        path = Path(os.path.abspath(arg))
        if not path.exists() and not is_symlink_loop(path):
            print(f"dsdesk tokens: {shown(arg)}: no such file or folder", file=sys.stderr)
            return EXIT_USAGE
        root = project_root(path)
        if root not in caches:
            caches[root] = (FileTokenCache(root, counter), IgnoreRules(root))
        cache, rules = caches[root]
        rels = list(iter_files(root, path, rules))
        for fc in cache.count(rels):
            name = shown(os.path.relpath(root / fc.rel_path))
            if fc.tokens is None:
                skipped.append({"path": name, "reason": fc.skipped})
            else:
                files.append({"path": name, "tokens": fc.tokens})
    total = sum(int(f["tokens"]) for f in files)  # type: ignore[call-overload]
    if args.json:
        print(json.dumps({"total": total, "files": files, "skipped": skipped}))
        return EXIT_OK
    for f in files:
        print(f"{f['tokens']:>10,}  {f['path']}")
    for s in skipped:
        print(f"{'skipped':>10}  {s['path']} ({s['reason']})")
    more = f", {len(skipped)} skipped" if skipped else ""
    print(f"{total:>10,}  total: {len(files)} files{more}")
    return EXIT_OK
