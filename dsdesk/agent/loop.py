"""The one loop that talks to the model: a turn of one or more rounds, as typed events.

``Turn(...).events()`` is an async generator of ``TurnEvent``s ending with exactly one
``TurnEnded``. A round is one chat request; while it ends with ``finish_reason == "tool_calls"``
the calls are judged by the policy, asked about if needed, run, answered (every call gets a
result: denied, failed and cancelled ones too) and the next round starts. Plain chat is a turn
without tools: one round.

``stop()`` is cooperative: the running request or command is cancelled, what arrived is kept,
pending calls are answered as cancelled, and the events still end with ``TurnEnded(STOPPED)`` —
so the conversation never holds a call without its result. Cancelling the task that iterates
``events()`` (shutdown) cancels the work as well, without the final events.

DeepSeek rules honoured here (docs/ARCHITECTURE.md §4): an assistant turn with tool calls is
kept with its ``reasoning_content`` and ``content: ""``; results follow it in call order; ids
are unique across the whole history; ``tool_choice`` is never sent; DSML markup in ``content``
is caught.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import replace
from typing import Any

from dsdesk.agent import events as ev
from dsdesk.agent.calls import CallRunner, Stopped, TurnLimits
from dsdesk.agent.continuation import (
    CONTINUE_PROMPT,
    can_extend,
    extended,
    prefix_request,
    refused,
)
from dsdesk.agent.conversation import Conversation
from dsdesk.agent.events import TurnStatus
from dsdesk.agent.round_stream import RoundStream
from dsdesk.agent.session import AgentSession
from dsdesk.core.budget import CONTEXT_WINDOW
from dsdesk.core.completion import Completion, CompletionAccumulator
from dsdesk.core.errors import DsdeskError, failure_kind
from dsdesk.core.events import ContentDelta, ReasoningDelta, StreamStarted, Usage
from dsdesk.core.messages import Message, ToolCallRecord
from dsdesk.core.pricing import PriceTable
from dsdesk.core.redact import redact
from dsdesk.core.request import ChatOptions
from dsdesk.llm.client import DeepSeekClient

__all__ = ["Turn", "TurnLimits"]

log = logging.getLogger(__name__)

_BUILD_IN_THREAD = 64  # messages: the request of a long session is built in a worker thread
# The first of these from a prefix request means the server took it.
_ANSWER_STARTS = (StreamStarted, ContentDelta, ReasoningDelta)
_FINISH_WORDS = {
    TurnStatus.FILTERED: "The server withheld this answer (content filter). Rephrase the request.",
    TurnStatus.BUSY: "DeepSeek is short of capacity right now and stopped the answer. Retry "
    "in a moment.",
    TurnStatus.LENGTH: "The answer reached the max output tokens. Continue to get the rest.",
}


class Turn:
    def __init__(
        self,
        conversation: Conversation,
        client: DeepSeekClient,
        options: ChatOptions,
        prices: PriceTable,
        *,
        prompt: str | None,
        session: AgentSession | None = None,
        limits: TurnLimits | None = None,
        extend: bool = False,
    ) -> None:
        """``prompt`` None continues the conversation as it stands (after a limit, or to
        retry a turn that failed after some rounds). ``extend`` (with no prompt): Continue
        the last answer in place by prefix completion, or else by ``CONTINUE_PROMPT``
        (see ``agent.continuation``)."""
        self.conv = conversation
        self.client = client
        self.session = session
        self.limits = limits or TurnLimits()
        self.options = replace(options, tools=session.schemas if session else ())
        self.prices = prices
        self.model = options.model
        self.user = conversation.user_message(prompt) if prompt is not None else None
        self._queue: asyncio.Queue[ev.TurnEvent] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._acc: CompletionAccumulator | None = None
        self._rounds = 0
        self._usage: list[Usage] = []
        self._cost: float | None = 0.0
        self._calls_runner = (
            CallRunner(session, conversation, self.limits, self._emit) if session else None
        )
        self._dsml_detected = False
        self._ended = False
        self._extending = extend and prompt is None
        self._resumed = False  # the server took the prefix request: its text is the answer's

    # -- public --------------------------------------------------------------------------------

    async def events(self) -> AsyncGenerator[ev.TurnEvent, None]:
        if self._stopping:  # stopped before it began: nothing was sent
            self._end(TurnStatus.STOPPED, "Stopped before anything was sent.")
            yield self._queue.get_nowait()
            return
        self._task = asyncio.create_task(self._run(), name="agent-turn")
        self._task.add_done_callback(self._on_task_done)
        try:
            while True:
                event = await self._queue.get()
                yield event
                if isinstance(event, ev.TurnEnded):
                    return
        finally:
            if not self._task.done() and not self._stopping:
                self._task.cancel()  # once: a stop already cancelled it
            await asyncio.gather(self._task, return_exceptions=True)

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        # Stopped before its first step, the task never entered ``_run``'s try: still end.
        if task.cancelled() and self._stopping and not self._ended:
            self._end(TurnStatus.STOPPED, "Stopped before anything was sent.")

    def stop(self) -> bool:
        """Stop the turn; returns False if it has already ended or is stopping."""
        if self._stopping or (self._task is not None and self._task.done()):
            return False
        if self._task is None:  # not started yet: it will end at once
            self._stopping = True
            return True
        self._stopping = True
        self._task.cancel()
        return True

    # -- the turn ------------------------------------------------------------------------------

    def _emit(self, event: ev.TurnEvent) -> None:
        self._queue.put_nowait(event)

    def _end(
        self,
        status: TurnStatus,
        message: str = "",
        error_kind: str = "",
        http_status: int | None = None,
    ) -> None:
        self._ended = True
        self._emit(
            ev.TurnEnded(
                status,
                self._rounds,
                self._calls_runner.calls if self._calls_runner else 0,
                _sum_usage(self._usage),
                self._cost if self._usage else None,
                self.model,
                message or _FINISH_WORDS.get(status, ""),
                error_kind,
                http_status,
            )
        )

    def _join_user(self) -> None:
        if self.user is not None:
            self.conv.append(self.user)
            self._emit(ev.MessagesAdded((self.user,)))
            self.user = None

    async def _run(self) -> None:
        try:
            await self._rounds_loop()
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            self._finish_stopped()
        except Stopped:
            self._finish_stopped()
        except DsdeskError as exc:
            self._keep_extension()  # what arrived of a continuation before the error
            self._end(
                TurnStatus.ERROR,
                exc.user_message,
                error_kind=failure_kind(exc),
                http_status=getattr(exc, "status", None),
            )
        except Exception as exc:
            # A bug must not leave the consumer waiting for a TurnEnded that never comes.
            log.exception("agent turn failed")
            self._end(TurnStatus.ERROR, redact(f"dsdesk failed during this turn: {exc!r}"))

    def _keep_extension(self) -> bool:
        """A continuation cut short: append what arrived to the answer. True if this turn
        was extending an answer (then nothing else is kept)."""
        if not self._extending:
            return False
        acc, self._acc = self._acc, None
        if self._resumed and acc is not None:
            part = acc.result()
            if part.content or part.reasoning:
                self.conv.extend_last(
                    extended(self.conv.messages[-1], part.content, part.reasoning)
                )
        return True

    def _finish_stopped(self) -> None:
        if self._keep_extension():
            self._end(TurnStatus.STOPPED, "Stopped; what arrived is kept.")
            return
        acc, self._acc = self._acc, None
        if acc is not None:
            partial = acc.result()
            # A stopped answer with nothing in it is not part of the conversation; partial
            # tool calls are dropped (they never ran).
            if partial.content:
                self._join_user()
                msg = Message.assistant(partial.content, partial.reasoning or None)
                self.conv.append(msg)
                self._emit(ev.MessagesAdded((msg,)))
        self._end(TurnStatus.STOPPED, "Stopped; what arrived is kept.")

    async def _extend_answer(self) -> bool:
        """Continue the last answer by prefix completion; False when that cannot be used or
        the server refuses it (then ``self.user`` holds the fallback prompt)."""
        usable = (
            self.session is None and can_extend(self.conv) and bool(self.client.config.beta_url)
        )
        if usable:
            self._note_head()
            self._rounds += 1
            self._emit(ev.RoundStarted(self._rounds, self.options.model))
            try:
                result = await self._stream(prefix_request(self.conv, self.options), beta=True)
            except DsdeskError as exc:
                if self._resumed or not refused(exc):
                    raise
                self._rounds -= 1  # the fallback is this turn's first round
                log.info("prefix completion refused (%s); Continue sends a prompt", exc)
            else:
                covered = len(self.conv.messages) - 1  # the old text is counted with the new
                self.conv.extend_last(
                    extended(self.conv.messages[-1], result.content, result.reasoning)
                )
                self._extending = False
                self._account(result, covered)
                self._end(TurnStatus.of_finish(result.finish_reason))
                return True
        self._extending = False
        self.user = self.conv.user_message(CONTINUE_PROMPT)
        self._emit(ev.ContinuedAsPrompt(CONTINUE_PROMPT, refused=usable))
        return False

    def _note_head(self) -> None:
        if self.conv.note_head(_head(self.options, self.conv.system_prompt)) and self.conv.messages:
            self._emit(
                ev.Notice(
                    "The mode, tools, thinking or reasoning effort changed since the last "
                    "request: they start every request, so this one is a full cache miss."
                )
            )

    async def _rounds_loop(self) -> None:
        session = self.session
        if self._extending and await self._extend_answer():
            return
        while True:
            if self._rounds >= self.limits.max_steps:
                self._end(
                    TurnStatus.LIMIT,
                    f"Paused after {self._rounds} steps (the budget for one turn). "
                    "Continue to go on.",
                )
                return
            cap = self.limits.cost_cap
            if cap is not None and self._cost is not None and self._cost >= cap:
                self._end(
                    TurnStatus.LIMIT,
                    f"Paused: this turn cost ${self._cost:.4f}, the cap is ${cap:.4f}. "
                    "Continue to go on.",
                )
                return
            messages = self.conv.request_messages(self.user)
            if session is not None and self._rounds:
                budget = self.conv.budget(self.options.max_tokens)
                if budget.total > CONTEXT_WINDOW:
                    self._end(
                        TurnStatus.LIMIT,
                        f"The next request would not fit the {CONTEXT_WINDOW:,}-token window "
                        f"(≈{budget.total:,} tokens with the reserved output). Summarise older "
                        "turns or start a new chat.",
                    )
                    return
            self._note_head()
            self._rounds += 1
            self._emit(ev.RoundStarted(self._rounds, self.options.model))
            covered = len(messages) - 1
            encode = self.conv.encoder.encode
            if len(messages) > _BUILD_IN_THREAD:  # off the GUI thread for long sessions
                body = await asyncio.to_thread(encode, messages, self.options)
            else:
                body = encode(messages, self.options)
            result = await self._stream(body)
            self._account(result, covered)
            calls = result.tool_calls if result.finish_reason == "tool_calls" else []
            if calls and self._calls_runner is not None:
                self._join_user()
                records = tuple(ToolCallRecord(c.id, c.name, c.arguments) for c in calls if c.name)
                assistant = Message.assistant(result.content, result.reasoning, records)
                self.conv.append(assistant)
                self._emit(ev.MessagesAdded((assistant,)))
                paused = await self._calls_runner.run(records)
                if paused:
                    self._end(TurnStatus.LIMIT, paused)
                    return
                continue
            if self._dsml_detected:
                self._end(
                    TurnStatus.ERROR,
                    "The model wrote a tool call as text (DSML markup) instead of calling the "
                    "tool; nothing was run and the text is not kept. Retry usually helps.",
                    error_kind="api",
                )
                return
            self._join_user()
            answer = Message.assistant(result.content, result.reasoning or None)
            self.conv.append(answer)
            self._emit(ev.MessagesAdded((answer,)))
            if result.finish_reason == "tool_calls":
                # Tool calls without a tool list (plain chat): nothing can run them.
                self._end(TurnStatus.DONE, "The model asked for tools, which are off here.")
                return
            self._end(TurnStatus.of_finish(result.finish_reason))
            return

    def _account(self, result: Completion, covered: int) -> None:
        cost = None
        if result.usage is not None:
            cost = self.prices.cost(result.usage, self.model)
            self._usage.append(result.usage)
            if cost is None or self._cost is None:
                self._cost = None
            else:
                self._cost += cost
            self.conv.note_usage(result.usage, self.model, covered)
        self._emit(
            ev.RoundEnded(self._rounds, result.finish_reason, result.usage, cost, self.model)
        )

    async def _stream(self, body: dict[str, Any] | bytes, beta: bool = False) -> Completion:
        rs = RoundStream(self.conv, self._emit)
        self._acc = rs.acc
        chat = self.client.stream_chat(body, beta=True) if beta else self.client.stream_chat(body)
        async with aclosing(chat) as stream:
            async for e in stream:
                if self._extending and not self._resumed and isinstance(e, _ANSWER_STARTS):
                    self._resumed = True
                    self._emit(ev.AnswerResumed())
                rs.feed(e)
        result = rs.finish()
        self.model = rs.model or self.model
        self._dsml_detected = rs.guard.detected
        self._acc = None
        return result


def _head(options: ChatOptions, system_prompt: str) -> str:
    """What a request starts with besides the conversation: the fixed system prompt, the tool
    list, thinking mode and effort."""
    effort = options.effort if options.thinking else ""
    return json.dumps([system_prompt, options.thinking, effort, list(options.tools)])


def _sum_usage(usages: list[Usage]) -> Usage | None:
    if not usages:
        return None
    return Usage(
        sum(u.prompt_tokens for u in usages),
        sum(u.completion_tokens for u in usages),
        sum(u.cache_hit_tokens for u in usages),
        sum(u.cache_miss_tokens for u in usages),
        sum(u.reasoning_tokens for u in usages),
    )
