"""The chat session: conversation state and the one streaming task, exposed as Qt signals.

Widgets call ``send``/``stop``/``retry``/``continue_answer`` and listen; they never see asyncio or
HTTP. Every stream is an owned task with an id: events of a stream that is no longer current are
dropped, so a late delta can never land in the wrong answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal

from dsdesk.core.budget import MESSAGE_OVERHEAD, ContextBudget, estimate_tokens
from dsdesk.core.completion import CompletionAccumulator
from dsdesk.core.errors import (
    AuthenticationError,
    ConfigError,
    DsdeskError,
    InsufficientBalanceError,
    NetworkError,
)
from dsdesk.core.events import (
    ContentDelta,
    ReasoningDelta,
    Retrying,
    StreamStarted,
    Usage,
)
from dsdesk.core.messages import Message
from dsdesk.core.pricing import PriceTable
from dsdesk.core.prompts import SYSTEM_PROMPT
from dsdesk.core.request import ChatOptions, build_chat_request
from dsdesk.core.session_stats import SessionStats
from dsdesk.llm.client import DeepSeekClient
from dsdesk.services.tasks import TaskRegistry

CONTINUE_PROMPT = "Continue exactly where your previous answer stopped. Do not repeat anything."


@dataclass(frozen=True, slots=True)
class AnswerEnd:
    """How an answer ended: status is done, length, stopped or error."""

    status: str
    finish_reason: str | None
    usage: Usage | None
    cost: float | None
    model: str


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed request: plain message and what the user can do (kind: auth, balance, config,
    network, api)."""

    message: str
    kind: str
    status: int | None


