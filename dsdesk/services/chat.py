"""The chat session as Qt signals: a thin adapter over the Qt-free turn loop.

Widgets call ``send``/``stop``/``retry``/``continue_answer`` and listen; they never see asyncio or
HTTP. The conversation and the request loop live in ``dsdesk.agent``; this class runs each turn
as an owned task and re-emits its events. Every turn has an id: events of a turn that is no
longer current are dropped, so a late delta can never land in the wrong answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from dsdesk.agent import events as ev
from dsdesk.agent.calls import TurnLimits
from dsdesk.agent.continuation import CONTINUE_PROMPT, add_usage, can_extend
from dsdesk.agent.conversation import Conversation
from dsdesk.agent.loop import Turn
from dsdesk.agent.session import AgentSession
from dsdesk.agent.summary import summarize_older
from dsdesk.core.budget import ContextBudget
from dsdesk.core.errors import DsdeskError
from dsdesk.core.messages import Message
from dsdesk.core.pricing import PriceTable
from dsdesk.core.prompts import SYSTEM_PROMPT
from dsdesk.core.request import ChatOptions
from dsdesk.core.session_stats import SessionStats
from dsdesk.llm.client import DeepSeekClient
from dsdesk.services.chat_types import AnswerEnd, AnswerStatus, Failure, describe_mode, failure_kind
from dsdesk.services.tasks import TaskRegistry

__all__ = ["CONTINUE_PROMPT", "ChatService"]

# Ends whose explanation the window shows (a stop, a cut or a limit has its own display).
_NOTICE = {ev.TurnStatus.DONE, ev.TurnStatus.FILTERED, ev.TurnStatus.BUSY}
_STATUS = {
    ev.TurnStatus.LENGTH: AnswerStatus.LENGTH,
    ev.TurnStatus.STOPPED: AnswerStatus.STOPPED,
    ev.TurnStatus.LIMIT: AnswerStatus.LIMIT,
}


class ChatService(QObject):
    sig_answer_started = Signal(str)
    """(meta) a new answer began; meta names the model and the thinking mode."""
    sig_reasoning = Signal(str)
    """(text) a piece of reasoning."""
    sig_content = Signal(str)
    """(text) a piece of the answer."""
    sig_retrying = Signal(str)
    """(message) the request failed before any output and is being retried."""
    sig_answer_ended = Signal(object)
    """(AnswerEnd) the answer finished, was stopped, or was cut at max tokens."""
    sig_failed = Signal(object)
    """(Failure) the request failed; what arrived before stays shown."""
    sig_busy_changed = Signal(bool)
    """(busy) a stream started or ended."""
    sig_turn_started = Signal(str, object)
    """(prompt, ChatOptions) a prompt is being sent (before its answer starts)."""
    sig_summarized = Signal(int)
    """(turns) older turns were replaced by a summary (0: they were restored)."""
    sig_conversation_reset = Signal()
    """() a new chat started: the project context may go into the system message again."""
    sig_budget_changed = Signal()
    """() the conversation or the server's counts changed: re-read ``budget()``."""
    sig_answer_resumed = Signal()
    """() Continue extends the last answer in place: the next pieces append to it."""
    sig_continue_sent = Signal(str)
    """(prompt) Continue went as a visible prompt instead (the server takes no prefix
    completion); its answer follows as a new one."""
    sig_turn_event = Signal(object)
    """(TurnEvent) every event of the current turn, for listeners that want them all (tool
    calls, approvals, checkpoints, messages added)."""

    def __init__(
        self,
        tasks: TaskRegistry,
        client: Callable[[], DeepSeekClient],
        prices: PriceTable,
        options: ChatOptions,
    ) -> None:
        super().__init__()
        self._tasks = tasks
        self._client = client
        self.prices = prices
        self.options = options
        self.stats = SessionStats()
        self._system_prompt = SYSTEM_PROMPT
        self.conversation = Conversation()
        self.agent: AgentSession | None = None  # tools for the next turns; None: plain chat
        self.limits = TurnLimits()
        self._task: asyncio.Task[None] | None = None
        self._turn: Turn | None = None
        self._turn_id = 0
        self._last_prompt: str | None = None
        self._last_end: AnswerEnd | None = None
        self._last_in_history = False  # did the last prompt join the conversation?
        self._refused_prefix: set[str] = set()  # beta URLs that turned prefix completion down
        self._extending = False  # the running turn extends the last answer

    # -- state --------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def history(self) -> tuple[Message, ...]:
        return tuple(self.conversation.messages)

    @property
    def last_prompt(self) -> str | None:
        return self._last_prompt

    @property
    def cache_note(self) -> str | None:
        return self.conversation.cache_note

    @property
    def server_prompt_tokens(self) -> int | None:
        sp = self.conversation.server_prompt
        return sp[0] if sp else None

    def budget(self, draft: str = "", files: int = 0, instructions_file: int = 0) -> ContextBudget:
        """What the next request carries (see ``Conversation.budget``)."""
        return self.conversation.budget(self.options.max_tokens, draft, files, instructions_file)

    @property
    def system_prompt(self) -> str:
        return self._system_prompt

    @system_prompt.setter
    def system_prompt(self, text: str) -> None:
        """Chat and agent modes have their own fixed prompt; a change mid-conversation is a
        full cache miss, announced by the next turn."""
        self._system_prompt = text
        self.conversation.system_prompt = text

    # -- project context ----------------------------------------------------------------------

    @property
    def conversation_started(self) -> bool:
        return bool(self.conversation.messages)

    @property
    def base_context(self) -> str:
        return self.conversation.base_context

    def set_base_context(self, text: str) -> None:
        """Replace the context in the system message: free before the conversation starts,
        one cache miss after (the "Rebuild context" action)."""
        self.conversation.set_base_context(text)
        self.sig_budget_changed.emit()

    def queue_context_update(self, text: str) -> None:
        """Changed or added files, sent with the next prompt instead of rewriting the past."""
        self.conversation.pending_updates.append(text)
        self.sig_budget_changed.emit()

    @property
    def pending_updates(self) -> tuple[str, ...]:
        return tuple(self.conversation.pending_updates)

    # -- summarising older turns --------------------------------------------------------------

    def older_turns(self, keep_last: int = 2) -> list[Message]:
        """The messages a summary would replace: all but the last ``keep_last`` turns."""
        return self.conversation.older_turns(keep_last)

    @property
    def can_restore(self) -> bool:
        return bool(self.conversation.archived)

    def summarize_older(self, keep_last: int = 2) -> bool:
        """Ask the model to summarise the older turns and send the summary instead of them.
        The originals are kept (``restore_turns``); nothing is lost."""
        older = self.older_turns(keep_last)
        if self.busy or not older:
            return False
        self._task = self._tasks.spawn(self._summarize(older), name="summarize-turns")
        self.sig_busy_changed.emit(True)
        return True

    async def _summarize(self, older: list[Message]) -> None:
        try:
            done = await summarize_older(self.conversation, self._client(), self.options, older)
        except asyncio.CancelledError:
            self._task = None
            self.sig_busy_changed.emit(False)
            raise
        except DsdeskError as exc:
            self._task = None
            self.sig_failed.emit(
                Failure(
                    f"No summary: {exc.user_message}",
                    failure_kind(exc),
                    None,
                    ("Summarise again", "summarize"),
                )
            )
            self.sig_busy_changed.emit(False)
            return
        self._task = None
        if done:
            self.sig_summarized.emit(sum(m.role == "user" for m in older))
        self.sig_busy_changed.emit(False)
        self.sig_budget_changed.emit()

    def restore_turns(self) -> bool:
        """Put the last summarised turns back in place of their summary."""
        if self.busy or not self.conversation.restore_turns():
            return False
        self.sig_summarized.emit(0)
        self.sig_budget_changed.emit()
        return True

    # -- commands -----------------------------------------------------------------------------

    def send(self, prompt: str) -> bool:
        """Start an answer to ``prompt``; False (and nothing sent) while one is streaming."""
        if self.busy or not prompt.strip():
            return False
        self._last_prompt = prompt
        self._start(prompt)
        return True

    def stop(self) -> bool:
        """Stop the current turn; what arrived is kept (marked stopped). The turn winds down
        by itself (kills its command, answers pending calls, records the end): its task is
        never cancelled from here, or that end would be lost."""
        if self._turn is not None:
            return self._turn.stop()
        return self._tasks.cancel(self._task)  # a summary

    def retry(self) -> bool:
        if self.busy or self._last_prompt is None:
            return False
        if self._last_in_history:
            # Regenerate: drop the last turn and ask again.
            self.conversation.drop_last_turn()
            self._last_in_history = False
        self._start(self._last_prompt)
        return True

    def continue_turn(self) -> bool:
        """Go on after a limit paused an agent turn (no new prompt: the model continues)."""
        if self.busy or not self.conversation.messages:
            return False
        self._start(None)
        return True

    def continue_answer(self) -> bool:
        """Continue a cut or stopped answer: in place by prefix completion where the server
        takes it, else as a visible prompt (``sig_continue_sent``)."""
        if self.busy or not self.conversation.messages:
            return False
        beta = self._client().config.beta_url
        usable = self.agent is None and can_extend(self.conversation)  # see agent.continuation
        if beta and beta not in self._refused_prefix and usable:
            self._start(None, extend=True)  # the turn may still fall back (ContinuedAsPrompt)
        else:
            self.sig_continue_sent.emit(CONTINUE_PROMPT)
            self._start(CONTINUE_PROMPT)
        return True

    def load_history(self, messages: list[Message]) -> None:
        """Continue an earlier conversation (from the store): its turns become the history."""
        self.new_chat()
        self.conversation.append(*messages)
        self._last_in_history = False
        self.sig_budget_changed.emit()

    def new_chat(self) -> None:
        self.stop()
        self._turn_id += 1  # anything still in flight belongs to the old chat
        if self._turn is not None:
            # The old turn winds down on its own (its task stays in the registry); the new
            # chat does not wait for it.
            self._turn = self._task = None
            self.sig_busy_changed.emit(False)
        # A new object, not a cleared one: a turn still winding down writes into the old.
        self.conversation = Conversation(
            self._system_prompt, base_context=self.conversation.base_context
        )
        self._last_prompt = None
        self._last_end = None
        self._last_in_history = False
        self.sig_conversation_reset.emit()
        self.sig_budget_changed.emit()

    # -- the turn -----------------------------------------------------------------------------

    def _start(self, prompt: str | None, extend: bool = False) -> None:
        self._turn_id += 1
        opts = self.options
        turn = Turn(
            self.conversation,
            self._client(),
            opts,
            self.prices,
            prompt=prompt,
            session=self.agent,
            limits=self.limits,
            extend=extend,
        )
        self._turn = turn
        self._extending = extend
        if prompt is not None:
            self.sig_turn_started.emit(prompt, opts)
        if not extend:  # an extension reopens the last answer once the server takes it
            self.sig_answer_started.emit(describe_mode(opts))
        self._task = self._tasks.spawn(
            self._run(self._turn_id, turn), name=f"chat-turn-{self._turn_id}"
        )
        self.sig_busy_changed.emit(True)

    async def _run(self, tid: int, turn: Turn) -> None:
        joined = False
        async with aclosing(turn.events()) as events:
            async for e in events:
                if tid != self._turn_id:
                    return
                self.sig_turn_event.emit(e)
                if isinstance(e, ev.ContentText):
                    self.sig_content.emit(e.text)
                elif isinstance(e, ev.ReasoningText):
                    self.sig_reasoning.emit(e.text)
                elif isinstance(e, ev.Retrying):
                    self.sig_retrying.emit(f"{e.reason} Retrying in {e.delay:.0f} s…")
                elif isinstance(e, ev.RoundEnded) and e.usage is not None:
                    self.stats.add(e.usage, e.cost)
                elif isinstance(e, ev.MessagesAdded):
                    joined = joined or any(m.role == "user" for m in e.messages)
                elif isinstance(e, ev.AnswerResumed):
                    self.sig_answer_resumed.emit()
                elif isinstance(e, ev.ContinuedAsPrompt):
                    self._continued_as_prompt(turn, e)
                elif isinstance(e, ev.TurnEnded):
                    self._finish(turn, e, joined)

    def _continued_as_prompt(self, turn: Turn, e: ev.ContinuedAsPrompt) -> None:
        """The turn could not extend the answer: Continue goes as a prompt after all."""
        self._extending = False
        if e.refused and turn.client.config.beta_url:
            self._refused_prefix.add(turn.client.config.beta_url)  # not asked again
        self.sig_continue_sent.emit(e.prompt)
        self.sig_turn_started.emit(e.prompt, turn.options)
        self.sig_answer_started.emit(describe_mode(turn.options))

    def _finish(self, turn: Turn, end: ev.TurnEnded, joined: bool) -> None:
        self._task = None
        self._turn = None
        if turn.user is None and not joined:
            joined = self._last_in_history  # a continuation: the prompt joined before
        self._last_in_history = joined
        finish = end.status.finish_reason
        extended, self._extending = self._extending, False
        if end.status is ev.TurnStatus.ERROR:
            self._last_end = AnswerEnd(AnswerStatus.ERROR, finish, end.usage, None, end.model)
            retry = ("Continue", "continue") if extended else ("Retry", "retry")
            kind = end.error_kind or "api"
            self.sig_failed.emit(Failure(end.message, kind, end.http_status, retry))
        else:
            status = _STATUS.get(end.status, AnswerStatus.DONE)
            usage, cost, added = end.usage, end.cost, None
            prev = self._last_end
            if extended:  # one answer: its usage and cost add up
                added = end.usage
                if prev is not None and prev.status is not AnswerStatus.ERROR:
                    usage = add_usage(prev.usage, end.usage)
                    both = prev.cost is not None and end.cost is not None
                    cost = (prev.cost or 0.0) + (end.cost or 0.0) if both else None
            notice = end.message if end.status in _NOTICE else ""
            self._last_end = AnswerEnd(
                status, finish, usage, cost, end.model, notice=notice, added=added
            )
            self.sig_answer_ended.emit(self._last_end)
        self.sig_busy_changed.emit(False)
        self.sig_budget_changed.emit()

    def set_options(self, **changes: object) -> None:
        self.options = replace(self.options, **changes)  # type: ignore[arg-type]
        self.sig_budget_changed.emit()
