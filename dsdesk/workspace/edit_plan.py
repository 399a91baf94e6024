"""Plan an answer's edits against the files (nothing written), then apply the accepted result
atomically, recording it in the undo journal first."""

from __future__ import annotations

import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dsdesk.core.edits_match import FailReason, MatchLevel, apply_block
from dsdesk.core.edits_parse import EditBlock
from dsdesk.core.errors import EditError
from dsdesk.workspace.atomic import atomic_write, remove_file
from dsdesk.workspace.jail import resolve_in_project
from dsdesk.workspace.journal import ChangeSet, FileSnapshot, UndoJournal, new_change_set
from dsdesk.workspace.textfile import NEW_FILE, TextFile, encode_text_file, read_text_file

Fingerprint = tuple[int, int]  # (size, mtime_ns)


@dataclass(frozen=True, slots=True)
class BlockOutcome:
    block: EditBlock
    status: Literal["applied", "failed", "skipped"]
    level: MatchLevel | None
    reason: FailReason | None
    message: str
    closest: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True, slots=True)
class FileChange:
    rel_path: str
    old_text: str | None
    new_text: str | None
    text_file: TextFile | None
    fingerprint: Fingerprint | None


@dataclass(frozen=True, slots=True)
class EditPlan:
    root: Path
    changes: tuple[FileChange, ...]
    outcomes: tuple[BlockOutcome, ...]


def fingerprint(path: Path) -> Fingerprint | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def _normal(rel: str) -> str:
    rel = rel.strip().replace("\\", "/")
    return rel[2:] if rel.startswith("./") else rel


def plan_edits(
    root: Path, blocks: Sequence[EditBlock], seen: Mapping[str, Fingerprint] | None = None
) -> EditPlan:
    by_path: dict[str, list[EditBlock]] = {}
    for b in blocks:
        by_path.setdefault(_normal(b.path), []).append(b)
    outcomes: dict[int, BlockOutcome] = {}
    changes: list[FileChange] = []
    for rel, file_blocks in by_path.items():
        change = _plan_file(root, rel, file_blocks, seen, outcomes)
        if change is not None:
            changes.append(change)
    return EditPlan(root, tuple(changes), tuple(outcomes[b.index] for b in blocks))


def _plan_file(
    root: Path,
    rel: str,
    blocks: list[EditBlock],
    seen: Mapping[str, Fingerprint] | None,
    outcomes: dict[int, BlockOutcome],
) -> FileChange | None:
    def fail_all(reason: FailReason, message: str) -> None:
        for b in blocks:
            outcomes[b.index] = BlockOutcome(b, "failed", None, reason, message)

    if not rel:
        fail_all("file_missing", "The edit names no file.")
        return None
    try:
        path = resolve_in_project(root, rel)
        fp = fingerprint(path)
        tf = read_text_file(path, rel=rel) if fp is not None else None
    except EditError as exc:
        fail_all(exc.reason, exc.user_message)  # type: ignore[arg-type]
        return None
    if seen is not None and rel in seen and fp != seen[rel]:
        fail_all("file_changed", f"{rel} changed on disk since the model saw it.")
        return None
    old = tf.text if tf is not None else None
    text = old
    for b in blocks:
        if b.delete:
            if text is None:
                outcomes[b.index] = BlockOutcome(
                    b, "failed", None, "file_missing", f"{rel} does not exist."
                )
            else:
                text = None
                outcomes[b.index] = BlockOutcome(b, "applied", None, None, "deleted")
            continue
        if b.kind == "whole_file" and text is not None and text.strip():
            # A fenced file labelled with an existing path is usually the model showing code,
            # not asking to overwrite it: left alone rather than failed.
            outcomes[b.index] = BlockOutcome(
                b, "skipped", None, None, f"{rel} exists; a whole-file block only creates."
            )
            continue
        result = apply_block(text, b.search, b.replace)
        if result.ok:
            text = result.text
            outcomes[b.index] = BlockOutcome(b, "applied", result.level, None, result.message)
        else:
            outcomes[b.index] = BlockOutcome(
                b, "failed", None, result.reason, result.message, result.closest
            )
    if text == old:
        return None
    return FileChange(rel, old, text, tf, fp)


def apply_plan(
    plan: EditPlan,
    journal: UndoJournal,
    *,
    accepted: Mapping[str, str | None] | None = None,
    label: str = "",
) -> ChangeSet:
    """Write the plan (or, per file, the text chosen in review). Every file is re-checked right
    before writing; the journal is written first; a failure rolls back what was written."""
    targets: list[tuple[FileChange, Path, bytes | None, bytes | None, int | None]] = []
    for change in plan.changes:
        if accepted is not None and change.rel_path not in accepted:
            continue
        final = accepted[change.rel_path] if accepted is not None else change.new_text
        path = resolve_in_project(plan.root, change.rel_path)
        if fingerprint(path) != change.fingerprint:
            raise EditError(
                f"{change.rel_path} changed on disk since the edit was planned; "
                "nothing was written.",
                reason="file_changed",
                path=change.rel_path,
            )
        before = path.read_bytes() if change.fingerprint is not None else None
        mode = stat.S_IMODE(path.stat().st_mode) if before is not None else None
        after = None if final is None else encode_text_file(change.text_file or NEW_FILE, final)
        if after != before:
            targets.append((change, path, before, after, mode))
    cs = new_change_set(
        label, tuple(FileSnapshot(c.rel_path, b, a, m) for c, _p, b, a, m in targets)
    )
    if not targets:
        return cs
    journal.record(cs)
    written: list[tuple[Path, bytes | None]] = []
    try:
        for _change, path, before, after, _mode in targets:
            if after is None:
                remove_file(path)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(path, after)
            written.append((path, before))
    except (EditError, OSError):
        for path, before in reversed(written):  # put back what was already written
            if before is None:
                remove_file(path)
            else:
                atomic_write(path, before)
        journal.forget(cs.id)
        raise
    return cs
