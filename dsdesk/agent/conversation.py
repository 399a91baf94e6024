"""A conversation as the API sees it: messages of every role, split into turns.

A *turn* is a user message and everything until the next one (the assistant's answer, or its
tool-call rounds and their results). Beside the messages it keeps what every request is built
from and what the meter reads: the project context in the system message, context updates
waiting for the next prompt, summarised turns (restorable), the server's count of the last
request and why the prompt cache missed.

Cache rule (docs/ARCHITECTURE.md §3): every request extends the previous one byte for byte, so
the system message is fixed once the conversation started, updates are appended to the next user
turn, and nothing already sent is rewritten except by an explicit user action (rebuild,
summarise, regenerate), each noted as the cause of the next miss.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dsdesk.core.budget import ContextBudget, estimate_tokens
from dsdesk.core.cache_diag import CacheChanges, explain_cache
from dsdesk.core.events import Usage
from dsdesk.core.messages import Message
from dsdesk.core.prompts import SYSTEM_PROMPT
from dsdesk.core.request import RequestEncoder
from dsdesk.core.token_count import MESSAGE_OVERHEAD_TOKENS as MESSAGE_OVERHEAD
from dsdesk.core.token_count import REQUEST_OVERHEAD_TOKENS as REQUEST_OVERHEAD
from dsdesk.workspace.tokenizer_data import count_without_waiting, loaded_counter

__all__ = ["Conversation", "estimate_message"]


def estimate_message(m: Message) -> int:
    return count_without_waiting(_counted_text(m)) + MESSAGE_OVERHEAD


def _counted_text(m: Message) -> str:
    text = m.content
    if m.tool_calls:
        text += (m.reasoning or "") + "".join(c.name + c.arguments for c in m.tool_calls)
    return text


# Characters counted exactly per budget (a few ms on the GUI thread); the rest is estimated
# roughly this time and counted on later budgets, so a reopened session of a thousand messages
# (1-2 MB: a second of counting) opens at once and its meter becomes exact as it updates.
EXACT_CHARS_PER_BUDGET = 8_000


@dataclass(slots=True)
class Conversation:
    system_prompt: str = SYSTEM_PROMPT
    messages: list[Message] = field(default_factory=list)
    base_context: str = ""
    pending_updates: list[str] = field(default_factory=list)
    archived: list[list[Message]] = field(default_factory=list)  # turns a summary replaced
    cache_note: str | None = None
    # The server's prompt_tokens for the last request and how many messages it covered: the
    # meter builds on it instead of re-estimating what was sent.
    server_prompt: tuple[int, int] | None = None
    _prev_prompt: int | None = None
    _prev_model: str | None = None
    _changes: CacheChanges = field(default_factory=CacheChanges)
    _call_ids: set[str] = field(default_factory=set)
    _head: str | None = None
    # estimate_message per message (by identity), once exact: a reopened agent session has a
    # thousand messages, and the meter asks again at every pause in typing.
    _estimates: dict[int, tuple[Message, int]] = field(default_factory=dict)
    # each message's request JSON, by identity: every round of a turn resends them all
    encoder: RequestEncoder = field(default_factory=RequestEncoder, repr=False, compare=False)

    # -- what is sent ------------------------------------------------------------------------

    def system_text(self) -> str:
        if self.base_context:
            return f"{self.system_prompt}\n\n{self.base_context}"
        return self.system_prompt

    def user_message(self, prompt: str) -> Message:
        """The prompt as sent: waiting context updates go in front of it."""
        updates = "".join(f"{u}\n\n" for u in self.pending_updates)
        return Message.user(updates + prompt)

    def request_messages(self, extra: Message | None = None) -> list[Message]:
        return [Message.system(self.system_text()), *self.messages, *([extra] if extra else [])]

    def append(self, *messages: Message) -> None:
        for m in messages:
            if m.role == "user":
                self.pending_updates.clear()  # they are in the conversation now
            self._call_ids.update(c.id for c in m.tool_calls)
        self.messages.extend(messages)

    def extend_last(self, answer: Message) -> None:
        """Replace the last answer by its continued version (Continue by prefix completion):
        the next request carries it whole, extending the one that asked for the rest."""
        assert self.messages and self.messages[-1].role == "assistant"
        self.messages[-1] = answer

    def unique_call_id(self, proposed: str, n: int) -> str:
        """The server's id, or a fresh one if it is empty or was used before in this
        conversation (ids must be unique across the whole history)."""
        cid = proposed
        k = n
        while not cid or cid in self._call_ids:
            cid = f"call_{k:02d}_dsdesk{len(self._call_ids)}"
            k += 1
        self._call_ids.add(cid)
        return cid

    # -- turns -------------------------------------------------------------------------------

    def turn_starts(self) -> list[int]:
        return [i for i, m in enumerate(self.messages) if m.role == "user"]

    def older_turns(self, keep_last: int = 2) -> list[Message]:
        """The messages a summary would replace: all but the last ``keep_last`` turns."""
        starts = self.turn_starts()
        if len(starts) <= keep_last:
            return []
        cut = starts[-keep_last] if keep_last else len(self.messages)
        return self.messages[:cut] if cut >= 2 else []

    def replace_with_summary(self, older: list[Message], summary: str) -> bool:
        if not summary.strip() or self.messages[: len(older)] != older:
            return False
        self.archived.append(older)
        self.messages[: len(older)] = [
            Message.user(f"Summary of our earlier conversation:\n\n{summary}"),
            Message.assistant("Understood; I will continue from this summary."),
        ]
        self._rewritten()
        return True

    def restore_turns(self) -> bool:
        if not self.archived:
            return False
        self.messages[:2] = self.archived.pop()
        self._rewritten()
        return True

    def drop_last_turn(self) -> list[Message]:
        """Remove the last turn (to regenerate it); returns what was removed."""
        starts = self.turn_starts()
        if not starts:
            return []
        removed = self.messages[starts[-1] :]
        del self.messages[starts[-1] :]
        self._rewritten()
        return removed

    def set_base_context(self, text: str) -> None:
        """Free before the conversation starts, one cache miss after (Rebuild context)."""
        if self.messages:
            self._changes = replace(self._changes, context_rebuilt=True)
        self.base_context = text
        self.pending_updates.clear()
        self.server_prompt = None

    def _rewritten(self) -> None:
        self.server_prompt = None
        self._changes = replace(self._changes, history_rewritten=True)

    # -- accounting --------------------------------------------------------------------------

    def note_usage(self, usage: Usage, model: str, covered: int) -> None:
        """The server counted a request that carried ``covered`` conversation messages."""
        changes = replace(self._changes, model_changed=self._prev_model not in (None, model))
        self.cache_note = explain_cache(self._prev_prompt, usage.cache_hit_tokens, changes)
        self._prev_prompt, self._prev_model = usage.prompt_tokens, model
        self._changes = CacheChanges()
        self.server_prompt = (usage.prompt_tokens, covered)

    def note_head(self, head: str) -> bool:
        """Record what starts this request besides the messages (tool list, thinking mode,
        effort). True if it differs from the previous request's: a full cache miss."""
        changed = self._head is not None and head != self._head
        self._head = head
        if changed:
            self._changes = replace(self._changes, head_changed=True)
        return changed

    def _estimate(self, m: Message, room: list[int]) -> tuple[int, bool]:
        """(tokens, exact) of one message: remembered once exact; counted exactly only while
        ``room`` (characters left for this budget) allows."""
        hit = self._estimates.get(id(m))
        if hit is not None and hit[0] is m:
            return hit[1], True
        text = _counted_text(m)
        if loaded_counter() is None or len(text) > room[0]:
            return estimate_tokens(text) + MESSAGE_OVERHEAD, False
        room[0] -= len(text)
        n = count_without_waiting(text) + MESSAGE_OVERHEAD
        self._estimates[id(m)] = (m, n)
        return n, True

    def _estimate_all(self, messages: list[Message]) -> tuple[int, bool]:
        room = [EXACT_CHARS_PER_BUDGET]
        total, exact = 0, True
        for m in messages:
            n, ok = self._estimate(m, room)
            total += n
            exact = exact and ok
        return total, exact

    def budget(
        self,
        reserved_output: int,
        draft: str = "",
        files: int = 0,
        instructions_file: int = 0,
    ) -> ContextBudget:
        """What the next request carries. ``files``/``instructions_file``: exact counts of the
        project context; the rest is estimated until the server's count replaces it."""
        system = count_without_waiting(self.system_prompt) + (
            1 if files or instructions_file else 0
        )  # "\n\n"
        instructions = REQUEST_OVERHEAD + MESSAGE_OVERHEAD + system + instructions_file
        if self.server_prompt is not None:
            sent, covered = self.server_prompt
            later = self.messages[covered:]
            n, counted = self._estimate_all(later)
            conversation = sent - instructions - files + n
        else:
            conversation, counted = self._estimate_all(self.messages)
        return ContextBudget(
            instructions=instructions,
            files=files,
            exact=self.server_prompt is None and loaded_counter() is not None and counted,
            conversation=max(0, conversation),
            prompt=count_without_waiting(draft) + MESSAGE_OVERHEAD if draft else 0,
            reserved_output=reserved_output,
        )
