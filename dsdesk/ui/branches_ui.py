"""Versions of prompts and answers: edit an earlier prompt and resend it, regenerate an answer,
switch between versions with ‹ ›. Nothing is replaced: the store keeps every version as a branch
and the transcript shows the active one.

Each of these rebuilds the chat from the stored turns (``conversation_turns``), with the current
project files in the system message, like reopening a conversation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from dsdesk.services.history import Branch, HistoryRecorder, conversation_turns
from dsdesk.store import StoreError, Thread
from dsdesk.ui.thread_view import EARLIER_ACTION, first_shown, show_earlier, show_thread
from dsdesk.ui.transcript_messages import UserMessage

if TYPE_CHECKING:
    from dsdesk.ui.main_window import MainWindow


class BranchPresenter(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.editing: int | None = None  # id of the prompt being edited in the prompt box
        self._draft = ""  # what the prompt box held before editing began
        self._first_id: int | None = None  # the first stored message the transcript shows
        window.chat_panel.edit_banner.sig_cancel.connect(self.cancel_edit)
        # A new chat or another project ends editing: the prompt belonged to the old one.
        window.chat.sig_conversation_reset.connect(self.cancel_edit)
        if window.controller.history is not None:
            window.controller.history.sig_turn_stored.connect(window.transcript.tag_turn)

    @property
    def _history(self) -> HistoryRecorder | None:
        return self.window.controller.history

    def _ready(self, sending: bool = False) -> HistoryRecorder | None:
        """The recorder, when the chat is idle (versions never change under a stream) and,
        for ``sending``, there is a key to send with."""
        if sending and self.window.refuse_without_key():
            return None
        if self.window.chat.busy:
            self._status("Wait for the answer to finish (or stop it with Esc) first.")
            return None
        if self._history is None:
            self._status("Conversation history is off, so there are no versions.")
        return self._history

    def on_action(self, action: str) -> bool:
        """Header links of the transcript's messages; False if the action is not one of them."""
        if action == EARLIER_ACTION:
            self.show_earlier()
            return True
        verb, _, rest = action.partition(":")
        if verb not in ("edit", "regenerate", "version"):
            return False
        mid, _, step = rest.partition(":")
        if verb == "edit":
            self.begin_edit(int(mid))
        elif verb == "regenerate":
            self.regenerate(int(mid))
        else:
            self.step_version(int(mid), int(step))
        return True

    # -- showing a thread ---------------------------------------------------------------------

    def open_thread(self, thread: Thread, at: int | None = None) -> None:
        """Show a stored thread (reaching back to message ``at``) and make it the conversation
        the chat continues."""
        w, history = self.window, self._history
        assert history is not None
        self.cancel_edit()
        self._show(thread, None, first_shown(thread, include=at))
        w.chat.load_history(conversation_turns(thread.messages))
        leaf = thread.messages[-1].id if thread.messages else None
        history.continue_in(thread.conversation.id, leaf)
        entry = w.transcript.message(at) if at is not None else None
        if entry is not None:
            w.transcript.scroll_to(entry)

    def _show(self, thread: Thread, shown: int | None, first: int) -> None:
        self._first_id = thread.messages[first].id if thread.messages else None
        show_thread(self.window.transcript, thread, self.window.chat.prices, shown, first)

    def show_earlier(self, batch: int = 60) -> None:
        """Build ``batch`` more of the earlier messages, keeping the view where it was."""
        history, anchor = self._ready(), self._first_id
        if history is None or anchor is None:
            return
        thread = history.stored_thread()  # the stored path now, with any turns sent since
        if thread is None:
            return
        ids = [m.id for m in thread.messages]
        if anchor not in ids:
            return
        end = ids.index(anchor)
        first = first_shown(thread, include=ids[max(0, end - batch)])
        show_earlier(self.window.transcript, thread, self.window.chat.prices, first, end)
        self._first_id = ids[first]
        entry = self.window.transcript.message(anchor)
        if entry is not None:
            self.window.transcript.scroll_to(entry)

    def _resend(self, branch: Branch) -> None:
        w, history = self.window, self._history
        assert history is not None
        self._show(branch.thread, branch.shown, first_shown(branch.thread, branch.shown))
        w.chat.load_history(branch.turns)
        history.continue_in(branch.thread.conversation.id, answer_to=branch.answer_to)
        w.prompt.remember(branch.prompt)
        # The rebuilt conversation may be larger than the one shown before.
        if not w.context_ui.refuse_overflow(branch.prompt):
            w.chat.send(branch.prompt)

    # -- edit and resend ----------------------------------------------------------------------

    def begin_edit(self, prompt_id: int) -> None:
        if self._ready() is None:
            return
        entry = self.window.transcript.message(prompt_id)
        if not isinstance(entry, UserMessage) or entry.ref is None:
            return
        prompt = self.window.prompt
        if self.editing is None:
            self._draft = prompt.toPlainText()
        self.editing = prompt_id
        prompt.setPlainText(entry.text)
        prompt.moveCursor(prompt.textCursor().MoveOperation.End)
        prompt.setFocus()
        self.window.chat_panel.edit_banner.show_for(entry.ref.position)

    def cancel_edit(self) -> bool:
        if self.editing is None:
            return False
        self._end_edit()
        return True

    def _end_edit(self) -> None:
        """Leave edit mode; the prompt box gets back what it held before."""
        self.editing = None
        self.window.chat_panel.edit_banner.hide()
        self.window.prompt.setPlainText(self._draft)
        self._draft = ""

    def send_edit(self, text: str) -> None:
        history, mid = self._ready(sending=True), self.editing
        if history is None or mid is None:
            return
        entry = self.window.transcript.message(mid)
        if isinstance(entry, UserMessage) and entry.text == text:
            self._status("The prompt is unchanged, so nothing was sent; Regenerate asks again.")
            return
        try:
            branch = history.prepare_edit(mid, text)
        except StoreError as exc:
            self._status(f"Not sent: {exc.user_message}")
            return
        self._end_edit()
        self._resend(branch)

    def edit_last_prompt(self) -> None:
        entry = self.window.transcript.last_user_message()
        if entry is not None and entry.ref is not None:
            self.begin_edit(entry.ref.id)
        else:
            self._status("No stored prompt to edit yet.")

    # -- regenerate ---------------------------------------------------------------------------

    def regenerate(self, answer_id: int) -> bool:
        history = self._ready(sending=True)
        if history is None:
            return False
        try:
            branch = history.prepare_regenerate(answer_id)
        except StoreError as exc:
            self._status(f"Not regenerated: {exc.user_message}")
            return True
        if branch is None:
            return False
        self.cancel_edit()
        self._resend(branch)
        return True

    def regenerate_last(self) -> bool:
        """Regenerate the last stored answer (False: there is none; the caller falls back)."""
        answer = self.window.transcript.last_answer()
        if answer is None or answer.ref is None or self._history is None:
            return False
        return self.regenerate(answer.ref.id)

    # -- versions -----------------------------------------------------------------------------

    def step_version(self, message_id: int, step: int) -> None:
        history = self._ready()
        if history is None:
            return
        try:
            thread = history.switch_version(message_id, step)
        except StoreError as exc:
            self._status(f"Could not switch versions: {exc.user_message}")
            return
        # The version now shown sits where the old one was; keep the keyboard on its arrows.
        index = next(
            (i for i, m in enumerate(thread.messages) if message_id in thread.siblings[m.id]), None
        )
        self.open_thread(thread, thread.messages[index].id if index is not None else None)
        if index is not None:
            entry = self.window.transcript.message(thread.messages[index].id)
            if entry is not None:
                entry.tools.focus("prev" if step < 0 else "next")
                self.window.transcript.scroll_to(entry)

    def step_last_answer(self, step: int) -> None:
        answer = self.window.transcript.last_answer()
        if answer is not None and answer.ref is not None:
            self.step_version(answer.ref.id, step)

    def copy_last_answer(self) -> None:
        answer = self.window.transcript.last_answer()
        if answer is None:
            self._status("No answer to copy yet.")
            return
        QGuiApplication.clipboard().setText(answer.source_text())
        self._status("Answer copied (as Markdown).")

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 6000)
