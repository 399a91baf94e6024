"""One request's stream as turn events: deltas passed on, tool calls given their final ids,
DSML markup held back, and the whole answer accumulated for the conversation."""

from __future__ import annotations

from collections.abc import Callable

from dsdesk.agent import events as ev
from dsdesk.agent.conversation import Conversation
from dsdesk.agent.dsml import DsmlGuard
from dsdesk.core.completion import Completion, CompletionAccumulator
from dsdesk.core.events import (
    ContentDelta,
    ReasoningDelta,
    StreamEvent,
    StreamStarted,
    ToolCallDelta,
)
from dsdesk.core.events import Retrying as StreamRetrying

__all__ = ["RoundStream"]


class RoundStream:
    def __init__(self, conv: Conversation, emit: Callable[[ev.TurnEvent], None]) -> None:
        self.conv = conv
        self._emit = emit
        self.acc = CompletionAccumulator()  # what arrived, also when the round is stopped
        self.guard = DsmlGuard()
        self.model = ""  # the model that answers, if the server names it
        self._ids: dict[int, str] = {}  # stream index -> id unique in the conversation

    def feed(self, e: StreamEvent) -> None:
        self.acc.add(e)
        if isinstance(e, ContentDelta):
            shown = self.guard.feed(e.text)
            if shown:
                self._emit(ev.ContentText(shown))
        elif isinstance(e, ReasoningDelta):
            self._emit(ev.ReasoningText(e.text))
        elif isinstance(e, ToolCallDelta):
            cid = self._ids.get(e.index)
            if cid is None:
                cid = self._ids[e.index] = self.conv.unique_call_id(e.id or "", e.index)
                self._emit(ev.ToolCallStarted(cid, e.index, e.name or ""))
            if e.arguments:
                self._emit(ev.ToolCallArguments(cid, e.arguments))
        elif isinstance(e, StreamStarted) and e.model:
            self.model = e.model
        elif isinstance(e, StreamRetrying):
            self._emit(ev.Retrying(e.attempt, e.delay, e.reason))

    def finish(self) -> Completion:
        """The round's answer, once its stream ended; held-back harmless text is shown."""
        tail = self.guard.flush()
        if tail:
            self._emit(ev.ContentText(tail))
        result = self.acc.result()
        for call in result.tool_calls:
            call.id = self._ids.get(call.index, call.id)
        return result
