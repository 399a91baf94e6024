"""Every prompt and answer goes to the conversation store as it streams (flushed at least every
second), so a crash or a kill mid-answer keeps what had arrived. Storage trouble is reported
and never stops the chat.

The store keeps a tree: an edited prompt is a new version beside the old one, a regenerated
answer a new version beside the earlier answers. ``prepare_edit``/``prepare_regenerate`` make
the next streamed turn land in the right place; ``sig_turn_stored`` tells the window the ids.

Agent turns (``ChatService.sig_turn_event``) become a chain: the prompt, then per round the
assistant message with its tool calls (closed as sent, with its reasoning), one tool message per
call as each call ends (its outcome, approval and id; corrected to the exact text when the round's
results join the conversation), checkpoints on the round that made them, and the next round
streaming under the last result. Every piece is committed as it arrives, so a kill mid-loop keeps
all of it; a call killed before its result is answered on reopening (``store.replay``).
Regenerating any answer of an agent turn regenerates the whole turn.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from dsdesk.agent import events as ev
from dsdesk.agent.continuation import add_usage
from dsdesk.agent.tools.base import EMPTY_OUTPUT
from dsdesk.core.diff_hunks import diff_hunks, line_counts
from dsdesk.core.events import Usage
from dsdesk.core.messages import Message
from dsdesk.core.request import ChatOptions
from dsdesk.services.chat import ChatService
from dsdesk.services.chat_types import AnswerEnd, Failure
from dsdesk.services.history_types import Branch as Branch  # re-exported
from dsdesk.services.history_types import MessageRef as MessageRef
from dsdesk.services.history_types import StoredTurn as StoredTurn
from dsdesk.store import (
    ACTIVE,
    AppliedEdit,
    ApprovalRecord,
    Checkpoint,
    ContextItem,
    Store,
    StoredMessage,
    StoreError,
    StreamWriter,
    Thread,
    ToolOutcome,
    conversation_messages,
)
from dsdesk.workspace.journal import ChangeSet

NO_PROJECT = "(no project)"


def conversation_turns(messages: Sequence[StoredMessage]) -> list[Message]:
    """The stored path as the chat history the model sees: an exchange whose answer failed or
    brought nothing is left out (as the live chat does), a prompt never answered is not resent,
    and agent rounds come back with their calls and results — a call cut off by a crash gets
    an "interrupted" result, so the API never sees a dangling call."""
    return conversation_messages(messages)


def edit_counts(cs: ChangeSet) -> tuple[AppliedEdit, ...]:
    """Lines added/removed per file of an applied change set."""
    out = []
    for f in cs.files:
        before = (f.before or b"").decode("utf-8", "replace")
        after = (f.after or b"").decode("utf-8", "replace")
        added, removed = line_counts(diff_hunks(before, after))
        out.append(AppliedEdit(f.rel_path, cs.id, added=added, removed=removed))
    return tuple(out)


@dataclass(slots=True)
class _TurnState:
    """Where the turn being recorded stands."""

    tail: int | None = None  # the last message stored in this turn: the next one goes under it
    options: ChatOptions | None = None
    round_message: int | None = None  # the assistant message whose calls are running
    usage: Usage | None = None  # of the round that just ended
    titles: dict[str, str] = field(default_factory=dict)  # call id -> one-line description
    asked: dict[str, str] = field(default_factory=dict)  # call id -> why it asked
    results: dict[str, tuple[int, str]] = field(default_factory=dict)  # call id -> (id, text)


class HistoryRecorder(QObject):
    sig_notice = Signal(str)
    """(message) history could not be saved; the chat goes on."""
    sig_turn_stored = Signal(object)
    """(StoredTurn) the prompt and the answer that is streaming now were stored."""

    def __init__(self, store: Store, chat: ChatService) -> None:
        super().__init__()
        self.store = store
        self._project_id = store.project(NO_PROJECT).id
        self.conversation_id: int | None = None
        self.context_items: Callable[[], tuple[ContextItem, ...]] = tuple
        self.last_answer_id: int | None = None
        self._answer_to: int | None = None  # the next answer's prompt is already stored
        # The last message of the path this window shows: the next prompt goes after it, even
        # if another dsdesk window has moved the conversation's active path since.
        self._leaf: int | None = None
        # For each message left by a version switch, the leaf that was shown under it, so that
        # switching back shows the same turns (not the newest branch under that version).
        self._leaf_under: dict[int, int] = {}
        self._writer: StreamWriter | None = None
        # An answer being continued in place: its row streams on; its stored usage.
        self._resuming = False
        self._resumed_usage: Usage | None = None
        self._turn = _TurnState()
        self._timer = QTimer(self)
        self._timer.setInterval(1000)  # a stalled stream still gets written
        self._timer.timeout.connect(self._flush)
        chat.sig_turn_started.connect(self._on_chat_turn_started)
        chat.sig_reasoning.connect(lambda t: self._append(reasoning=t))
        chat.sig_content.connect(lambda t: self._append(content=t))
        chat.sig_answer_resumed.connect(self._on_chat_answer_resumed)
        chat.sig_answer_ended.connect(self._on_chat_answer_ended)
        chat.sig_failed.connect(self._on_chat_failed)
        chat.sig_conversation_reset.connect(self._on_chat_conversation_reset)
        chat.sig_turn_event.connect(self._on_chat_turn_event)

    def set_project(self, root: Path | None) -> None:
        self._guard(lambda: self._set_project(root))

    def _set_project(self, root: Path | None) -> None:
        self._project_id = self.store.project(str(root) if root else NO_PROJECT).id
        self.conversation_id = self._leaf = None
        self._leaf_under.clear()

    @property
    def project_id(self) -> int:
        return self._project_id

    # -- reading and branching ----------------------------------------------------------------

    def stored_thread(self, conversation_id: int | None = None) -> Thread | None:
        """The active path of a conversation (the current one by default)."""
        cid = self.conversation_id if conversation_id is None else conversation_id
        return None if cid is None else self.store.thread(cid)

    def continue_in(
        self, conversation_id: int, leaf: int | None = None, answer_to: int | None = None
    ) -> None:
        """Later turns go to this conversation, after ``leaf`` (the last message shown); with
        ``answer_to``, the next answer goes under that stored prompt instead of a new one."""
        self.conversation_id = conversation_id
        self._leaf = leaf
        self._answer_to = answer_to

    def _remember_path(self) -> None:
        """Before leaving the path shown for another branch: remember its end under each of
        its messages (see ``switch_version``)."""
        leaf = self._leaf
        if leaf is not None:
            for m in self.store.switch_to(leaf).messages:
                self._leaf_under[m.id] = leaf

    def switch_version(self, message_id: int, step: int) -> Thread:
        """Show another version of a message, with the turns last shown under it."""
        self._remember_path()
        target = self.store.sibling(message_id, step)
        return self.store.switch_to(self._leaf_under.get(target, target))

    def prepare_edit(self, prompt_id: int, text: str) -> Branch:
        """Store ``text`` as a new version of an earlier prompt (the old one and the turns after
        it stay as a branch)."""
        self._remember_path()
        new = self.store.edit_prompt(prompt_id, text, self.context_items())
        thread = self.store.thread(new.conversation_id)
        turns = conversation_turns(thread.messages[:-1])
        return Branch(thread, len(thread.messages), turns, text, new.id)

    def prepare_regenerate(self, answer_id: int) -> Branch | None:
        """Resend the prompt of this answer; the new answer becomes another version of it
        (None: the message has no prompt)."""
        prompt = self.store.message(answer_id)
        while prompt.role != "user":  # an agent turn is regenerated whole, from its prompt
            if prompt.parent_id is None:
                return None
            prompt = self.store.message(prompt.parent_id)
        if prompt.id == answer_id:
            return None
        self._remember_path()
        thread = self.store.thread(prompt.conversation_id)
        ids = [m.id for m in thread.messages]
        if prompt.id not in ids:  # not on the active path: show that branch first
            thread = self.store.switch_to(answer_id)
            ids = [m.id for m in thread.messages]
        cut = ids.index(prompt.id)
        turns = conversation_turns(thread.messages[:cut])
        return Branch(thread, cut + 1, turns, prompt.content, prompt.id)

    # -- recording ----------------------------------------------------------------------------

    def _on_chat_turn_started(self, prompt: str, opts: ChatOptions) -> None:
        def go() -> None:
            parent, self._answer_to = self._answer_to, None
            if self.conversation_id is None:
                self.conversation_id = self.store.new_conversation(self._project_id).id
            if parent is None:
                parent = self.store.add_message(
                    self.conversation_id,
                    "user",
                    prompt,
                    parent_id=ACTIVE if self._leaf is None else self._leaf,
                    context=self.context_items(),
                ).id
            self._writer = self.store.begin_answer(
                self.conversation_id,
                parent_id=parent,
                model=opts.model,
                thinking=opts.thinking,
                effort=opts.effort if opts.thinking else None,
            )
            self.last_answer_id = self._leaf = self._writer.message_id
            self._turn = _TurnState(tail=self._writer.message_id, options=opts)
            self._timer.start()
            turn = StoredTurn(self._ref(parent), self._ref(self._writer.message_id), prompt)
            self.sig_turn_stored.emit(turn)

        self._guard(go)

    def _ref(self, message_id: int) -> MessageRef:
        return MessageRef(message_id, *self.store.versions(message_id))

    def _append(self, content: str = "", reasoning: str = "") -> None:
        writer = self._writer
        if writer is not None:
            self._guard(lambda: writer.append(content=content, reasoning=reasoning))

    def _flush(self) -> None:
        if self._writer is not None:
            self._guard(self._writer.flush_if_due)

    def _on_chat_answer_resumed(self) -> None:
        """Continue extends the last answer shown: its stored row streams on."""
        self._guard(self._resume)

    def _resume(self) -> None:
        leaf = self._leaf
        message = self.store.message(leaf) if leaf is not None and not self._writer else None
        if leaf is not None and message is not None and message.role == "assistant":
            self._writer = self.store.resume_answer(leaf)
            self._resuming, self._resumed_usage = True, message.usage
            self.last_answer_id = leaf
            self._timer.start()

    def _on_chat_answer_ended(self, end: AnswerEnd) -> None:
        status = "stopped" if end.status == "stopped" else "done"
        self._finish(status, end, None)

    def _on_chat_failed(self, failure: Failure) -> None:
        self._finish("error", None, failure.message)

    def _finish(self, status: str, end: AnswerEnd | None, error: str | None) -> None:
        writer, self._writer = self._writer, None
        resuming, self._resuming = self._resuming, False
        self._timer.stop()
        usage = end.usage if end else None
        if resuming and end is not None and end.added is not None:
            usage = add_usage(self._resumed_usage, end.added)  # one answer: old part + rest
        if resuming and status == "error":
            status = "stopped"  # the answer stands; only its continuation broke off
            usage = self._resumed_usage
        if writer is not None:
            self._guard(
                lambda: writer.finish(
                    status,  # type: ignore[arg-type]
                    finish_reason=end.finish_reason if end else None,
                    usage=usage,
                    error=error,
                )
            )

    # -- agent turns --------------------------------------------------------------------------

    def _on_chat_turn_event(self, e: object) -> None:
        turn = self._turn
        if isinstance(e, ev.RoundEnded):
            turn.usage = e.usage
        elif isinstance(e, ev.ToolCallReady):
            turn.titles[e.call_id] = e.title
        elif isinstance(e, ev.AwaitingApproval):
            turn.asked[e.call_id] = e.why
        elif isinstance(e, ev.RoundStarted) and (e.round > 1 or self._after_results(turn)):
            # Later rounds, and the first round of a turn going on after a limit paused it
            # (no prompt, so no writer was opened), go on under the turn's last message.
            self._guard(lambda: self._next_round(e.model))
        elif isinstance(e, ev.MessagesAdded):
            for m in e.messages:
                self._guard(functools.partial(self._message_added, m))
        elif isinstance(e, ev.ToolCallEnded):
            self._guard(lambda: self._call_ended(e))
        elif isinstance(e, ev.CheckpointMade) and turn.round_message is not None:
            checkpoint = Checkpoint(e.checkpoint_id, e.label)
            mid = turn.round_message
            self._guard(lambda: self.store.add_checkpoint(mid, checkpoint))

    def _after_results(self, turn: _TurnState) -> bool:
        """The turn's last stored message is a tool result (a Continue after a limit), not
        an answer (a Continue that extends it records into that answer's own row)."""
        return self._writer is None and any(mid == turn.tail for mid, _ in turn.results.values())

    def _message_added(self, m: Message) -> None:
        turn, cid = self._turn, self.conversation_id
        if cid is None or turn.tail is None:
            return  # this turn is not being recorded (the store failed when it started)
        if m.role == "assistant" and m.tool_calls:
            writer, self._writer = self._writer, None
            self._timer.stop()
            if writer is not None:
                writer.finish_tool_calls(m.content, m.reasoning, m.tool_calls, usage=turn.usage)
                mid = writer.message_id
            else:  # the round's row could not be started: store it whole
                mid = self.store.add_message(
                    cid,
                    "assistant",
                    m.content,
                    parent_id=turn.tail,
                    reasoning=m.reasoning,
                    finish_reason="tool_calls",
                    usage=turn.usage,
                    tool_calls=m.tool_calls,
                ).id
            turn.round_message = turn.tail = self._leaf = mid
        elif m.role == "tool" and m.tool_call_id is not None:
            stored = turn.results.get(m.tool_call_id)
            if stored is None:  # no ToolCallEnded came for it
                self._add_result(m.tool_call_id, m.content)
            elif stored[1] != m.content:
                self.store.set_content(stored[0], m.content)
        # The prompt was stored when the turn started; the final answer streams in the writer.

    def _call_ended(self, e: ev.ToolCallEnded) -> None:
        turn = self._turn
        approval = None
        why = turn.asked.get(e.call_id, "")
        if e.approval is not None:
            approval = ApprovalRecord(e.approval.value, e.reason, why)
        elif e.call_id in turn.asked and e.status is ev.ToolStatus.CANCELLED:
            approval = ApprovalRecord("stop", "", why)  # stopped while the question was open
        outcome = ToolOutcome(
            e.status.value,
            turn.titles.get(e.call_id, ""),
            e.summary,
            e.seconds,
            e.changed,
        )
        self._add_result(e.call_id, e.result or EMPTY_OUTPUT, outcome, approval)

    def _add_result(
        self,
        call_id: str,
        content: str,
        outcome: ToolOutcome | None = None,
        approval: ApprovalRecord | None = None,
    ) -> None:
        turn, cid = self._turn, self.conversation_id
        if cid is None or turn.tail is None:
            return
        mid = self.store.add_message(
            cid,
            "tool",
            content,
            parent_id=turn.tail,
            tool_call_id=call_id,
            outcome=outcome,
            approval=approval,
        ).id
        turn.results[call_id] = (mid, content)
        turn.tail = self._leaf = mid

    def _next_round(self, model: str) -> None:
        turn, cid = self._turn, self.conversation_id
        if cid is None or turn.tail is None or self._writer is not None:
            return
        opts = turn.options
        self._writer = self.store.begin_answer(
            cid,
            parent_id=turn.tail,
            model=model,
            thinking=opts.thinking if opts else None,
            effort=opts.effort if opts and opts.thinking else None,
        )
        self.last_answer_id = self._leaf = turn.tail = self._writer.message_id
        self._timer.start()

    def record_edits(self, cs: ChangeSet, answer_id: int | None = None) -> None:
        """Remember which files were changed from an answer (the last one by default)."""
        mid = self.last_answer_id if answer_id is None else answer_id
        if mid is not None and cs.files:
            store = self.store
            self._guard(lambda: store.set_edits(mid, store.message(mid).edits + edit_counts(cs)))

    def _on_chat_conversation_reset(self) -> None:
        if self._writer is not None:  # a turn left behind by New chat: it ends stopped
            self._finish("stopped", None, None)
        self._turn = _TurnState()
        self.conversation_id = None
        self._answer_to = self._leaf = self.last_answer_id = None

    def _guard(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except StoreError as exc:
            self.sig_notice.emit(f"History not saved: {exc.user_message}")
