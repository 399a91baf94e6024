"""Optionally commit each applied change set (off by default), with the git command line.

Only the change set's own paths are committed (``git commit --only``): whatever else the user has
staged stays staged and out of the commit. Files git ignores are left out. Hooks and signing
follow the user's git configuration; git is never asked to prompt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from dsdesk.core.errors import EditError
from dsdesk.workspace.journal import ChangeSet

__all__ = ["commit_change_set", "git_available", "is_git_work_tree"]

_TIMEOUT = 120.0


def git_available() -> bool:
    return shutil.which("git") is not None


def _git(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    return subprocess.run(
        ["git", "-C", str(root), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=_TIMEOUT,
        check=False,
    )


def is_git_work_tree(root: Path) -> bool:
    if not git_available():
        return False
    try:
        res = _git(root, "rev-parse", "--is-inside-work-tree")
    except (OSError, subprocess.SubprocessError):
        return False
    return res.returncode == 0 and res.stdout.strip() == "true"


def commit_change_set(root: Path, cs: ChangeSet, message: str) -> str | None:
    """Commit the files of ``cs`` (paths relative to ``root``) and return the new commit's hash;
    None when there is nothing to commit, ``root`` is not in a git work tree or git is missing.
    EditError ``write_failed`` (with git's own words) when git refuses."""
    paths = sorted({f.rel_path for f in cs.files})
    if not paths or not is_git_work_tree(root):
        return None
    try:
        # check-ignore lists the ignored ones (tracked files never count as ignored).
        ignored = _git(root, "check-ignore", "--stdin", stdin="\n".join(paths) + "\n")
        skip = set(ignored.stdout.splitlines()) if ignored.returncode == 0 else set()
        # A path gone from disk that git never tracked (a created file undone) is not git's.
        tracked = set(_run(root, "ls-files", "-z", "--", *paths).stdout.split("\0"))
        paths = [p for p in paths if p not in skip and (p in tracked or (root / p).exists())]
        if not paths:
            return None
        _run(root, "add", "--all", "--", *paths)
        if _git(root, "diff", "--cached", "--quiet", "--", *paths).returncode == 0:
            return None  # git sees no change (e.g. an undo back to the committed state)
        _run(root, "commit", "--quiet", "--only", "-m", message, "--", *paths)
        return _run(root, "rev-parse", "HEAD").stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise EditError(f"git could not be run: {exc}", reason="write_failed") from exc


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    res = _git(root, *args)
    if res.returncode != 0:
        said = (res.stderr or res.stdout).strip().splitlines()
        detail = said[-1] if said else f"exit status {res.returncode}"
        raise EditError(
            f"git {args[0]} failed: {detail}. The files were written; only the commit is missing.",
            reason="write_failed",
        )
    return res
