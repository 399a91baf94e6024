"""The window's side of history: the sidebar (Ctrl+H), search (Ctrl+Shift+F), and reopening a
stored conversation into the chat and the transcript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from dsdesk.core.messages import Message
from dsdesk.ui.history_sidebar import HistorySidebar, TrashDialog

if TYPE_CHECKING:
    from dsdesk.ui.main_window import MainWindow

_STATUS = {"done": "done", "stopped": "stopped", "interrupted": "stopped", "error": "error"}


class HistoryPresenter(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.sidebar = HistorySidebar(window)
        self.sidebar.hide()
        window.splitter.insertWidget(0, self.sidebar)
        self.sidebar.sig_open.connect(self.open_conversation)
        window.chat.sig_answer_ended.connect(lambda _e: self._refresh_if_shown())

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
        self.sidebar.bind(history.store, history.project_id)
        self.sidebar.show()
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
        dialog = QFileDialog(w, "Export conversation", f"conversation-{cid}{suffix}")
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
        dialog = TrashDialog([(c.id, c.title or "(untitled)") for c in trashed], w)
        dialog.sig_restore.connect(self._on_trash_restore)
        w.open_dialog(dialog)

    def _on_trash_restore(self, conversation_id: int) -> None:
        history = self.window.controller.history
        if history is not None:
            history.store.restore(conversation_id)
            self._refresh_if_shown()
            self.window.statusBar().showMessage("Restored from the trash.", 5000)

    def open_conversation(self, conversation_id: int) -> None:
        w = self.window
        history = w.controller.history
        if history is None or w.chat.busy:
            return
        w.chat.new_chat()
        w.transcript.clear()
        stored = history.open_conversation(conversation_id)
        turns: list[Message] = []
        for m in stored:
            if m.role == "user":
                w.transcript.add_user_message(m.content, "")
                turns.append(Message.user(m.content))
            elif m.role == "assistant":
                mode = "thinking" if m.thinking else "non-thinking"
                w.transcript.begin_answer(f"{m.model or ''} · {mode}".strip(" ·"))
                if m.reasoning:
                    w.transcript.append_reasoning(m.reasoning)
                w.transcript.append_content(m.content)
                w.transcript.end_answer(_STATUS.get(m.status, "done"))
                turns.append(Message.assistant(m.content, m.reasoning))
        if turns and turns[-1].role == "user":
            turns.pop()  # a prompt whose answer never came is shown, not resent
        w.chat.load_history(turns)
        history.conversation_id = conversation_id
        w.prompt.setFocus()
