"""Plan an answer's edits against the files (nothing written), then write the accepted result
atomically, recording it in the undo journal first.

Planning groups the blocks by the real file they resolve to (``./a.py``, ``a.py`` and a symlink
to it are one file), applies each file's blocks in answer order with the core matching ladder,
and reports one outcome per block. Writing re-reads every file right before it is replaced and
refuses if its bytes are not the ones planned against; if one write fails, the files already
written are put back, so a change set is written whole or not at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast, get_args

from dsdesk.core.edits_match import FailReason, MatchLevel, apply_block
from dsdesk.core.edits_parse import EditBlock
from dsdesk.core.errors import EditError
from dsdesk.workspace.atomic import (
    atomic_write,
    make_parents,
    remove_empty_dirs,
    remove_file,
    remove_stale_temps,
)
from dsdesk.workspace.jail import rel_to_root, resolve_in_project
from dsdesk.workspace.journal import ChangeSet, FileSnapshot, UndoJournal, new_change_set
from dsdesk.workspace.textfile import (
    MAX_BYTES,
    NEW_FILE,
    TextFile,
    decode_text,
    encode_text_file,
    final_text,
    normalise_newlines,
    read_file_bytes,
)

__all__ = [
    "BlockOutcome",
    "EditPlan",
    "FileChange",
    "Fingerprint",
    "apply_plan",
    "fingerprint",
    "plan_edits",
]

Fingerprint = tuple[int, int]  # (size, mtime_ns)
_REASONS: frozenset[str] = frozenset(get_args(FailReason))


@dataclass(frozen=True, slots=True)
class BlockOutcome:
    block: EditBlock
    status: Literal["applied", "failed", "skipped"]  # applied = planned (or written)
    level: MatchLevel | None
    reason: FailReason | None
    message: str
    closest: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class FileChange:
    rel_path: str  # the real file, relative to the root ("/" separators)
    old_text: str | None  # None: the file does not exist (create)
    new_text: str | None  # None: delete
    text_file: TextFile | None  # how to encode; None for a new file (see NEW_FILE)
    fingerprint: Fingerprint | None  # (size, mtime_ns) of the file when planned
    digest: str | None = None  # sha256 of the bytes planned against; apply re-checks it


@dataclass(frozen=True, slots=True)
class EditPlan:
    root: Path
    changes: tuple[FileChange, ...]  # only files with at least one applied block
    outcomes: tuple[BlockOutcome, ...]  # one per block, in answer order

    @property
    def all_applied(self) -> bool:
        return all(o.status == "applied" for o in self.outcomes)


def fingerprint(path: Path) -> Fingerprint | None:
    """(size, mtime_ns) of ``path``, None if it does not exist."""
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return st.st_size, st.st_mtime_ns


def _reason(exc: EditError) -> FailReason:
    return cast(FailReason, exc.reason) if exc.reason in _REASONS else "write_failed"


def _digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


# -- planning ---------------------------------------------------------------------------------


def plan_edits(
    root: Path,
    blocks: Sequence[EditBlock],
    seen: Mapping[str, Fingerprint] | None = None,
    *,
    max_bytes: int = MAX_BYTES,
) -> EditPlan:
    """Match ``blocks`` against the files under ``root``; nothing is written.

    ``seen``: rel path -> fingerprint of the file when it was put into the model's context. A file
    that differs now fails all its blocks with ``file_changed`` (the user decides; planning again
    without ``seen`` overrides)."""
    root = root.resolve()
    outcomes: list[BlockOutcome | None] = [None] * len(blocks)
    groups: dict[str, tuple[Path, list[tuple[int, EditBlock]]]] = {}
    for pos, b in enumerate(blocks):
        try:
            path = resolve_in_project(root, b.path)
        except EditError as exc:
            outcomes[pos] = BlockOutcome(b, "failed", None, _reason(exc), exc.user_message)
            continue
        groups.setdefault(rel_to_root(root, path), (path, []))[1].append((pos, b))
    seen_real = _resolve_seen(root, seen or {})
    changes: list[FileChange] = []
    for rel, (path, file_blocks) in groups.items():
        change = _plan_file(rel, path, file_blocks, seen_real.get(rel), outcomes, max_bytes)
        if change is not None:
            changes.append(change)
    done = tuple(o for o in outcomes if o is not None)
    assert len(done) == len(blocks)
    return EditPlan(root, tuple(changes), done)


def _resolve_seen(root: Path, seen: Mapping[str, Fingerprint]) -> dict[str, Fingerprint]:
    out: dict[str, Fingerprint] = {}
    for rel, fp in seen.items():
        try:
            out[rel_to_root(root, resolve_in_project(root, rel))] = fp
        except EditError:
            continue  # a path that cannot be edited anyway
    return out


def _plan_file(
    rel: str,
    path: Path,
    blocks: list[tuple[int, EditBlock]],
    seen_fp: Fingerprint | None,
    outcomes: list[BlockOutcome | None],
    max_bytes: int,
) -> FileChange | None:
    def fail_all(reason: FailReason, message: str) -> None:
        for pos, b in blocks:
            outcomes[pos] = BlockOutcome(b, "failed", None, reason, message)

    data: bytes | None = None
    fp: Fingerprint | None = None
    tf: TextFile | None = None
    try:
        data, st = read_file_bytes(path, max_bytes, rel=rel)
        fp = (st.st_size, st.st_mtime_ns)
        tf = decode_text(data, rel)
    except EditError as exc:
        if exc.reason != "file_missing" or path.exists():
            fail_all(_reason(exc), exc.user_message)
            return None
        data = None  # a new file
    if seen_fp is not None and fp != seen_fp:
        fail_all(
            "file_changed",
            f"{rel} changed on disk since the model saw it; its edits were not applied "
            "(apply anyway, or send the file again).",
        )
        return None
    old = tf.text if tf is not None else None
    text = old
    for pos, b in blocks:
        outcome, text = _apply_one(rel, b, text)
        outcomes[pos] = outcome
    if text is not None:
        text = final_text(tf or NEW_FILE, text)  # what will be written is what review shows
    if text == old:
        return None
    if text is not None:
        try:
            encode_text_file(tf or NEW_FILE, text, rel=rel)
        except EditError as exc:  # e.g. "→" into a cp1252 file: refused now, not at write time
            for pos, b in blocks:
                done = outcomes[pos]
                if done is not None and done.status == "applied":
                    outcomes[pos] = BlockOutcome(
                        b, "failed", None, "write_failed", exc.user_message
                    )
            return None
    return FileChange(rel, old, text, tf, fp, _digest(data))


def _apply_one(rel: str, b: EditBlock, text: str | None) -> tuple[BlockOutcome, str | None]:
    if b.delete:
        if text is None:
            return BlockOutcome(b, "failed", None, "file_missing", f"{rel} does not exist."), text
        return BlockOutcome(b, "applied", None, None, f"deletes {rel}"), None
    if b.kind == "whole_file" and text is not None and text.strip():
        # A fenced file labelled with an existing path is more often the model showing code
        # than asking to overwrite it: left alone, never a silent whole-file replace.
        same = normalise_newlines(b.replace).rstrip("\n") == text.rstrip("\n")
        message = (
            f"{rel} already has this content."
            if same
            else f"{rel} already exists; a whole-file block only creates new files "
            "(use SEARCH/REPLACE blocks to change it)."
        )
        return BlockOutcome(b, "skipped", None, "not_empty", message), text
    result = apply_block(text, b.search, b.replace, path=rel)
    if result.ok:
        return BlockOutcome(b, "applied", result.level, None, result.message), result.text
    return (
        BlockOutcome(b, "failed", result.level, result.reason, result.message, result.closest),
        text,
    )


# -- writing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Target:
    rel: str
    path: Path
    before: bytes | None
    after: bytes | None
    mode: int | None


def apply_plan(
    plan: EditPlan,
    journal: UndoJournal,
    *,
    accepted: Mapping[str, str | None] | None = None,
    label: str = "",
) -> ChangeSet:
    """Write the plan's changes and return the recorded change set (no files: nothing to do).

    ``accepted`` (from a review): rel path -> the final text (None deletes); only those files
    are written, files of the plan not in it are left alone. Without it, every change is
    written as planned. EditError ``file_changed`` if a file's bytes are not the ones planned
    against (nothing is written), ``write_failed`` if writing fails (what was written is put
    back), ``outside_project``/``inside_git`` if a path no longer resolves inside the project."""
    root = plan.root.resolve()
    if journal.root != root:
        raise ValueError(f"journal is for {journal.root}, plan for {root}")
    with journal.locked():
        targets: list[_Target] = []
        for change in plan.changes:
            if accepted is not None and change.rel_path not in accepted:
                continue
            final = accepted[change.rel_path] if accepted is not None else change.new_text
            target = _target(root, change, final)
            if target.after != target.before:
                targets.append(target)
        if not targets:
            return new_change_set(label, ())
        dirs: list[Path] = []
        for t in targets:
            if t.after is not None and t.before is None:
                dirs.extend(d for d in _missing_parents(t.path, root) if d not in dirs)
        cs = new_change_set(
            label,
            tuple(FileSnapshot(t.rel, t.before, t.after, t.mode) for t in targets),
            tuple(rel_to_root(root, d) for d in dirs),
        )
        journal.record(cs)  # write-ahead: a crash below can still be undone
        _write_all(root, targets, journal, cs)
        return cs


def _target(root: Path, change: FileChange, final: str | None) -> _Target:
    rel = change.rel_path
    path = resolve_in_project(root, rel)  # again: a symlink may have appeared since planning
    before, mode = _read_current(path, rel)
    if _digest(before) != change.digest:
        raise _changed(rel)
    after = (
        None if final is None else encode_text_file(change.text_file or NEW_FILE, final, rel=rel)
    )
    return _Target(rel, path, before, after, mode)


def _read_current(path: Path, rel: str) -> tuple[bytes | None, int | None]:
    """The file's bytes and permission bits now; (None, None) when it does not exist."""
    try:
        return path.read_bytes(), stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise EditError(
            f"{rel} cannot be read ({exc.strerror or exc}); nothing was written.",
            reason="write_failed",
            path=rel,
        ) from exc


