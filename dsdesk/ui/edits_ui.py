"""The window's side of edits: the card under an answer, the review dialog, undo, and the
"Fix failed edits" follow-up. Kept out of main_window.py so each stays readable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from dsdesk.ui.edits_card import EditsCard
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

    def on_action(self, action: str) -> None:
        """Transcript links of the edits card."""
        if action == "review":
            self.open_review()
        elif action == "apply_all":
            self.apply_all()
        elif action == "fix_edits":
            self.fix()

    def apply_all(self) -> None:
        plan = self.edits.plan
        if plan is not None:
            self.edits.apply(plan, {c.rel_path: c.new_text for c in plan.changes}, "apply all")

    def open_review(self) -> None:
        plan = self.edits.plan
        if plan is None:
            self._status("No edits to review in the last answer.")
            return
        dialog = ReviewDialog(plan, self.window)
        dialog.sig_apply.connect(lambda accepted: self.edits.apply(plan, accepted, "reviewed"))
        dialog.sig_undo.connect(self.undo)
        self.review = dialog
        dialog.finished.connect(self._on_review_finished)
        self.window.open_dialog(dialog)

    def undo(self) -> None:
        if self.edits.journal is None:
            self._status("Open a project first: edits are undone per project.")
            return
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
        shown = self.window.controller.context.shown_files()
        unseen = frozenset(c.rel_path for c in plan.changes if c.old_text is not None) - shown
        self.card = EditsCard(plan, self.window.transcript.theme, unseen=unseen)
        self.window.transcript.add_card(self.card)

    def _on_edits_applied(self, cs: ChangeSet) -> None:
        note = f"Applied to {len(cs.files)} file(s) · Ctrl+Alt+Z (or Ctrl+Z in Review) undoes it"
        if self.card is not None:
            self.card.set_state(note)
        self._status(note)

    def _on_edits_undone(self, undone: list[ChangeSet]) -> None:
        files = sum(len(cs.files) for cs in undone)
        note = (
            f"Undone: {len(undone)} change set(s), {files} file(s) restored"
            if undone
            else "Nothing to undo."
        )
        if self.card is not None and undone:
            self.card.set_state(note)
        self._status(note)

    def _on_edits_failed(self, message: str) -> None:
        self._status(message)
        self.window.transcript.show_error(message, [])
