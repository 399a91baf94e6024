"""Which projects' ``.dsdesk/mcp.json`` the user trusted, and in which exact version.

A cloned repository must not start programs by itself: a project's MCP file is used only after
the user trusted it once. Trust is kept in dsdesk's data dir (never in the project), keyed by
the project's path *and* the SHA-256 of the file's bytes, so a later edit (a pull that adds a
server, a changed command) needs the user's trust again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dsdesk.workspace.atomic import atomic_write
from dsdesk.workspace.journal import project_key

__all__ = ["TrustStore", "content_hash"]


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class TrustStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "mcp-trust.json"

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return {}  # unreadable trust is no trust
        projects = doc.get("projects") if isinstance(doc, dict) else None
        if not isinstance(projects, dict):
            return {}
        return {k: v for k, v in projects.items() if isinstance(v, dict)}

    def verdict(self, root: Path, data: bytes) -> bool | None:
        """True: this exact file is trusted; None: an earlier version was; False: never."""
        entry = self._load().get(project_key(root))
        if entry is None or entry.get("root") != str(root.resolve()):
            return False
        return True if entry.get("sha256") == content_hash(data) else None

    def trust(self, root: Path, data: bytes) -> None:
        """Trust this content of the project's file (replacing any earlier version)."""
        projects = self._load()
        projects[project_key(root)] = {"root": str(root.resolve()), "sha256": content_hash(data)}
        self._save(projects)

    def revoke(self, root: Path) -> None:
        projects = self._load()
        if projects.pop(project_key(root), None) is not None:
            self._save(projects)

    def _save(self, projects: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"projects": projects}, indent=2, sort_keys=True) + "\n"
        atomic_write(self.path, text.encode("utf-8"))
