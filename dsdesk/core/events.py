"""Typed events produced from a DeepSeek (OpenAI-compatible) chat completion stream.

The client yields these in arrival order; consumers (the CLI, the chat service) never see raw
JSON. Every event is small and immutable so that per-chunk cost stays constant.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class StreamStarted:
    """The first chunk arrived: the server's completion id and the model that answers."""

    completion_id: str
    model: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of the model's reasoning (thinking mode only)."""

    text: str


@dataclass(frozen=True, slots=True)
class ContentDelta:
    """A piece of the answer."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a tool call; pieces with the same ``index`` belong to one call."""

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage as reported by the server (``prompt = cache_hit + cache_miss``)."""

    prompt_tokens: int
    completion_tokens: int
    cache_hit_tokens: int
    cache_miss_tokens: int
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def output_tokens(self) -> int:
        """Answer tokens without the reasoning (reasoning counts as output for billing)."""
        return self.completion_tokens - self.reasoning_tokens


@dataclass(frozen=True, slots=True)
class Finished:
    """The server said why the answer ended: stop, length, tool_calls, content_filter,
    insufficient_system_resource (or any other string a compatible server sends)."""

    reason: str


@dataclass(slots=True)
class ToolCall:
    """A tool call assembled from its deltas."""

    index: int
    id: str = ""
    name: str = ""
    arguments_parts: list[str] = field(default_factory=list)

    @property
    def arguments(self) -> str:
        return "".join(self.arguments_parts)


@dataclass(frozen=True, slots=True)
class Retrying:
    """The request failed before any output and will be sent again after ``delay`` seconds."""

    attempt: int
    delay: float
    reason: str


StreamEvent = (
    StreamStarted | ReasoningDelta | ContentDelta | ToolCallDelta | Usage | Finished | Retrying
)