def _changed(rel: str) -> EditError:
    return EditError(
        f"{rel} changed on disk since the edits were planned; nothing was written.",
        reason="file_changed",
        path=rel,
    )


def _missing_parents(path: Path, root: Path) -> list[Path]:
    out: list[Path] = []
    folder = path.parent
    while folder != root and root in folder.parents and not folder.exists():
        out.append(folder)
        folder = folder.parent
    return out[::-1]


def _write_all(root: Path, targets: list[_Target], journal: UndoJournal, cs: ChangeSet) -> None:
    for folder in dict.fromkeys(t.path.parent for t in targets):
        remove_stale_temps(folder)  # from a writer killed earlier; we hold the journal lock
    written: list[_Target] = []
    created: list[Path] = []
    try:
        for t in targets:
            # Once more, file by file, as late as possible: the journal write took a moment.
            if _read_current(t.path, t.rel)[0] != t.before:
                raise _changed(t.rel)
            if t.after is None:
                remove_file(t.path, rel=t.rel)
            else:
                created.extend(make_parents(t.path, root))
                atomic_write(t.path, t.after, rel=t.rel)
            written.append(t)
    except EditError as exc:
        stuck = _roll_back(written)
        remove_empty_dirs(created)
        if stuck:
            raise EditError(
                f"{exc.user_message} {', '.join(stuck)} had already been written and could not "
                "be put back; undo restores them.",
                reason="write_failed",
                path=exc.path,
            ) from exc
        # If even this fails, its files are as they were, so undoing it later changes nothing.
        with contextlib.suppress(EditError):
            journal.forget(cs.id)
        raise


def _roll_back(written: list[_Target]) -> list[str]:
    """Put back what was written; the paths that could not be."""
    stuck: list[str] = []
    for t in reversed(written):
        try:
            if t.before is None:
                remove_file(t.path, rel=t.rel)
            else:
                atomic_write(t.path, t.before, mode=t.mode, rel=t.rel)
        except EditError:
            stuck.append(t.rel)
    return stuck
