"""Turn ``chat.completion.chunk`` payloads into typed events.

DeepSeek puts ``finish_reason`` and ``usage`` on the last content chunk; OpenAI-compatible servers
may instead send usage in a separate chunk with empty ``choices``. Both shapes are handled, and
``choices`` is never indexed blindly.
"""

from __future__ import annotations

import json
from typing import Any

from dsdesk.core.errors import ProtocolError, api_error_from_response
from dsdesk.core.events import (
    ContentDelta,
    Finished,
    ReasoningDelta,
    StreamEvent,
    StreamStarted,
    ToolCallDelta,
    Usage,
)

DONE = "[DONE]"


def usage_from_json(u: dict[str, Any]) -> Usage:
    """Read DeepSeek's usage object (also OpenAI's ``prompt_tokens_details.cached_tokens``)."""
    prompt = int(u.get("prompt_tokens") or 0)
    hit = u.get("prompt_cache_hit_tokens")
    if hit is None:
        hit = (u.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    miss = u.get("prompt_cache_miss_tokens")
    if miss is None:
        miss = prompt - int(hit)
    details = u.get("completion_tokens_details") or {}
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=int(u.get("completion_tokens") or 0),
        cache_hit_tokens=int(hit),
        cache_miss_tokens=int(miss),
        reasoning_tokens=int(details.get("reasoning_tokens") or 0),
    )


class ChunkParser:
    """Stateful: remembers whether the stream started, finished, sent usage and ``[DONE]``."""

    __slots__ = ("done", "finish_reason", "started", "usage")

    def __init__(self) -> None:
        self.started = False
        self.done = False
        self.finish_reason: str | None = None
        self.usage: Usage | None = None

    def parse(self, data: str) -> list[StreamEvent]:
        if data == DONE:
            self.done = True
            return []
        try:
            obj = json.loads(data)
        except ValueError as exc:
            raise ProtocolError(
                f"The server sent a malformed stream chunk: {data[:120]!r}"
            ) from exc
        if not isinstance(obj, dict):
            raise ProtocolError(f"The server sent an unexpected stream chunk: {data[:120]!r}")
        if "error" in obj and "choices" not in obj:
            # Some compatible servers report failures inside the stream with status 200.
            raise api_error_from_response(int(obj.get("status") or 500), data)
        events: list[StreamEvent] = []
        if not self.started:
            self.started = True
            events.append(StreamStarted(str(obj.get("id") or ""), str(obj.get("model") or "")))
        finish: str | None = None
        for choice in obj.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue  # n > 1 is never requested; ignore stray choices
            delta = choice.get("delta") or {}
            # "reasoning" is what some OpenAI-compatible servers (vLLM, OpenRouter) call it.
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if reasoning:
                events.append(ReasoningDelta(reasoning))
            content = delta.get("content")
            if content:
                events.append(ContentDelta(content))
            for tc in delta.get("tool_calls") or ():
                fn = tc.get("function") or {}
                events.append(
                    ToolCallDelta(
                        index=int(tc.get("index", 0)),
                        id=tc.get("id"),
                        name=fn.get("name"),
                        arguments=fn.get("arguments") or "",
                    )
                )
            finish = choice.get("finish_reason") or finish
        usage = obj.get("usage")
        if usage:
            self.usage = usage_from_json(usage)
            events.append(self.usage)
        if finish:
            self.finish_reason = finish
            events.append(Finished(finish))
        return events

    @property
    def complete(self) -> bool:
        """True once nothing more is worth reading: finished with usage, or ``[DONE]``."""
        return self.done or (self.finish_reason is not None and self.usage is not None)
