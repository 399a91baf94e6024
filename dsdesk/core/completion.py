"""Assemble a whole answer from stream events; pieces are kept in lists and joined once."""

from __future__ import annotations

from dataclasses import dataclass, field

from dsdesk.core.events import (
    ContentDelta,
    Finished,
    ReasoningDelta,
    StreamEvent,
    StreamStarted,
    ToolCall,
    ToolCallDelta,
    Usage,
)


@dataclass(slots=True)
class Completion:
    """Everything one answer carried. ``finish_reason`` is None if it never finished."""

    completion_id: str = ""
    model: str = ""
    reasoning: str = ""
    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage | None = None
    finish_reason: str | None = None


class CompletionAccumulator:
    """Feed events as they arrive; ``result()`` joins the text when asked, not per chunk."""

    def __init__(self) -> None:
        self._reasoning: list[str] = []
        self._content: list[str] = []
        self._calls: dict[int, ToolCall] = {}
        self._meta = Completion()

    def add(self, event: StreamEvent) -> None:
        if isinstance(event, ContentDelta):
            self._content.append(event.text)
        elif isinstance(event, ReasoningDelta):
            self._reasoning.append(event.text)
        elif isinstance(event, ToolCallDelta):
            call = self._calls.get(event.index)
            if call is None:
                call = self._calls[event.index] = ToolCall(event.index)
            if event.id:
                call.id = event.id
            if event.name:
                call.name += event.name
            if event.arguments:
                call.arguments_parts.append(event.arguments)
        elif isinstance(event, Usage):
            self._meta.usage = event
        elif isinstance(event, Finished):
            self._meta.finish_reason = event.reason
        elif isinstance(event, StreamStarted):
            self._meta.completion_id = event.completion_id
            self._meta.model = event.model

    @property
    def has_output(self) -> bool:
        """True once any reasoning, content or tool call arrived (retrying would duplicate it)."""
        return bool(self._content or self._reasoning or self._calls)

    def result(self) -> Completion:
        m = self._meta
        return Completion(
            completion_id=m.completion_id,
            model=m.model,
            reasoning="".join(self._reasoning),
            content="".join(self._content),
            tool_calls=[self._calls[i] for i in sorted(self._calls)],
            usage=m.usage,
            finish_reason=m.finish_reason,
        )
