"""The window's side of history: the sidebar (Ctrl+H), search (Ctrl+Shift+F), and reopening a
stored conversation into the chat and the transcript."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from dsdesk.store import StoreError
from dsdesk.ui.history_sidebar import HistorySidebar, TrashDialog

if TYPE_CHECKING:
    from dsdesk.ui.main_window import MainWindow


def export_name(title: str, conversation_id: int) -> str:
    """A file name from the conversation's title: "fix-the-sse-decoder"."""
    slug = re.sub(r"[^\w]+", "-", title.lower()).strip("-")[:60].rstrip("-")
    return slug or f"conversation-{conversation_id}"


class HistoryPresenter(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.sidebar = HistorySidebar(window)
        self.sidebar.hide()
        window.splitter.insertWidget(0, self.sidebar)
        self.sidebar.sig_open.connect(self.open_conversation)
        self.sidebar.sig_trashed.connect(self._on_sidebar_trashed)
        self.sidebar.sig_leave.connect(window.prompt.setFocus)
        window.chat.sig_answer_ended.connect(lambda _e: self._refresh_if_shown())
        window.chat.sig_conversation_reset.connect(self._sync_current)
        history = window.controller.history
        if history is not None:
            history.sig_turn_stored.connect(lambda _t: self._sync_current())

    def _sync_current(self) -> None:
        """The sidebar marks the conversation open in the window."""
        history = self.window.controller.history
        self.sidebar.set_current(history.conversation_id if history else None)

    def _on_sidebar_trashed(self, conversation_id: int) -> None:
        history = self.window.controller.history
        if history is not None and history.conversation_id == conversation_id:
            # Its turns would otherwise keep going into a conversation nobody can see.
            self.window.new_chat()
            self.window.statusBar().showMessage(
                "The open conversation went to the trash (File ▸ Restore…); this is a new chat.",
                8000,
            )

    def rename_open(self) -> None:
        history = self.window.controller.history
        if history is None or history.conversation_id is None:
            self.window.statusBar().showMessage("No stored conversation to rename yet.", 5000)
            return
        self.show()
        self.sidebar.rename_current()

    def trash_open(self) -> None:
        history = self.window.controller.history
        if history is None or history.conversation_id is None:
            self.window.statusBar().showMessage("No stored conversation to move yet.", 5000)
            return
        if self.window.chat.busy:
            self.window.statusBar().showMessage("Wait for the answer to finish first.", 5000)
            return
        cid = history.conversation_id
        history.store.trash(cid)
        self._refresh_if_shown()
        self._on_sidebar_trashed(cid)

    def toggle(self) -> None:
        if self.sidebar.isVisible():
            self.sidebar.hide()
            self.window.prompt.setFocus()
        else:
            self.show()

    def show(self, focus_search: bool = False) -> None:
        history = self.window.controller.history
        if history is None:
            self.window.statusBar().showMessage("Conversation history is off.", 5000)
            return
        self.sidebar.current_id = history.conversation_id
        self.sidebar.bind(history.store, history.project_id)
        self.window.panes.reveal(self.sidebar)
        if focus_search:
            self.sidebar.search.setFocus()
            self.sidebar.search.selectAll()
        else:
            self.sidebar.list.setFocus()

    def _refresh_if_shown(self) -> None:
        if self.sidebar.isVisible():
            self.sidebar.refresh()

    def export(self, kind: str) -> None:
        """Save the open conversation as Markdown ("md", "md+reasoning") or JSON ("json")."""
        w = self.window
        history = w.controller.history
        if history is None or history.conversation_id is None:
            w.statusBar().showMessage("No stored conversation to export yet.", 5000)
            return
        cid = history.conversation_id
        suffix = ".json" if kind == "json" else ".md"
        title = history.store.conversation(cid).title
        name = export_name(title, cid) + suffix
        dialog = QFileDialog(w, "Export conversation", str((w.project or Path.home()) / name))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)

        def save(path: str) -> None:
            if kind == "json":
                text = json.dumps(history.store.export_json(cid), indent=1, ensure_ascii=False)
            else:
                text = history.store.export_markdown(cid, reasoning=kind == "md+reasoning")
            try:
                Path(path).write_text(text, encoding="utf-8")
            except OSError as exc:
                w.statusBar().showMessage(f"Not exported: {exc}", 10000)
                return
            w.statusBar().showMessage(f"Exported to {path}", 8000)

        dialog.fileSelected.connect(save)
        w.open_dialog(dialog)

    def restore_from_trash(self) -> None:
        w = self.window
        history = w.controller.history
        if history is None:
            return
        trashed = history.store.trashed(history.project_id)
        if not trashed:
            w.statusBar().showMessage("The trash is empty.", 5000)
            return
        dialog = TrashDialog(trashed, w)
        dialog.sig_restore.connect(self._on_trash_restore)
        w.open_dialog(dialog)

    def _on_trash_restore(self, conversation_id: int) -> None:
        history = self.window.controller.history
        if history is not None:
            history.store.restore(conversation_id)
            self._refresh_if_shown()
            self.window.statusBar().showMessage("Restored from the trash.", 5000)

    def open_conversation(self, conversation_id: int, at: int = 0) -> None:
        """Show a stored conversation; ``at``: a message (a search hit) to show, switching to
        the branch that holds it."""
        w = self.window
        history = w.controller.history
        if history is None:
            return
        if conversation_id == history.conversation_id and not at:
            w.prompt.setFocus()  # already open (a double click is two clicks and an Enter)
            return
        if w.chat.busy:
            w.statusBar().showMessage("Wait for the answer to finish (or stop it) first.", 5000)
            self._sync_current()  # the sidebar keeps showing what is open
            return
        try:
            thread = history.store.switch_to(at) if at else history.stored_thread(conversation_id)
        except StoreError as exc:
            w.statusBar().showMessage(f"Could not open it: {exc.user_message}", 8000)
            return
        if thread is not None:
            w.branches_ui.open_thread(thread, at or None)
        self._sync_current()
        w.session.remember()
        w.prompt.setFocus()
