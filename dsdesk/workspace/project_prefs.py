"""Per-project preferences kept in dsdesk's data dir (not in the project): the context exclude
list. Stored as TOML next to the project's undo journal, written atomically."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pathspec
import tomli_w

from dsdesk.workspace.atomic import atomic_write
from dsdesk.workspace.journal import project_key

DEFAULT_EXCLUDES = (
    "*.lock",
    "package-lock.json",
    "pnpm-lock.yaml",
    "*.min.js",
    "*.min.css",
    "*.map",
    "*.svg",
)


def prefs_path(data_dir: Path, root: Path) -> Path:
    return data_dir / "projects" / project_key(root) / "project.toml"


def load_excludes(data_dir: Path, root: Path) -> list[str]:
    try:
        doc = tomllib.loads(prefs_path(data_dir, root).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return list(DEFAULT_EXCLUDES)
    patterns = doc.get("context_exclude")
    if not isinstance(patterns, list):
        return list(DEFAULT_EXCLUDES)
    return [str(p) for p in patterns]


def save_excludes(data_dir: Path, root: Path, patterns: list[str]) -> None:
    path = prefs_path(data_dir, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"root": str(root.resolve()), "context_exclude": patterns}
    atomic_write(path, tomli_w.dumps(body).encode("utf-8"))


def exclude_matcher(patterns: list[str]) -> pathspec.GitIgnoreSpec:
    """gitignore-style patterns, as users write them in .gitignore."""
    return pathspec.GitIgnoreSpec.from_lines([p for p in patterns if p.strip()])