def describe_mode(opts: ChatOptions) -> str:
    mode = f"thinking · {opts.effort}" if opts.thinking else "non-thinking"
    return f"{opts.model} · {mode}"


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
    sig_budget_changed = Signal()
    """() the conversation or the server's counts changed: re-read ``budget()``."""

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
        self._history: list[Message] = []
        self._task: asyncio.Task[None] | None = None
        self._stream_id = 0
        self._last_prompt: str | None = None
        self._last_end: AnswerEnd | None = None
        self._last_in_history = False  # did the last answer join the conversation?
        # The server's prompt_tokens for the last request and how many history messages it
        # covered: the meter builds on it instead of re-estimating what was sent.
        self._server_prompt: tuple[int, int] | None = None

    # -- state --------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def history(self) -> tuple[Message, ...]:
        return tuple(self._history)

    @property
    def last_prompt(self) -> str | None:
        return self._last_prompt

    @property
    def server_prompt_tokens(self) -> int | None:
        return self._server_prompt[0] if self._server_prompt else None

    def budget(self, draft: str = "") -> ContextBudget:
        instructions = estimate_tokens(SYSTEM_PROMPT) + MESSAGE_OVERHEAD
        if self._server_prompt is not None:
            sent, covered = self._server_prompt
            later = self._history[covered:]
            conversation = sent - instructions + sum(_estimate(m) for m in later)
        else:
            conversation = sum(_estimate(m) for m in self._history)
        return ContextBudget(
            instructions=instructions,
            conversation=max(0, conversation),
            prompt=estimate_tokens(draft) + MESSAGE_OVERHEAD if draft else 0,
            reserved_output=self.options.max_tokens,
        )

    # -- commands -----------------------------------------------------------------------------

    def send(self, prompt: str) -> bool:
        """Start an answer to ``prompt``; False (and nothing sent) while one is streaming."""
        if self.busy or not prompt.strip():
            return False
        self._last_prompt = prompt
        self._start(prompt)
        return True

    def stop(self) -> bool:
        """Stop the current answer; what arrived is kept (marked stopped)."""
        return self._tasks.cancel(self._task)

    def retry(self) -> bool:
        if self.busy or self._last_prompt is None:
            return False
        if self._last_in_history:
            # Regenerate: drop the last exchange and ask again.
            del self._history[-2:]
            self._last_in_history = False
            self._server_prompt = None
        self._start(self._last_prompt)
        return True

    def continue_answer(self) -> bool:
        if self.busy or not self._history:
            return False
        self._start(CONTINUE_PROMPT)
        return True

    def new_chat(self) -> None:
        self.stop()
        self._stream_id += 1  # anything still in flight belongs to the old chat
        self._history.clear()
        self._server_prompt = None
        self._last_prompt = None
        self._last_end = None
        self._last_in_history = False
        self.sig_budget_changed.emit()

    # -- the stream ---------------------------------------------------------------------------

    def _start(self, prompt: str) -> None:
        self._stream_id += 1
        opts = self.options
        user = Message.user(prompt)
        messages = [Message.system(SYSTEM_PROMPT), *self._history, user]
        body = build_chat_request(messages, opts)
        self.sig_answer_started.emit(describe_mode(opts))
        self._task = self._tasks.spawn(
            self._run(self._stream_id, body, user, opts), name=f"chat-stream-{self._stream_id}"
        )
        self.sig_busy_changed.emit(True)

    async def _run(
        self, sid: int, body: dict[str, object], user: Message, opts: ChatOptions
    ) -> None:
        acc = CompletionAccumulator()
        model = opts.model
        try:
            async with aclosing(self._client().stream_chat(body)) as events:
                async for ev in events:
                    if sid != self._stream_id:
                        return
                    acc.add(ev)
                    if isinstance(ev, ContentDelta):
                        self.sig_content.emit(ev.text)
                    elif isinstance(ev, ReasoningDelta):
                        self.sig_reasoning.emit(ev.text)
                    elif isinstance(ev, StreamStarted) and ev.model:
                        model = ev.model
                    elif isinstance(ev, Retrying):
                        self.sig_retrying.emit(f"{ev.reason} Retrying in {ev.delay:.0f} s…")
        except asyncio.CancelledError:
            if sid == self._stream_id:
                self._end(acc, user, "stopped", model)
            raise
        except DsdeskError as exc:
            if sid == self._stream_id:
                self._fail(acc, user, exc, model)
            return
        if sid == self._stream_id:
            result = acc.result()
            self._end(acc, user, "length" if result.finish_reason == "length" else "done", model)

    def _end(self, acc: CompletionAccumulator, user: Message, status: str, model: str) -> None:
        result = acc.result()
        cost = None
        if result.usage is not None:
            cost = self.prices.cost(result.usage, model)
            self.stats.add(result.usage, cost)
            # Everything before this answer was counted by the server: system + history + user.
            self._server_prompt = (result.usage.prompt_tokens, len(self._history) + 1)
        # A stopped answer with nothing in it is not part of the conversation.
        self._last_in_history = bool(result.content or status != "stopped")
        if self._last_in_history:
            self._history += [user, Message.assistant(result.content, result.reasoning or None)]
        self._last_end = AnswerEnd(status, result.finish_reason, result.usage, cost, model)
        self._task = None
        self.sig_answer_ended.emit(self._last_end)
        self.sig_busy_changed.emit(False)
        self.sig_budget_changed.emit()

    def _fail(
        self, acc: CompletionAccumulator, user: Message, exc: DsdeskError, model: str
    ) -> None:
        # A failed exchange stays on screen but not in the conversation, so Retry resends the
        # same request and a new prompt does not carry half an answer.
        result = acc.result()
        self._last_in_history = False
        self._last_end = AnswerEnd("error", result.finish_reason, result.usage, None, model)
        self._task = None
        self.sig_failed.emit(Failure(exc.user_message, _kind(exc), getattr(exc, "status", None)))
        self.sig_busy_changed.emit(False)
        self.sig_budget_changed.emit()

    def set_options(self, **changes: object) -> None:
        self.options = replace(self.options, **changes)  # type: ignore[arg-type]
        self.sig_budget_changed.emit()


def _estimate(m: Message) -> int:
    return estimate_tokens(m.content) + MESSAGE_OVERHEAD


def _kind(exc: DsdeskError) -> str:
    if isinstance(exc, AuthenticationError):
        return "auth"
    if isinstance(exc, InsufficientBalanceError):
        return "balance"
    if isinstance(exc, ConfigError):
        return "config"
    if isinstance(exc, NetworkError):
        return "network"
    return "api"
