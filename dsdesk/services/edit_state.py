"""What happened to each file of an answer's edit plan: proposed, applied, rejected, undone or
failed. The card and the review read it to show each file's state and to offer only what can
still be done; writing a file twice from one plan would only fail (its bytes are no longer the
ones planned against). Qt-free: the edit service updates it and re-emits it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from dsdesk.workspace.edit_plan import EditPlan
from dsdesk.workspace.journal import ChangeSet

__all__ = ["FileState", "FileStatus", "PlanFiles", "plural"]


class FileState(StrEnum):
    PROPOSED = "proposed"  # planned, nothing written
    APPLIED = "applied"
    REJECTED = "rejected"  # left out in Review; still writable
    UNDONE = "undone"  # written, then undone: the file is as planned against again
    FAILED = "failed"  # writing it failed; the note says why

    @property
    def writable(self) -> bool:
        """The file still holds the bytes the plan was made against."""
        return self in (FileState.PROPOSED, FileState.REJECTED, FileState.UNDONE)


@dataclass(frozen=True, slots=True)
class FileStatus:
    state: FileState
    note: str = ""  # "some hunks left out", or why writing failed


def plural(n: int, word: str) -> str:
    """ "1 file", "2 files"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class PlanFiles:
    """The files of one plan, in plan order, with their state."""

    plan: EditPlan
    status: dict[str, FileStatus] = field(default_factory=dict)
    change_sets: list[str] = field(default_factory=list)  # ids written from this plan
    written: dict[str, str | None] = field(default_factory=dict)  # text written per file

    def __post_init__(self) -> None:
        for c in self.plan.changes:
            self.status.setdefault(c.rel_path, FileStatus(FileState.PROPOSED))

    def state(self, rel: str) -> FileState:
        return self.status[rel].state

    def writable(self) -> list[str]:
        return [rel for rel, s in self.status.items() if s.state.writable]

    def applied(self) -> list[str]:
        return [rel for rel, s in self.status.items() if s.state is FileState.APPLIED]

    def after_apply(self, accepted: Mapping[str, str | None], cs: ChangeSet) -> None:
        """``accepted`` was written as ``cs``; writable files left out of it were rejected."""
        written = {f.rel_path for f in cs.files}
        planned = {c.rel_path: c.new_text for c in self.plan.changes}
        if cs.files:
            self.change_sets.append(cs.id)
        for rel in self.writable():
            if rel not in accepted:
                self.status[rel] = FileStatus(FileState.REJECTED)
            elif rel in written:
                partial = accepted[rel] != planned.get(rel)
                self.written[rel] = accepted[rel]
                self.status[rel] = FileStatus(
                    FileState.APPLIED, "some hunks left out" if partial else ""
                )

    def after_undo(self, undone: Sequence[ChangeSet]) -> bool:
        """Mark the files of undone change sets of this plan; True if any were."""
        mine = [cs for cs in undone if cs.id in self.change_sets]
        for cs in mine:
            self.change_sets.remove(cs.id)
            for f in cs.files:
                if f.rel_path in self.status:
                    self.status[f.rel_path] = FileStatus(FileState.UNDONE)
                    self.written.pop(f.rel_path, None)
        return bool(mine)

    def after_failure(self, rel: str | None, message: str) -> None:
        """Writing failed (nothing was written); the file it names is marked failed."""
        if rel in self.status and self.status[rel].state.writable:
            self.status[rel] = FileStatus(FileState.FAILED, message)
