"""The window's side of edits: the card under an answer, the review dialog, undo, and the
"Fix failed edits" follow-up. Kept out of main_window.py so each stays readable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from dsdesk.services.edit_state import FileState, FileStatus, PlanFiles, plural
from dsdesk.ui.edits_card import EditAction, EditsCard
from dsdesk.ui.review import ReviewDialog
from dsdesk.workspace.edit_plan import EditPlan
from dsdesk.workspace.journal import ChangeSet

if TYPE_CHECKING:
    from dsdesk.ui.main_window import MainWindow


class EditsPresenter(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.edits = window.controller.edits
        self.card: EditsCard | None = None
        self.review: ReviewDialog | None = None
        self.edits.sig_summary.connect(self._on_edits_summary)
        self.edits.sig_plan_ready.connect(self._on_edits_plan_ready)
        self.edits.sig_applied.connect(self._on_edits_applied)
        self.edits.sig_undone.connect(self._on_edits_undone)
        self.edits.sig_failed.connect(self._on_edits_failed)
        self.edits.sig_files_changed.connect(self._on_edits_files_changed)

    def on_action(self, action: str) -> None:
        """Transcript links of the edits card."""
        if action == EditAction.REVIEW:
            self.open_review()
        elif action == EditAction.APPLY:
            self.apply_all()
        elif action == EditAction.UNDO:
            self.undo_plan()
        elif action == EditAction.FIX:
            self.fix()

    def apply_all(self) -> None:
        """Write every file of the last answer's edits not written yet."""
        files = self.edits.files
        if files is None or not files.writable():
            self._status("Nothing left to apply from the last answer.")
        elif not self._busy():
            self.edits.apply_pending("apply all")

    def undo_plan(self) -> None:
        if not self._busy():
            self.edits.undo_plan()

    def _busy(self) -> bool:
        if self.edits.busy:
            self._status("Still writing the previous change…")
        return self.edits.busy

    def open_review(self) -> None:
        files = self.edits.files
        if files is None:
            self._status("No edits to review in the last answer.")
            return
        plan = files.plan
        dialog = ReviewDialog(files, self.window)
        dialog.sig_apply.connect(lambda accepted: self._review_apply(plan, accepted))
        dialog.sig_undo.connect(self.undo)
        self.review = dialog
        dialog.finished.connect(self._on_review_finished)
        self.window.open_dialog(dialog)

    def _review_apply(self, plan: EditPlan, accepted: dict[str, str | None]) -> None:
        if not self._busy():
            self.edits.apply(plan, accepted, "reviewed")

    def undo(self) -> None:
        if self.edits.journal is None:
            self._status("Open a project first: edits are undone per project.")
            return
        if not self._busy():
            self.edits.undo(1)

    def fix(self) -> None:
        prompt = self.edits.fix_prompt()
        if prompt:
            self.window.send_prompt(prompt)

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)
        if self.review is not None:
            self.review.show_status(text)

    def _on_review_finished(self, _result: int) -> None:
        self.review = None

    def _on_edits_summary(self, summary: str) -> None:
        if self.window.chat.busy and summary:
            self.window.chat_panel.status.setText(f"Answering… · {summary}")

    def _on_edits_plan_ready(self, plan: EditPlan) -> None:
        files = self.edits.files
        if files is None:
            return
        if self.card is not None:
            self.card.retire("A later answer's edits replaced these.")
        shown = self.window.controller.context.shown_files()
        unseen = frozenset(c.rel_path for c in plan.changes if c.old_text is not None) - shown
        self.card = EditsCard(files, self.window.transcript.theme, unseen=unseen)
        self.window.transcript.add_card(self.card)

    def _on_edits_files_changed(self, files: PlanFiles) -> None:
        if self.card is not None and self.card.plan is files.plan:
            self.card.set_files(files)
        if self.review is not None and self.review.plan is files.plan:
            self.review.set_files(files)

    def _on_edits_applied(self, cs: ChangeSet) -> None:
        them = "it" if len(cs.files) == 1 else "them"
        note = (
            f"Applied to {plural(len(cs.files), 'file')} · Undo on the card (or Ctrl+Alt+Z) "
            f"puts {them} back"
            if cs.files
            else "Nothing to write: the files already hold these changes."
        )
        if self.card is not None:
            self.card.set_files(self.card.files, note)
        self._status(note)
        if self.review is not None:
            self.review.done_applying()

    def _on_edits_undone(self, undone: list[ChangeSet]) -> None:
        files = sum(len(cs.files) for cs in undone)
        note = (
            f"Undone: {plural(len(undone), 'change set')}, {plural(files, 'file')} restored"
            if undone
            else "Nothing to undo."
        )
        card = self.card
        if card is not None and any(
            card.files.status.get(f.rel_path) == FileStatus(FileState.UNDONE)
            for cs in undone
            for f in cs.files
        ):
            card.set_files(card.files, note)
        self._status(note)

    def _on_edits_failed(self, message: str) -> None:
        self._status(message)
        self.window.transcript.show_error(message, [])
