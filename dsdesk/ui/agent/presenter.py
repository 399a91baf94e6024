"""Agent turns in the window: the timeline in the transcript (reasoning between tool cards),
approvals in place, the turn's status bar, the window title while a question waits, checkpoints.

It listens to the one event stream of the chat (``ChatService.sig_turn_event``); the plain
content and reasoning still flow through the transcript's own streaming path, so a later round
only has to open a new (header-less) answer segment before its first delta arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

from dsdesk.agent import events as ev
from dsdesk.agent.checkpoint_types import Checkpoint
from dsdesk.agent.policy import Mode
from dsdesk.core.errors import DsdeskError
from dsdesk.services.agent import AgentService
from dsdesk.services.chat import ChatService
from dsdesk.services.tasks import TaskRegistry
from dsdesk.ui.agent.checkpoints_ui import RESTORE_ACTION, CheckpointRow, CheckpointsDialog
from dsdesk.ui.agent.mode_switch import ModeSwitch
from dsdesk.ui.agent.tool_card import ToolCard
from dsdesk.ui.agent.turn_status import TurnStatus
from dsdesk.ui.transcript import TranscriptView

__all__ = ["AgentPresenter", "WindowHooks"]

_TITLE_MARK = "Approval needed"


@dataclass(frozen=True, slots=True)
class WindowHooks:
    """The little the presenter needs from the window."""

    message: Callable[[str, int], None]  # status-bar message, milliseconds
    open_dialog: Callable[[QWidget], None]  # window-modal, opened with open()
    set_title_mark: Callable[[str], None]  # a prefix for the window title ("" clears it)
    dialog_parent: QWidget
    focus_prompt: Callable[[], None]
    typing: Callable[[], bool]  # the user is writing a prompt: do not take the keyboard


class AgentPresenter(QObject):
    def __init__(
        self,
        chat: ChatService,
        agent: AgentService,
        tasks: TaskRegistry,
        transcript: TranscriptView,
        mode_switch: ModeSwitch,
        status: TurnStatus,
        hooks: WindowHooks,
    ) -> None:
        super().__init__()
        self.chat, self.agent, self._tasks = chat, agent, tasks
        self.transcript, self.mode_switch, self.status, self.hooks = (
            transcript,
            mode_switch,
            status,
            hooks,
        )
        self.cards: dict[str, ToolCard] = {}
        self._need_segment = False
        self._checkpoint: tuple[str, str] | None = None  # this turn's (id, label)
        self._changed = False  # did this turn change files?
        self._in_turn = False
        chat.sig_turn_event.connect(self._on_chat_turn_event)
        chat.sig_conversation_reset.connect(self._on_chat_conversation_reset)
        agent.sig_question_closed.connect(self._on_agent_question_closed)
        agent.sig_mode_changed.connect(mode_switch.set_mode)
        agent.sig_sandbox_known.connect(mode_switch.set_sandbox)
        agent.sig_notice.connect(lambda m: hooks.message(m, 10000))
        agent.sig_restored.connect(self._on_agent_restored)
        mode_switch.sig_mode_requested.connect(self.set_mode)

    # -- mode ----------------------------------------------------------------------------------

    def set_mode(self, mode: Mode) -> None:
        problem = self.agent.set_mode(mode)
        if problem:
            self.mode_switch.set_mode(self.agent.mode)
            self.hooks.message(problem, 12000)
        else:
            self.hooks.message(f"Mode: {mode.label}", 4000)

    def cycle_mode(self) -> None:
        mode = self.mode_switch.next_mode()
        if mode is Mode.FULL_AUTO and self.agent.sandboxed is False:
            mode = Mode.CHAT  # skip what cannot be used here
        self.set_mode(mode)

    # -- the timeline --------------------------------------------------------------------------

    def _on_chat_turn_event(self, e: ev.TurnEvent) -> None:
        t = self.transcript
        if isinstance(e, ev.RoundStarted):
            if not self._in_turn:
                self._begin_turn()
            if e.round > 1:
                self._need_segment = True
            self.status.round_started(e.round)
        elif isinstance(e, ev.ReasoningText | ev.ContentText):
            if self._need_segment:
                self._need_segment = False
                t.begin_answer("", continuation=True)
        elif isinstance(e, ev.RoundEnded):
            self.status.round_ended(e.usage, e.cost)
            if e.finish_reason == "tool_calls":
                t.end_answer("done")
        elif isinstance(e, ev.ToolCallStarted):
            card = ToolCard(e.call_id, e.name, t.theme)
            card.sig_answer.connect(lambda a, cid=e.call_id: self.agent.answer(cid, a))
            self.cards[e.call_id] = card
            t.add_card(card)
        elif isinstance(e, ev.ToolCallArguments):
            self._card(e.call_id, lambda c: c.append_arguments(e.text))
        elif isinstance(e, ev.ToolCallReady):
            self._card(e.call_id, lambda c: c.set_title(e.title))
        elif isinstance(e, ev.AwaitingApproval):
            self._ask(e)
        elif isinstance(e, ev.ToolOutput):
            self._card(e.call_id, lambda c: c.append_output(e.text))
        elif isinstance(e, ev.ToolCallEnded):
            self._changed = self._changed or bool(e.changed) or bool(e.diff)
            self._card(
                e.call_id, lambda c: c.finish(e.status, e.summary, e.result, e.seconds, e.diff)
            )
            # An ended card may be parked (destroyed and built again) when it scrolls far away.
            self.cards.pop(e.call_id, None)
        elif isinstance(e, ev.CheckpointMade):
            self._checkpoint = (e.checkpoint_id, e.label)
            self._changed = True  # a checkpoint is taken right before a change
        elif isinstance(e, ev.Notice):
            self.hooks.message(e.text, 10000)
        elif isinstance(e, ev.TurnEnded):
            self._end_turn(e)

    def _card(self, call_id: str, fn: Callable[[ToolCard], None]) -> None:
        card = self.cards.get(call_id)
        if card is not None:
            fn(card)

    def _begin_turn(self) -> None:
        self._in_turn = True
        self._checkpoint = None
        self._changed = False
        self._need_segment = False
        self.status.begin(self.chat.limits.max_steps, self.chat.prices.currency)

    def _ask(self, q: ev.AwaitingApproval) -> None:
        card = self.cards.get(q.call_id)
        if card is None:
            return
        card.ask(q.detail, q.why)
        self.transcript.scroll_to(card)
        if self.hooks.typing():
            self.hooks.message("A call waits for your approval: Ctrl+Shift+A goes to it", 15000)
        else:
            card.setFocus(Qt.FocusReason.OtherFocusReason)
        self.status.set_waiting(q.title)
        self.hooks.set_title_mark(_TITLE_MARK)

    def focus_question(self) -> bool:
        """Go to the call waiting for an answer (Ctrl+Shift+A)."""
        card = next((c for c in self.cards.values() if c.waiting), None)
        if card is None:
            return False
        self.transcript.scroll_to(card)
        card.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def _on_agent_question_closed(self, call_id: str) -> None:
        card = self.cards.get(call_id)
        if card is not None and card.waiting:
            card.cancel_question()
        focus = QApplication.focusWidget()
        if card is not None and focus is not None and (focus is card or card.isAncestorOf(focus)):
            self.hooks.focus_prompt()  # answered: the keyboard goes back where the user types
        if not self.agent.waiting:
            self.status.set_waiting("")
            self.hooks.set_title_mark("")

    def _end_turn(self, end: ev.TurnEnded) -> None:
        self._in_turn = False
        self._need_segment = False
        self.status.end()
        self.hooks.set_title_mark("")
        for card in self.cards.values():
            if card.waiting:
                card.cancel_question()
            if not card.ended:  # streamed but never run (stopped, failed, or nameless)
                card.finish(ev.ToolStatus.CANCELLED, "not run", "", 0.0)
        self.cards.clear()  # all ended: the transcript may park them from now on
        if self._checkpoint is not None and self._changed:
            cid, label = self._checkpoint
            self.transcript.add_card(CheckpointRow(cid, label))
        if end.status is ev.TurnStatus.LIMIT:
            self.transcript.show_error(end.message, [("Continue", "agent_continue")])

    def _on_chat_conversation_reset(self) -> None:
        self.cards.clear()
        self._in_turn = False
        self.status.hide()

    def on_action(self, action: str) -> bool:
        """Transcript actions that belong to agent turns."""
        if action == "agent_continue":
            self.chat.continue_turn()
            return True
        if action.startswith(RESTORE_ACTION):
            self.open_restore(action.removeprefix(RESTORE_ACTION))
            return True
        return False

    # -- checkpoints ---------------------------------------------------------------------------

    def open_checkpoints(self, select: str = "") -> None:
        self._tasks.spawn(self._open_checkpoints(select), name="list-checkpoints")

    def open_restore(self, checkpoint_id: str) -> None:
        self.open_checkpoints(select=checkpoint_id)

    async def _open_checkpoints(self, select: str) -> None:
        try:
            found = await self.agent.checkpoints()
        except DsdeskError as exc:
            self.hooks.message(f"No checkpoints: {exc.user_message}", 10000)
            return
        dialog = CheckpointsDialog(found, self.hooks.dialog_parent, select=select)
        dialog.sig_preview_requested.connect(
            lambda cid: self._tasks.spawn(self._preview(dialog, cid), name="preview-restore")
        )
        dialog.sig_restore.connect(self.agent.restore)
        self.hooks.open_dialog(dialog)
        if dialog.selected:
            self._tasks.spawn(self._preview(dialog, dialog.selected), name="preview-restore")

    async def _preview(self, dialog: CheckpointsDialog, checkpoint_id: str) -> None:
        try:
            plan = await self.agent.preview(checkpoint_id)
        except DsdeskError as exc:
            dialog.show_preview(checkpoint_id, None, f"No preview: {exc.user_message}")
            return
        dialog.show_preview(checkpoint_id, plan)

    def _on_agent_restored(self, cp: Checkpoint, backup: Checkpoint) -> None:
        self.hooks.message(
            f"Restored to “{cp.label}”. To undo the restore, restore “{backup.label}” "
            "(Restore a checkpoint…).",
            15000,
        )
