"""Agent mode for the window: the mode, the session the chat's turns use, approvals as an async
question the window answers, and the project's checkpoints.

The approval is qutebrowser's ``Question`` pattern: the turn awaits ``ask()``, which emits
``sig_question`` and waits on a Future that ``answer()`` resolves. Stopping the turn cancels the
wait (fail-closed: no answer is never a yes), and ``sig_question_closed`` tells the window.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from dsdesk.agent.build import SessionOptions, build_session
from dsdesk.agent.checkpoint import CheckpointStore
from dsdesk.agent.checkpoint_types import Checkpoint, Kind, RestorePlan
from dsdesk.agent.events import Approval, AwaitingApproval
from dsdesk.agent.mcp.setup import tools_changed_note
from dsdesk.agent.mcp.state import ServerState, Status
from dsdesk.agent.mcp.tools import McpTool
from dsdesk.agent.policy import Mode, Rule
from dsdesk.agent.sandbox import sandbox_status
from dsdesk.core.errors import DsdeskError
from dsdesk.core.prompts import AGENT_SYSTEM_PROMPT, SYSTEM_PROMPT
from dsdesk.services.chat import ChatService
from dsdesk.services.mcp import McpService
from dsdesk.services.tasks import TaskRegistry

__all__ = ["AgentService"]


class AgentService(QObject):
    sig_mode_changed = Signal(object)
    """(Mode) the mode the next turns run in."""
    sig_sandbox_known = Signal(bool, str)
    """(available, reason) whether commands can run sandboxed here."""
    sig_question = Signal(object)
    """(AwaitingApproval) a call waits for the user's answer; nothing runs meanwhile."""
    sig_question_closed = Signal(str)
    """(call_id) the question is gone (answered, or the turn stopped)."""
    sig_notice = Signal(str)
    """(message) for the status bar."""
    sig_restored = Signal(object, object)
    """(restored Checkpoint, backup Checkpoint) the project was put back; the backup undoes it."""

    def __init__(
        self, tasks: TaskRegistry, chat: ChatService, data_dir: Path, mcp: McpService | None = None
    ) -> None:
        super().__init__()
        self.mcp = mcp
        # The MCP tools the current conversation started with, and the server generations
        # they came from: fixed until the next conversation (the prompt cache depends on it).
        self._mcp_tools: tuple[McpTool, ...] = ()
        self._mcp_from: dict[str, tuple[int, tuple[object, ...]]] = {}
        self._mcp_told: set[tuple[str, int]] = set()
        self._tasks = tasks
        self._chat = chat
        self._data_dir = data_dir
        self.mode = Mode.CHAT
        self.root: Path | None = None
        self.sandboxed: bool | None = None  # None: not probed yet
        self.sandbox_reason = ""
        self._pending: dict[str, asyncio.Future[Approval]] = {}
        chat.sig_conversation_reset.connect(self._on_chat_conversation_reset)
        if mcp is not None:
            mcp.sig_state.connect(self._on_mcp_state)
            mcp.sig_rules.connect(self._on_mcp_rules)
            mcp.sig_notice.connect(self.sig_notice.emit)

    # -- mode and project ----------------------------------------------------------------------

    def probe_sandbox(self) -> None:
        """Find out once, off the GUI thread, whether bubblewrap works here."""
        if self.sandboxed is None:
            self._tasks.spawn(self._probe(), name="probe-sandbox")

    async def _probe(self) -> None:
        status = await asyncio.to_thread(sandbox_status)
        self.sandboxed, self.sandbox_reason = status.available, status.reason
        self.sig_sandbox_known.emit(status.available, status.reason)
        if status.available:
            self._rebuild()  # commands may now run sandboxed (full-auto allows them)

    def set_project(self, root: Path | None) -> None:
        self.root = root
        if self.mcp is not None:
            self.mcp.set_project(root)
            if self.mode is not Mode.CHAT and root is not None:
                self.mcp.ensure_started()
        self._rebuild(keep_state=False)

    def _on_chat_conversation_reset(self) -> None:
        # A new conversation: the model has read nothing yet, and session answers end.
        self._rebuild(keep_state=False)

    def set_mode(self, mode: Mode) -> str | None:
        """Switch the mode for the next turns; the reason if it cannot be used."""
        if self._chat.busy and mode is not self.mode:
            return "The mode changes between turns: wait for this one to end, or stop it (Esc)."
        if mode is Mode.FULL_AUTO and self.sandboxed is False:
            return (
                "Full-auto needs a sandbox for commands, and none works here "
                f"({self.sandbox_reason}). Auto-edit asks before each command instead."
            )
        if mode is not Mode.CHAT and self.root is None:
            return "Agent modes work on a project: open a folder first (Ctrl+O)."
        self.mode = mode
        if mode is not Mode.CHAT and self.mcp is not None:
            self.mcp.ensure_started()
        self._rebuild()
        self.sig_mode_changed.emit(mode)
        return None

    def _rebuild(self, keep_state: bool = True) -> None:
        """The session the next turn uses. Built fresh for a new mode or project; the tool
        list it carries starts every request, so a change is one announced cache miss."""
        chat = self._chat
        if self.mode is Mode.CHAT or self.root is None:
            chat.agent = None
            chat.system_prompt = SYSTEM_PROMPT
            return
        # Until the probe has answered, commands count as unsandboxed (they ask).
        known = bool(self.sandboxed)
        old = chat.agent
        if self.mcp is not None and not (keep_state and chat.conversation_started):
            # A new conversation (or nothing sent yet) takes the servers' tools as they are.
            self._mcp_tools = tuple(self.mcp.tools())
            self._mcp_from = {s.name: (s.generation, s.tools) for s in self.mcp.states()}
        session, notes = build_session(
            SessionOptions(
                self.root, self._data_dir, self.mode, sandboxed=known, mcp_tools=self._mcp_tools
            )
        )
        session.approver = self.ask
        if old is not None and old.ctx.root == session.ctx.root and keep_state:
            # The same conversation goes on: what the model read (edits depend on it), the
            # outputs it may page through and "this session" answers stay.
            session.ctx.read_files = old.ctx.read_files
            session.ctx.outputs = old.ctx.outputs
            session.policy.session = old.policy.session
        chat.agent = session
        chat.system_prompt = AGENT_SYSTEM_PROMPT
        for note in notes:
            self.sig_notice.emit(note)

    # -- MCP servers -----------------------------------------------------------------------------

    def _on_mcp_state(self, state: ServerState) -> None:
        """A server started, stopped or changed its tools. Before the conversation's first
        request the session simply takes the new list; after it, the list stays and the user
        is told once that the change applies to the next conversation."""
        generation, tools = self._mcp_from.get(state.name, (0, ()))
        if state.generation == generation or self.mode is Mode.CHAT or self.root is None:
            return
        if not self._chat.conversation_started and not self._chat.busy:
            self._rebuild()
            return
        key = (state.name, state.generation)
        changed = state.tools != tools  # a restart with the same tools changes nothing
        if state.status is Status.RUNNING and changed and key not in self._mcp_told:
            self._mcp_told.add(key)
            self.sig_notice.emit(tools_changed_note(state.name))

    def _on_mcp_rules(self, rules: list[Rule]) -> None:
        """Settings ▸ Tools answers hold at once, also in the running conversation."""
        if self._chat.agent is not None:
            self._chat.agent.policy.user_rules = list(rules)

    # -- approvals -----------------------------------------------------------------------------

    async def ask(self, question: AwaitingApproval) -> Approval:
        future: asyncio.Future[Approval] = asyncio.get_running_loop().create_future()
        self._pending[question.call_id] = future
        self.sig_question.emit(question)
        try:
            return await future
        finally:
            self._pending.pop(question.call_id, None)
            self.sig_question_closed.emit(question.call_id)

    def answer(self, call_id: str, approval: Approval) -> bool:
        future = self._pending.get(call_id)
        if future is None or future.done():
            return False
        future.set_result(approval)
        return True

    @property
    def waiting(self) -> bool:
        return bool(self._pending)

    # -- checkpoints ---------------------------------------------------------------------------

    def _store(self) -> CheckpointStore | None:
        return CheckpointStore(self.root, self._data_dir) if self.root is not None else None

    async def checkpoints(self) -> list[Checkpoint]:
        store = self._store()
        if store is None:
            return []
        found = await asyncio.to_thread(store.checkpoints)
        return [c for c in found if c.kind is not Kind.AGENT]

    async def preview(self, checkpoint_id: str) -> RestorePlan:
        store = self._store()
        if store is None:
            raise DsdeskError("No project is open.")
        return await asyncio.to_thread(lambda: store.preview(store.get(checkpoint_id)))

    def restore(self, checkpoint_id: str) -> None:
        self._tasks.spawn(self._restore(checkpoint_id), name="restore-checkpoint")

    async def _restore(self, checkpoint_id: str) -> None:
        store = self._store()
        if store is None or self._chat.busy:
            self.sig_notice.emit("Not restored: wait for the turn to end (or stop it) first.")
            return
        try:
            cp = await asyncio.to_thread(store.get, checkpoint_id)
            backup = await asyncio.to_thread(store.restore, cp)
        except DsdeskError as exc:
            self.sig_notice.emit(f"Not restored: {exc.user_message}")
            return
        except OSError as exc:
            self.sig_notice.emit(f"Not restored: {exc.strerror or exc}")
            return
        self.sig_restored.emit(cp, backup)
