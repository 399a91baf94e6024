"""Every path a tool is given goes through the project jail, reads included: the model may not
look outside the project or into ``.git/`` any more than it may write there."""

from __future__ import annotations

from pathlib import Path

from dsdesk.agent.tools.base import ToolError
from dsdesk.core.errors import EditError
from dsdesk.workspace.jail import normalise_rel, rel_to_root, resolve_in_project

__all__ = ["ROOT_NAMES", "resolve", "shown"]

ROOT_NAMES = frozenset({"", ".", "./", "/"})  # what models write for "the project folder"


def shown(rel: str) -> str:
    """A project path for messages: the root as "." ."""
    return rel or "."


def resolve(root: Path, path: str, *, folder_ok: bool = False) -> tuple[Path, str]:
    """(real path, rel path with "/" from the real root) of ``path``, a path relative to the
    project root. ``folder_ok``: the root itself is accepted (for tools that take a folder).
    ToolError for anything outside the project, inside ``.git/`` or through a symlink that
    leaves the project."""
    real_root = root.resolve()
    if folder_ok and normalise_rel(path).rstrip("/") in ROOT_NAMES:
        return real_root, ""
    try:
        real = resolve_in_project(real_root, path)
    except EditError as exc:
        if exc.reason == "inside_git":
            raise ToolError(f"{path.strip()} is inside .git/; tools never touch it.") from None
        raise ToolError(
            f"{exc.user_message} Paths are relative to the project root, e.g. src/app.py."
        ) from None
    return real, rel_to_root(real_root, real)
