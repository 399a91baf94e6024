"""Every prompt and answer goes to the conversation store as it streams (flushed at least every
second), so a crash or a kill mid-answer keeps what had arrived. Storage trouble is reported
and never stops the chat."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from dsdesk.core.request import ChatOptions
from dsdesk.services.chat import ChatService
from dsdesk.services.chat_types import AnswerEnd, Failure
from dsdesk.store import Store, StoredMessage, StoreError, StreamWriter

NO_PROJECT = "(no project)"


class HistoryRecorder(QObject):
    sig_notice = Signal(str)
    """(message) history could not be saved; the chat goes on."""

    def __init__(self, store: Store, chat: ChatService) -> None:
        super().__init__()
        self.store = store
        self._project_id = store.project(NO_PROJECT).id
        self.conversation_id: int | None = None
        self._writer: StreamWriter | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(1000)  # a stalled stream still gets written
        self._timer.timeout.connect(self._flush)
        chat.sig_turn_started.connect(self._on_chat_turn_started)
        chat.sig_reasoning.connect(lambda t: self._append(reasoning=t))
        chat.sig_content.connect(lambda t: self._append(content=t))
        chat.sig_answer_ended.connect(self._on_chat_answer_ended)
        chat.sig_failed.connect(self._on_chat_failed)
        chat.sig_conversation_reset.connect(self._on_chat_conversation_reset)

    def set_project(self, root: Path | None) -> None:
        self._guard(lambda: self._set_project(root))

    def _set_project(self, root: Path | None) -> None:
        self._project_id = self.store.project(str(root) if root else NO_PROJECT).id
        self.conversation_id = None

    @property
    def project_id(self) -> int:
        return self._project_id

    def open_conversation(self, conversation_id: int) -> list[StoredMessage]:
        """The active path of a stored conversation; later turns are appended to it."""
        messages = self.store.thread(conversation_id).messages
        self.conversation_id = conversation_id
        return list(messages)

    def _on_chat_turn_started(self, prompt: str, opts: ChatOptions) -> None:
        def go() -> None:
            if self.conversation_id is None:
                self.conversation_id = self.store.new_conversation(self._project_id).id
            self.store.add_prompt(self.conversation_id, prompt)
            self._writer = self.store.begin_answer(
                self.conversation_id,
                model=opts.model,
                thinking=opts.thinking,
                effort=opts.effort if opts.thinking else None,
            )
            self._timer.start()

        self._guard(go)

    def _append(self, content: str = "", reasoning: str = "") -> None:
        writer = self._writer
        if writer is not None:
            self._guard(lambda: writer.append(content=content, reasoning=reasoning))

    def _flush(self) -> None:
        if self._writer is not None:
            self._writer.flush_if_due()

    def _on_chat_answer_ended(self, end: AnswerEnd) -> None:
        status = "stopped" if end.status == "stopped" else "done"
        self._finish(status, end, None)

    def _on_chat_failed(self, failure: Failure) -> None:
        self._finish("error", None, failure.message)

    def _finish(self, status: str, end: AnswerEnd | None, error: str | None) -> None:
        writer, self._writer = self._writer, None
        self._timer.stop()
        if writer is not None:
            self._guard(
                lambda: writer.finish(
                    status,  # type: ignore[arg-type]
                    finish_reason=end.finish_reason if end else None,
                    usage=end.usage if end else None,
                    error=error,
                )
            )

    def _on_chat_conversation_reset(self) -> None:
        self.conversation_id = None

    def _guard(self, fn: object) -> None:
        try:
            fn()  # type: ignore[operator]
        except StoreError as exc:
            self.sig_notice.emit(f"History not saved: {exc.user_message}")
