"""Keep edits inside the project: paths are resolved (symlinks too) before they are trusted."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from dsdesk.core.errors import EditError


def resolve_in_project(root: Path, rel: str) -> Path:
    """The real path of ``rel`` inside ``root``; EditError outside it or inside ``.git/``."""
    cleaned = rel.strip().replace("\\", "/")
    pure = PurePosixPath(cleaned)
    if not cleaned or pure.is_absolute() or (len(cleaned) > 1 and cleaned[1] == ":"):
        raise EditError(
            f"{rel!r} is not a path inside the project.", reason="outside_project", path=rel
        )
    if ".git" in pure.parts:
        raise EditError(
            f"{rel} is inside .git/; dsdesk never edits it.", reason="inside_git", path=rel
        )
    real_root = root.resolve()
    target = (real_root / pure).resolve()  # follows symlinks, including a linked folder
    try:
        inside = target.relative_to(real_root)
    except ValueError:
        raise EditError(
            f"{rel} resolves outside the project ({target}); refused.",
            reason="outside_project",
            path=rel,
        ) from None
    if ".git" in inside.parts:
        raise EditError(f"{rel} resolves inside .git/; refused.", reason="inside_git", path=rel)
    return target
