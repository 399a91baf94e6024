"""The chat session: conversation state and the one streaming task, exposed as Qt signals.

Widgets call ``send``/``stop``/``retry``/``continue_answer`` and listen; they never see asyncio or
HTTP. Every stream is an owned task with an id: events of a stream that is no longer current are
dropped, so a late delta can never land in the wrong answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from dsdesk.core.budget import ContextBudget
from dsdesk.core.cache_diag import CacheChanges, explain_cache
from dsdesk.core.completion import CompletionAccumulator
from dsdesk.core.errors import (
    DsdeskError,
)
from dsdesk.core.events import (
    ContentDelta,
    ReasoningDelta,
    Retrying,
    StreamStarted,
)
from dsdesk.core.messages import Message
from dsdesk.core.pricing import PriceTable
from dsdesk.core.prompts import SYSTEM_PROMPT
from dsdesk.core.request import ChatOptions, build_chat_request
from dsdesk.core.session_stats import SessionStats
from dsdesk.core.token_count import MESSAGE_OVERHEAD_TOKENS as MESSAGE_OVERHEAD
from dsdesk.core.token_count import REQUEST_OVERHEAD_TOKENS as REQUEST_OVERHEAD
from dsdesk.llm.client import DeepSeekClient
from dsdesk.services.chat_types import AnswerEnd, Failure, describe_mode, failure_kind
from dsdesk.services.tasks import TaskRegistry
from dsdesk.workspace.tokenizer_data import count_without_waiting, loaded_counter

SUMMARY_PROMPT = (
    "Summarise the conversation so far for your own later reference: the decisions made, "
    "facts about the code, file names and open questions. At most 400 words. Reply with the "
    "summary only."
)
CONTINUE_PROMPT = "Continue exactly where your previous answer stopped. Do not repeat anything."


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
        # Project context: the base part rides in the system message (fixed once the
        # conversation has started); later changes are appended to the next user turn, so every
        # request extends the previous one byte for byte and the prompt cache keeps hitting.
        self._base_context = ""
        self._pending_updates: list[str] = []
        # For explaining cache misses: the previous request and what changed since.
        self._prev_prompt: int | None = None
        self._prev_model: str | None = None
        self._changes = CacheChanges()
        self.cache_note: str | None = None
        # Turns replaced by a summary, kept so that they can be restored.
        self._archived: list[list[Message]] = []

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

    def budget(self, draft: str = "", files: int = 0, instructions_file: int = 0) -> ContextBudget:
        """What the next request carries. ``files``/``instructions_file``: exact token counts
        of the project context (from the context service); the rest is estimated until the
        server's count of the last request replaces it."""
        system = count_without_waiting(SYSTEM_PROMPT) + (
            1 if files or instructions_file else 0
        )  # "\n\n"
        instructions = REQUEST_OVERHEAD + MESSAGE_OVERHEAD + system + instructions_file
        if self._server_prompt is not None:
            sent, covered = self._server_prompt
            later = self._history[covered:]
            conversation = sent - instructions - files + sum(_estimate(m) for m in later)
        else:
            conversation = sum(_estimate(m) for m in self._history)
        return ContextBudget(
            instructions=instructions,
            files=files,
            exact=self._server_prompt is None and loaded_counter() is not None,
            conversation=max(0, conversation),
            prompt=count_without_waiting(draft) + MESSAGE_OVERHEAD if draft else 0,
            reserved_output=self.options.max_tokens,
        )

    # -- project context ----------------------------------------------------------------------

    @property
    def conversation_started(self) -> bool:
        return bool(self._history)

    @property
    def base_context(self) -> str:
        return self._base_context

    def set_base_context(self, text: str) -> None:
        """Replace the context in the system message: free before the conversation starts,
        one cache miss after (the "Rebuild context" action)."""
        if self._history:
            self._changes = replace(self._changes, context_rebuilt=True)
        self._base_context = text
        self._pending_updates.clear()
        self._server_prompt = None
        self.sig_budget_changed.emit()

    def queue_context_update(self, text: str) -> None:
        """Changed or added files, sent with the next prompt instead of rewriting the past."""
        self._pending_updates.append(text)
        self.sig_budget_changed.emit()

    @property
    def pending_updates(self) -> tuple[str, ...]:
        return tuple(self._pending_updates)

    def _system_text(self) -> str:
        return f"{SYSTEM_PROMPT}\n\n{self._base_context}" if self._base_context else SYSTEM_PROMPT

    # -- summarising older turns --------------------------------------------------------------

    def older_turns(self, keep_last: int = 2) -> list[Message]:
        """The messages a summary would replace: all but the last ``keep_last`` exchanges."""
        cut = len(self._history) - 2 * keep_last
        return self._history[:cut] if cut >= 2 else []

    @property
    def can_restore(self) -> bool:
        return bool(self._archived)

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
        body = build_chat_request(
            [Message.system(self._system_text()), *older, Message.user(SUMMARY_PROMPT)],
            replace(self.options, thinking=False, max_tokens=2000),
        )
        try:
            result = await self._client().chat(body)
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
        if result.content.strip() and self._history[: len(older)] == older:
            self._archived.append(older)
            self._history = [
                Message.user(f"Summary of our earlier conversation:\n\n{result.content}"),
                Message.assistant("Understood; I will continue from this summary."),
                *self._history[len(older) :],
            ]
            self._server_prompt = None
            self._changes = replace(self._changes, history_rewritten=True)
            self.sig_summarized.emit(len(older) // 2)
        self.sig_busy_changed.emit(False)
        self.sig_budget_changed.emit()

    def restore_turns(self) -> bool:
        """Put the last summarised turns back in place of their summary."""
        if self.busy or not self._archived:
            return False
        self._history = self._archived.pop() + self._history[2:]
        self._server_prompt = None
        self._changes = replace(self._changes, history_rewritten=True)
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
        """Stop the current answer; what arrived is kept (marked stopped)."""
        return self._tasks.cancel(self._task)

    def retry(self) -> bool:
        if self.busy or self._last_prompt is None:
            return False
        if self._last_in_history:
            # Regenerate: drop the last exchange and ask again.
            del self._history[-2:]
            self._changes = replace(self._changes, history_rewritten=True)
            self._last_in_history = False
            self._server_prompt = None
        self._start(self._last_prompt)
        return True

    def continue_answer(self) -> bool:
        if self.busy or not self._history:
            return False
        self._start(CONTINUE_PROMPT)
        return True

    def load_history(self, messages: list[Message]) -> None:
        """Continue an earlier conversation (from the store): its turns become the history."""
        self.new_chat()
        self._history = list(messages)
        self._last_in_history = False
        self.sig_budget_changed.emit()

    def new_chat(self) -> None:
        self.stop()
        self._stream_id += 1  # anything still in flight belongs to the old chat
        self._history.clear()
        self._server_prompt = None
        self._last_prompt = None
        self._last_end = None
        self._last_in_history = False
        self._pending_updates.clear()
        self._archived.clear()
        self._prev_prompt = self._prev_model = self.cache_note = None
        self._changes = CacheChanges()
        self.sig_conversation_reset.emit()
        self.sig_budget_changed.emit()

    # -- the stream ---------------------------------------------------------------------------

    def _start(self, prompt: str) -> None:
        self._stream_id += 1
        opts = self.options
        updates = "".join(f"{u}\n\n" for u in self._pending_updates)
        user = Message.user(updates + prompt)
        messages = [Message.system(self._system_text()), *self._history, user]
        body = build_chat_request(messages, opts)
        self.sig_turn_started.emit(prompt, opts)
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
            changes = replace(self._changes, model_changed=self._prev_model not in (None, model))
            self.cache_note = explain_cache(
                self._prev_prompt, result.usage.cache_hit_tokens, changes
            )
            self._prev_prompt, self._prev_model = result.usage.prompt_tokens, model
            self._changes = CacheChanges()
            # Everything before this answer was counted by the server: system + history + user.
            self._server_prompt = (result.usage.prompt_tokens, len(self._history) + 1)
        # A stopped answer with nothing in it is not part of the conversation.
        self._last_in_history = bool(result.content or status != "stopped")
        if self._last_in_history:
            self._history += [user, Message.assistant(result.content, result.reasoning or None)]
            self._pending_updates.clear()  # they are in the conversation now
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
        self.sig_failed.emit(
            Failure(exc.user_message, failure_kind(exc), getattr(exc, "status", None))
        )
        self.sig_busy_changed.emit(False)
        self.sig_budget_changed.emit()

    def set_options(self, **changes: object) -> None:
        self.options = replace(self.options, **changes)  # type: ignore[arg-type]
        self.sig_budget_changed.emit()


def _estimate(m: Message) -> int:
    return count_without_waiting(m.content) + MESSAGE_OVERHEAD
