"""Checkpoints of the project for agent turns: what the files were before the agent changed them
(by edits or by commands), restorable, with the restore itself undoable.

Each checkpoint is a commit in a private git store (``checkpoint_git.PrivateGit``), one chain per
project under ``<data dir>/checkpoints/<project key>.git``; the user's repository, index and config
are never touched. Taking one is fast when little changed: git's index stat cache re-reads only
files whose size or mtime moved. Covered: every file git would not ignore (``.gitignore`` files in
the tree and the project's ``.git/info/exclude`` are honoured). Not covered, and never touched by a
restore: ignored files, files over ``MAX_FILE_BYTES`` (named in ``Checkpoint.skipped``), and the
insides of nested git repositories.

Kinds (``Kind``): ``TURN`` before the first change of a turn (the restore points); ``AGENT`` after
the agent changed files (after a command or an edit, at the end of a turn); ``BACKUP`` the project
just before a restore; ``RESTORED`` just after one.

The restore rule, exactly: a file that differs from the checkpoint gets the checkpoint's content
back, a deleted one comes back; a file that did not exist at the checkpoint is removed only if its
first appearance after the checkpoint was in an ``AGENT`` or ``RESTORED`` snapshot — i.e. dsdesk
created it. A file that first appeared in a ``TURN`` or ``BACKUP`` snapshot (the user made it
between turns) survives, and so does one no snapshot has seen. Files too large to back up are left
as they are. Before anything is written the current state is snapshotted as ``BACKUP``: restoring
that undoes the restore (the ``RESTORED`` snapshot lets that undo remove what the restore put back).
Files are written back through the project jail (``checkpoint_files``), never through a symlink.

The store lives outside the project, so a sandboxed command cannot reach it. The methods block
(git runs in a subprocess): the loop calls them through ``TurnCheckpoints``, in a thread.
"""

from __future__ import annotations

import asyncio
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from dsdesk.agent.checkpoint_files import remove_path, write_path
from dsdesk.agent.checkpoint_git import CheckpointError, PrivateGit, ignore_pattern
from dsdesk.agent.checkpoint_types import Checkpoint, Kind, RestorePlan, decode, encode
from dsdesk.core.errors import DsdeskError
from dsdesk.workspace.journal import project_key

__all__ = [
    "MAX_FILE_BYTES",
    "Checkpoint",
    "CheckpointError",
    "CheckpointStore",
    "Kind",
    "RestorePlan",
    "TurnCheckpoints",
]

MAX_FILE_BYTES = 5 * 1024 * 1024  # larger files are left out of checkpoints
_REF = "refs/heads/checkpoints"
_GITLINK = "160000"


@dataclass(frozen=True, slots=True)
class _Entry:  # one line of `git diff-tree` raw output: checkpoint side -> current side
    path: str
    status: str  # A, D, M, T
    old_mode: str
    old_sha: str


