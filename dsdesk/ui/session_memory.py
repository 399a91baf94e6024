"""What a restart brings back, beyond geometry: per project the conversation that was open
(with the files attached to its last prompt) and the agent mode; and the chat controls' model,
thinking switch and effort, which are saved in the settings as they change (and follow the
settings dialog at once).

Kept in the UI state, never read from the project: a cloned repository cannot pick the mode.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from dsdesk.agent.policy import Mode
from dsdesk.store import StoreError, Thread

if TYPE_CHECKING:
    from dsdesk.ui.main_window import MainWindow


def attached_files(thread: Thread) -> list[str]:
    """The files in the context of the thread's last prompt, in their stored order."""
    prompts = [m for m in thread.messages if m.role == "user"]
    if not prompts:
        return []
    return [c.rel_path for c in prompts[-1].context if c.kind == "file"]


class SessionMemory(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        window.controller.agent.sig_mode_changed.connect(self._on_agent_mode_changed)
        history = window.controller.history
        if history is not None:
            history.sig_turn_stored.connect(lambda _t: self.remember())
        window.chat.sig_conversation_reset.connect(self.remember)
        panel = window.chat_panel
        panel.sig_thinking_changed.connect(lambda on: self._remember_choice(thinking=on))
        panel.sig_effort_changed.connect(lambda e: self._remember_choice(effort=e))
        panel.sig_model_changed.connect(self._on_panel_model_changed)
        window.controller.sig_settings_changed.connect(self._on_controller_settings_changed)

    # -- chat controls ------------------------------------------------------------------------

    def _on_panel_model_changed(self, model: str) -> None:
        if model.strip():
            self._remember_choice(model=model.strip())

    def _remember_choice(self, **changes: object) -> None:
        problem = self.window.controller.remember_chat_choice(**changes)
        if problem:
            self.window.statusBar().showMessage(problem, 8000)

    def _on_controller_settings_changed(self, _settings: object) -> None:
        # The controller already gave the running session the new options: show them.
        w = self.window
        opts = w.chat.options
        w.chat_panel.set_thinking(opts.thinking, opts.effort)
        w.chat_panel.set_models(w.dialogs.models or [opts.model], opts.model)

    # -- per project --------------------------------------------------------------------------

    def remember(self) -> None:
        """Note the conversation open in the window's project (None: a new chat)."""
        w, history = self.window, self.window.controller.history
        if w.project is not None and history is not None:
            w.ui_state.set_conversation(w.project, history.conversation_id)

    def _on_agent_mode_changed(self, mode: Mode) -> None:
        if self.window.project is not None:
            self.window.ui_state.set_mode(self.window.project, mode.value)

    def restore(self, project: Path) -> None:
        """After the project opened: its mode, then its last conversation with its files."""
        w = self.window
        agent = w.controller.agent
        try:
            mode = Mode(w.ui_state.mode(project) or Mode.CHAT.value)
        except ValueError:
            mode = Mode.CHAT
        if agent.set_mode(mode) is not None:  # e.g. full-auto without a sandbox here
            agent.set_mode(Mode.CHAT)
        w.history_ui.sidebar.search.clear()  # a filter from before would hide the list
        history, cid = w.controller.history, w.ui_state.conversation(project)
        if history is None or cid is None or w.chat.busy:
            return
        try:
            conversation = history.store.conversation(cid)
            thread = history.store.thread(cid)
        except StoreError:
            return
        if conversation.deleted_at is not None or conversation.project_id != history.project_id:
            return
        files = attached_files(thread)
        w.controller.tasks.spawn(self._reopen(project, cid, files), name="restore-conversation")

    async def _reopen(self, project: Path, cid: int, files: list[str]) -> None:
        w = self.window
        # The files first: read before the conversation loads, they go into the system
        # message as they did when it was sent, instead of as an update after it.
        await w.controller.context.restore(files)
        if w.project == project and not w.chat.busy and not w.chat.conversation_started:
            w.history_ui.open_conversation(cid)  # (it notes the conversation again)
