"""Writing a checkpoint's files back into the project, through the project jail: a folder that
became a symlink pointing out of the project is refused, and a file that became a symlink is
replaced by the file, never written through (it could point anywhere)."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from dsdesk.workspace.atomic import atomic_write, make_parents
from dsdesk.workspace.jail import resolve_in_project

__all__ = ["remove_path", "write_path"]

_SYMLINK = "120000"
_EXECUTABLE = "100755"


def _target(root: Path, rel: str) -> Path:
    """``rel`` with its folder resolved inside ``root``; the last part is not followed."""
    folder, _, name = rel.rpartition("/")
    return (resolve_in_project(root, folder) if folder else root) / name


def write_path(root: Path, rel: str, data: bytes, git_mode: str) -> None:
    """Put ``data`` at ``rel`` as git recorded it (file, executable file or symlink). Raises
    OSError or EditError."""
    target = _target(root, rel)
    if target.is_symlink() or (git_mode == _SYMLINK and target.exists()):
        target.unlink()
    make_parents(target, root)
    if git_mode == _SYMLINK:
        os.symlink(os.fsdecode(data), target)
        return
    executable = git_mode == _EXECUTABLE
    try:
        perms = stat.S_IMODE(target.stat().st_mode)  # keep the file's own permissions…
    except FileNotFoundError:
        perms = 0o644
    # …with git's one bit of mode: executable where readable, or not at all.
    perms = perms | (perms & 0o444) >> 2 if executable else perms & ~0o111
    atomic_write(target, data, mode=perms, rel=rel)


def remove_path(root: Path, rel: str) -> None:
    """Remove the file (or symlink) at ``rel`` and the folders it leaves empty."""
    target = _target(root, rel)
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    folder = target.parent
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            break
        folder = folder.parent