class CheckpointStore:
    def __init__(self, root: Path, data_dir: Path, *, max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self.root = root.resolve()
        self.git_dir = data_dir / "checkpoints" / f"{project_key(self.root)}.git"
        self.max_file_bytes = max_file_bytes
        self._git = PrivateGit(self.root, self.git_dir)

    # -- taking ------------------------------------------------------------------------------

    def snapshot(self, label: str, kind: Kind = Kind.TURN) -> Checkpoint:
        with self._git.locked():
            self._git.ensure()
            tree, skipped = self._stage()
            head = self._head()
            created = time.time()
            message = encode(label, kind, created, skipped)
            parents = ["-p", head] if head else []
            commit = self._git.run("commit-tree", tree, *parents, stdin=message).decode().strip()
            self._git.run("update-ref", _REF, commit, head or "0" * 40)  # only if still at head
            return Checkpoint(commit, created, label, kind, skipped)

    def _stage(self) -> tuple[str, tuple[str, ...]]:
        """Bring the private index up to the work tree; (tree id, files skipped as too big)."""
        exclude = self.git_dir / "info" / "exclude"
        exclude.write_text("", encoding="utf-8")  # re-judge last time's big files
        listed = self._git.run("ls-files", "-z", "--others", "--modified", "--exclude-standard")
        names = sorted({p for p in listed.decode("utf-8", "surrogateescape").split("\0") if p})
        big = [p for p in names if self._too_big(p)]
        if big:
            lines = [ignore_pattern(p) for p in big if "\n" not in p]
            exclude.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogateescape")
            self._git.run(  # out of the index too, if an earlier snapshot had them
                "update-index", "-z", "--force-remove", "--stdin",
                stdin="\0".join(big).encode("utf-8", "surrogateescape"),
            )  # fmt: skip
        if names:
            self._git.run("add", "-A", "--", ".")
        tree = self._git.run("write-tree").decode().strip()
        return tree, tuple(big)

    def _too_big(self, rel: str) -> bool:
        try:
            st = os.lstat(self.root / rel)
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) and st.st_size > self.max_file_bytes

    def _head(self) -> str | None:
        out = self._git.run("rev-parse", "-q", "--verify", _REF + "^{commit}", ok=(0, 1))
        return out.decode().strip() or None

    # -- reading -----------------------------------------------------------------------------

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint of the project, oldest first."""
        with self._git.locked():
            if not (self.git_dir / "HEAD").is_file() or self._head() is None:
                return []
            out = self._git.run("log", "--reverse", "--format=%H%x1f%B%x1e", _REF).decode()
        found: list[Checkpoint] = []
        for record in out.split("\x1e"):
            commit, _, body = record.strip().partition("\x1f")
            if commit:
                found.append(decode(commit, body))
        return found

    def get(self, checkpoint_id: str) -> Checkpoint:
        for cp in self.checkpoints():
            if cp.id == checkpoint_id:
                return cp
        raise CheckpointError(f"There is no checkpoint {checkpoint_id[:12]} for this project.")

    def changed_since(self, cp: Checkpoint) -> list[str]:
        """Project files that differ now from ``cp`` (big files new since it included)."""
        with self._git.locked():
            tree, skipped = self._stage()
            paths = {e.path for e in self._diff(cp.id, tree)}
        return sorted(paths | (set(skipped) - set(cp.skipped)))

    def preview(self, cp: Checkpoint) -> RestorePlan:
        with self._git.locked():
            tree, skipped = self._stage()
            return self._plan(cp, tree, skipped)

    def _diff(self, old: str, new: str) -> list[_Entry]:
        raw = self._git.run("diff-tree", "-r", "-z", "--no-renames", old, new)
        fields = raw.decode("utf-8", "surrogateescape").split("\0")
        entries = []
        for head, path in zip(fields[0::2], fields[1::2], strict=False):
            old_mode, _new_mode, old_sha, _new_sha, status = head.lstrip(":").split(" ")
            entries.append(_Entry(path, status[:1], old_mode, old_sha))
        return entries

    def _plan(self, cp: Checkpoint, tree: str, skipped: tuple[str, ...]) -> RestorePlan:
        return self._plan_entries(cp, tree, skipped)[0]

    def _plan_entries(
        self, cp: Checkpoint, tree: str, skipped: tuple[str, ...]
    ) -> tuple[RestorePlan, dict[str, _Entry]]:
        overwrite, recreate, created, too_large = [], [], [], []
        big_now = set(skipped)
        entries = self._diff(cp.id, tree)
        for e in entries:
            if e.old_mode == _GITLINK or (e.status == "A" and e.path in big_now):
                continue
            if e.status == "A":
                created.append(e.path)
            elif e.path in big_now:
                too_large.append(e.path)  # its current content could not be backed up
            elif e.status == "D":
                recreate.append(e.path)
            else:
                overwrite.append(e.path)
        owners = self._first_added_by(cp, set(created))
        agent = {Kind.AGENT, Kind.RESTORED}
        remove = [p for p in created if owners.get(p) in agent]
        keep = [p for p in created if owners.get(p) not in agent]
        plan = RestorePlan(cp, *(tuple(x) for x in (overwrite, recreate, remove, keep, too_large)))
        return plan, {e.path: e for e in entries}

    def _first_added_by(self, cp: Checkpoint, paths: set[str]) -> dict[str, Kind]:
        """For each path, the kind of the first snapshot after ``cp`` that added it."""
        if not paths:
            return {}
        kinds = {c.id: c.kind for c in self.checkpoints()}
        out = self._git.run(
            "log", "-z", "--reverse", "--no-renames", "--diff-filter=A", "--name-only",
            "--format=/%H", f"{cp.id}..{_REF}",
        ).decode("utf-8", "surrogateescape")  # fmt: skip
        owners: dict[str, Kind] = {}
        kind: Kind | None = None
        for field in out.split("\0"):
            if field.startswith("/"):  # a commit (a path never starts with "/")
                kind = kinds.get(field[1:])
            elif kind is not None and (path := field.removeprefix("\n")) in paths:
                owners.setdefault(path, kind)
        return owners

    # -- restoring ---------------------------------------------------------------------------

    def restore(self, cp: Checkpoint) -> Checkpoint:
        """Put the project back as it was at ``cp`` (see the module doc for the rule); return
        the backup taken first — restoring it undoes this. CheckpointError names files that
        could not be written (the others are restored; the backup still undoes it all)."""
        with self._git.locked():
            backup = self.snapshot(f"before restoring: {cp.label}", Kind.BACKUP)
            plan, entries = self._plan_entries(cp, backup.id, backup.skipped)
            writes = [entries[p] for p in (*plan.overwrite, *plan.recreate)]
            blobs = self._blobs([e.old_sha for e in writes])
            failed: list[str] = []
            # Removals first: what the agent put in the way (a symlink or a folder where the
            # checkpoint has a file, or the reverse) goes before the checkpoint's files return.
            for path in plan.remove:
                try:
                    remove_path(self.root, path)
                except (OSError, DsdeskError) as exc:
                    failed.append(f"{path} ({_why(exc)})")
            for e in writes:
                try:
                    write_path(self.root, e.path, blobs[e.old_sha], e.old_mode)
                except (OSError, DsdeskError) as exc:
                    failed.append(f"{e.path} ({_why(exc)})")
            self.snapshot(f"restored: {cp.label}", Kind.RESTORED)
        if failed:
            raise CheckpointError(
                f"Restored with {len(failed)} file(s) not written: {', '.join(failed[:10])}. "
                f"Restoring checkpoint {backup.id[:12]} undoes the restore."
            )
        return backup

    def _blobs(self, shas: list[str]) -> dict[str, bytes]:
        wanted = sorted(set(shas))
        if not wanted:
            return {}
        out = self._git.run("cat-file", "--batch", stdin=("\n".join(wanted) + "\n").encode())
        blobs: dict[str, bytes] = {}
        pos = 0
        for sha in wanted:
            end = out.index(b"\n", pos)
            size = int(out[pos:end].split()[2])
            blobs[sha] = out[end + 1 : end + 1 + size]
            pos = end + 1 + size + 1
        return blobs


def _why(exc: Exception) -> str:
    if isinstance(exc, DsdeskError):
        return exc.user_message
    return str(getattr(exc, "strerror", None) or exc)


class TurnCheckpoints:
    """The loop's side (``session.Checkpointer``): the git work runs in a worker thread. The
    loop calls ``snapshot`` before a turn's first change and ``after`` once files may have
    changed (each command, each edit, the end or stop of a turn): without an ``after``, what the
    agent created counts as the user's and survives a restore."""

    def __init__(self, store: CheckpointStore) -> None:
        self.store = store

    async def snapshot(self, label: str) -> str:
        return (await asyncio.to_thread(self.store.snapshot, label, Kind.TURN)).id

    async def after(self, label: str) -> str:
        """After a command or an edit: records what the agent created (see the restore rule)."""
        return (await asyncio.to_thread(self.store.snapshot, label, Kind.AGENT)).id
