"""Edits the model proposes: parsed while the answer streams, planned off the GUI thread when it
ends, applied (atomically, journalled) only when the user accepts, and undoable."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from dsdesk.core.edits_parse import EditBlock, EditStreamParser
from dsdesk.core.edits_report import failure_report
from dsdesk.core.errors import DsdeskError, EditError
from dsdesk.services.edit_state import PlanFiles
from dsdesk.services.tasks import TaskRegistry
from dsdesk.workspace.edit_plan import EditPlan, apply_plan, plan_edits
from dsdesk.workspace.git_commit import commit_change_set, is_git_work_tree
from dsdesk.workspace.journal import ChangeSet, UndoJournal


class EditService(QObject):
    sig_summary = Signal(str)
    """(text) e.g. "3 edits for 2 files", updated while the answer streams."""
    sig_plan_ready = Signal(object)
    """(EditPlan) the last answer's edits, matched against the files; nothing written yet."""
    sig_applied = Signal(object)
    """(ChangeSet) accepted changes were written."""
    sig_undone = Signal(list)
    """(list[ChangeSet]) change sets that were undone."""
    sig_failed = Signal(str)
    """(message) planning, applying or undoing failed; nothing was lost."""
    sig_files_changed = Signal(object)
    """(PlanFiles) files of the current plan were applied, rejected, undone or failed."""

    def __init__(self, tasks: TaskRegistry, data_dir: Path) -> None:
        super().__init__()
        self._tasks = tasks
        self._data_dir = data_dir
        self._root: Path | None = None
        self._journal: UndoJournal | None = None
        self._parser = EditStreamParser()
        self._planned = 0
        self._summary = ""
        self.plan: EditPlan | None = None
        self.files: PlanFiles | None = None  # what happened to each file of ``plan``
        self._writing = False  # an apply or undo is running: a second one would race it
        # Fingerprints of the files as the model saw them (from the context service).
        self.seen: Callable[[], Mapping[str, tuple[int, int]]] = dict
        self._seen_snapshot: dict[str, tuple[int, int]] = {}
        self.commit_edits = False  # from settings: a git commit per applied change set

    @property
    def root(self) -> Path | None:
        return self._root

    @property
    def journal(self) -> UndoJournal | None:
        return self._journal

    def set_project(self, root: Path | None) -> None:
        self._root = root
        self._journal = UndoJournal(root, self._data_dir) if root is not None else None
        self.plan = None
        self.files = None

    @property
    def busy(self) -> bool:
        """An apply or undo is still running."""
        return self._writing

    # -- the streaming answer -----------------------------------------------------------------

    def begin_answer(self) -> None:
        # The files as this request showed them to the model: its edits are meant for these.
        self._seen_snapshot = dict(self.seen())
        self._parser = EditStreamParser()
        self._summary = ""
        self._planned = 0  # blocks of this answer already planned (before a Continue)

    def resume_answer(self, text_so_far: str) -> None:
        """Continue extends the answer: parse it again from its start, so a block cut in the
        middle is read whole; the blocks already planned are not planned twice."""
        self._parser = EditStreamParser()
        self._parser.feed(text_so_far)
        self._planned = len(self._parser.blocks)
        self._emit_summary()

    def feed(self, text: str) -> None:
        if self._parser.feed(text):
            self._emit_summary()

    def finish_answer(self) -> None:
        """Plan the answer's edits against the files (in a worker thread)."""
        self._parser.finish()
        self._emit_summary()
        blocks = list(self._parser.blocks)[self._planned :]
        if not blocks or self._root is None:
            return
        root = self._root
        self._tasks.spawn(self._plan(root, blocks, self._seen_snapshot), name="plan-edits")

    def _emit_summary(self) -> None:
        summary = self._parser.summary()
        if summary != self._summary:
            self._summary = summary
            self.sig_summary.emit(summary)

    async def _plan(
        self, root: Path, blocks: list[EditBlock], seen: dict[str, tuple[int, int]]
    ) -> None:
        try:
            plan = await asyncio.to_thread(plan_edits, root, blocks, seen)
        except (DsdeskError, OSError) as exc:
            self.sig_failed.emit(f"The edits could not be checked: {_message(exc)}")
            return
        if root == self._root:
            self.plan = plan
            self.files = PlanFiles(plan)
            self.sig_plan_ready.emit(plan)

    # -- applying and undoing -----------------------------------------------------------------

    def apply(self, plan: EditPlan, accepted: Mapping[str, str | None], label: str) -> None:
        """Write ``accepted`` (rel path -> final text, None = delete) for files of ``plan``."""
        if self._journal is None or self._writing:
            return
        self._writing = True
        journal = self._journal
        self._tasks.spawn(self._apply(plan, dict(accepted), journal, label), name="apply-edits")

    def apply_pending(self, label: str = "apply all") -> None:
        """Write every file of the current plan that is still as planned against."""
        files = self.files
        if files is not None:
            todo = set(files.writable())
            accepted = {c.rel_path: c.new_text for c in files.plan.changes if c.rel_path in todo}
            if accepted:
                self.apply(files.plan, accepted, label)

    async def _apply(
        self, plan: EditPlan, accepted: dict[str, str | None], journal: UndoJournal, label: str
    ) -> None:
        files = self.files if self.files is not None and self.files.plan is plan else None
        try:
            cs = await asyncio.to_thread(apply_plan, plan, journal, accepted=accepted, label=label)
        except (DsdeskError, OSError) as exc:
            self._writing = False
            if files is not None and isinstance(exc, EditError):
                files.after_failure(exc.path, _message(exc))
                self.sig_files_changed.emit(files)
            self.sig_failed.emit(f"Nothing was written: {_message(exc)}")
            return
        self._writing = False
        if files is not None:
            files.after_apply(accepted, cs)
            self.sig_files_changed.emit(files)
        self.sig_applied.emit(cs)
        if self.commit_edits and cs.files:
            try:
                await asyncio.to_thread(self._commit, plan.root, cs, label)
            except (DsdeskError, OSError) as exc:
                self.sig_failed.emit(
                    f"The edits were applied, but git did not commit them: {_message(exc)}"
                )

    @staticmethod
    def _commit(root: Path, cs: ChangeSet, label: str) -> None:
        if is_git_work_tree(root):
            commit_change_set(root, cs, f"dsdesk: {label or 'applied edits'}")

    def undo(self, n: int = 1) -> None:
        if self._journal is None or self._writing:
            return
        self._writing = True
        self._tasks.spawn(self._undo(self._journal, n, None), name="undo-edits")

    def undo_plan(self) -> None:
        """Undo the last change set written from the current plan, if nothing came after it."""
        if self._journal is None or self._writing or self.files is None:
            return
        self._writing = True
        mine = tuple(self.files.change_sets)
        self._tasks.spawn(self._undo(self._journal, 1, mine), name="undo-edits")

    async def _undo(self, journal: UndoJournal, n: int, only: tuple[str, ...] | None) -> None:
        def run() -> list[ChangeSet] | None:
            if only is not None:
                history = journal.history()
                if not history or history[-1].id not in only:
                    return None  # a later change (another answer, the agent) comes first
            return journal.undo_last(n)

        try:
            undone = await asyncio.to_thread(run)
        except (DsdeskError, OSError) as exc:
            self.sig_failed.emit(f"Undo failed; files are unchanged: {_message(exc)}")
            return
        finally:
            self._writing = False
        if undone is None:
            self.sig_failed.emit(
                "A later change was made after these edits; undo it first (Ctrl+Alt+Z)."
            )
            return
        if self.files is not None and self.files.after_undo(undone):
            self.sig_files_changed.emit(self.files)
        self.sig_undone.emit(undone)

    def fix_prompt(self) -> str:
        """The follow-up asking the model to redo the failed blocks of the last plan."""
        return failure_report(self.plan.outcomes) if self.plan is not None else ""


def _message(exc: BaseException) -> str:
    return exc.user_message if isinstance(exc, DsdeskError) else str(exc)
