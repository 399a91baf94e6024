"""What a checkpoint is, and how its metadata is kept in its commit message (one line of JSON,
ASCII-escaped, so a label can hold any character)."""

from __future__ import annotations

import contextlib
import enum
import json
from dataclasses import dataclass

__all__ = ["Checkpoint", "Kind", "RestorePlan", "decode", "encode"]


class Kind(enum.Enum):
    """Why the snapshot was taken; a restore removes only files dsdesk itself created."""

    TURN = "turn"
    AGENT = "agent"
    BACKUP = "backup"
    RESTORED = "restored"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    id: str  # the commit in the private store
    created_at: float  # time.time()
    label: str
    kind: Kind = Kind.TURN
    skipped: tuple[str, ...] = ()  # files left out as too large


@dataclass(frozen=True, slots=True)
class RestorePlan:
    """What restoring ``checkpoint`` would do (paths relative to the root, "/" separators)."""

    checkpoint: Checkpoint
    overwrite: tuple[str, ...] = ()  # changed since: get the checkpoint's content back
    recreate: tuple[str, ...] = ()  # deleted since: come back
    remove: tuple[str, ...] = ()  # created since by the agent: removed
    keep: tuple[str, ...] = ()  # created since, not by the agent: left alone
    too_large: tuple[str, ...] = ()  # changed but too large to back up: left alone

    @property
    def changes(self) -> int:
        return len(self.overwrite) + len(self.recreate) + len(self.remove)

    def groups(self) -> list[tuple[str, tuple[str, ...]]]:
        """(what happens to them, paths) for each kind of path, in the order people read them."""
        return [
            ("back to their content at the checkpoint", self.overwrite),
            ("brought back (deleted since)", self.recreate),
            ("removed (created by the agent since)", self.remove),
            ("kept (created since, not by the agent)", self.keep),
            ("left alone (too large to back up)", self.too_large),
        ]


def encode(label: str, kind: Kind, created_at: float, skipped: tuple[str, ...]) -> bytes:
    meta = {"label": label, "kind": kind.value, "created_at": created_at, "skipped": skipped}
    return json.dumps(meta, ensure_ascii=True).encode()


def decode(commit: str, body: str) -> Checkpoint:
    """The checkpoint of a commit; a damaged message still gives one (kind TURN, no label)."""
    meta: dict[str, object] = {}
    with contextlib.suppress(ValueError):
        loaded = json.loads(body)
        if isinstance(loaded, dict):
            meta = loaded
    kind = meta.get("kind")
    created = meta.get("created_at")
    skipped = meta.get("skipped")
    return Checkpoint(
        commit,
        float(created) if isinstance(created, int | float) else 0.0,
        str(meta.get("label", "")),
        Kind(kind) if kind in {k.value for k in Kind} else Kind.TURN,
        tuple(str(s) for s in skipped) if isinstance(skipped, list) else (),
    )
