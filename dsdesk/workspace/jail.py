"""Keep edits inside the project: a path is resolved (symlinks too) before it is trusted.

Refused, with EditError: absolute paths (POSIX, Windows drive and UNC), anything that resolves
outside the project root (``..``, a symlink or a symlinked folder pointing out), and anything in a
``.git`` folder at any depth (compared case-insensitively, for macOS and Windows file systems).
Windows-style backslashes are read as separators. Checking happens at resolve time; a symlink
swapped in between this check and the write is outside what dsdesk defends against.

Reads go through the same jail (``jailed_path``): a cloned repository is untrusted input, and a
file it links to outside the project (``AGENTS.md -> ~/.ssh/id_rsa``) must never reach a request
or a token count.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from dsdesk.core.errors import EditError

__all__ = ["jailed_path", "normalise_rel", "rel_to_root", "resolve_in_project"]


def normalise_rel(rel: str) -> str:
    """The path as the model meant it: trimmed, "/" separators, no leading "./"."""
    cleaned = rel.strip().replace("\\", "/")
    while cleaned.startswith("./"):
        cleaned = cleaned[2:].lstrip("/")
    return cleaned


def _is_git(parts: tuple[str, ...]) -> bool:
    return any(p.lower() == ".git" for p in parts)


def resolve_in_project(root: Path, rel: str) -> Path:
    """The real path of ``rel`` inside ``root``. EditError ``outside_project`` or ``inside_git``.
    The file need not exist (a new file); the parts of the path that exist are resolved."""
    cleaned = normalise_rel(rel)
    pure = PurePosixPath(cleaned)
    shown = rel.strip() or repr(rel)
    if (
        not cleaned
        or pure.is_absolute()
        or (len(cleaned) > 1 and cleaned[1] == ":")  # C:\..., C:foo
        or not pure.parts
        or "\x00" in cleaned
    ):
        raise EditError(
            f"{shown} is not a file path inside the project; refused.",
            reason="outside_project",
            path=rel,
        )
    if _is_git(pure.parts):
        raise EditError(
            f"{shown} is inside .git/; dsdesk never edits it.", reason="inside_git", path=rel
        )
    try:
        real_root = root.resolve()
        target = (real_root / pure).resolve()  # follows symlinks, a linked folder included
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
        raise EditError(
            f"{shown} cannot be resolved ({exc}); refused.", reason="outside_project", path=rel
        ) from None
    try:
        inside = target.relative_to(real_root)
    except ValueError:
        raise EditError(
            f"{shown} resolves outside the project ({target}); refused.",
            reason="outside_project",
            path=rel,
        ) from None
    if not inside.parts:
        raise EditError(
            f"{shown} is the project folder itself, not a file; refused.",
            reason="outside_project",
            path=rel,
        )
    if _is_git(inside.parts):
        raise EditError(
            f"{shown} resolves inside .git/; dsdesk never edits it.",
            reason="inside_git",
            path=rel,
        )
    return target


def rel_to_root(root: Path, real: Path) -> str:
    """``real`` (a path from ``resolve_in_project``) relative to the real root, with "/"."""
    return real.relative_to(root.resolve()).as_posix()


def jailed_path(root: Path, rel: str) -> Path:
    """The real path of ``rel`` for reading it into a request or a count: the jail of
    ``resolve_in_project``, with the refusal worded for a read ("AGENTS.md is a link to a file
    outside the project; not read."). EditError ``outside_project`` or ``inside_git``."""
    try:
        return resolve_in_project(root, rel)
    except EditError as exc:
        raise EditError(_not_read(root, rel, exc), reason=exc.reason, path=rel) from None


def _not_read(root: Path, rel: str, exc: EditError) -> str:
    shown = normalise_rel(rel) or repr(rel)
    if exc.reason == "inside_git":
        return f"{shown} is inside .git/; not read."
    lexical = root / shown
    if "\x00" not in shown and ".." not in PurePosixPath(shown).parts:
        if lexical.is_symlink():
            kind = "folder" if lexical.is_dir() else "file"
            return f"{shown} is a link to a {kind} outside the project; not read."
        if any(p.is_symlink() for p in lexical.parents if root in p.parents):
            return f"{shown} is in a linked folder outside the project; not read."
    return f"{shown} is outside the project; not read."
