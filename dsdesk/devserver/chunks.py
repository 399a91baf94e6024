"""Render scripted replies as `chat.completion.chunk` payloads shaped like the real recordings."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .replies import Reply, ToolCall
from .tokens import estimate_text_tokens, truncate_tokens

FINGERPRINT = "dsdesk-simulator"

# (payload, repeat count): repeats let a 200,000-chunk benchmark reply be rendered once.
Segments = list[tuple[bytes, int]]


@dataclass(frozen=True)
class RequestView:
    """The parts of a validated chat request that shape the answer."""

    model: str
    thinking: bool
    stream: bool
    include_usage: bool
    max_tokens: int | None
    messages: list[Any]
    prompt_tokens: int
    hit_tokens: int


@dataclass(frozen=True)
class Parts:
    """A finished answer before it is cut into chunks."""

    reasoning: str | None  # None: thinking off (no reasoning_content key anywhere)
    content: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str


def dumps(obj: Any) -> bytes:
    # Compact and raw UTF-8, like the server's own payloads.
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def _head(model: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": FINGERPRINT,
    }


def _chunk(head: dict[str, Any], delta: Any, finish: str | None = None, usage: Any = None) -> Any:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    return {**head, "choices": [choice], "usage": usage}


def _pieces(text: str, size: int) -> Iterable[str]:
    return (text[i : i + size] for i in range(0, len(text), size))


# Token-like pieces, as V4 streams arguments: `{`, `"`, `location`, `"`, `: `, `"`, `San`,
# ` Francisco`, `"`, `}` (the recorded tool-call stream). Every character is in exactly one piece.
_ARGUMENT_PIECE = re.compile(r" ?\w+| ?[^\w\s] ?|\s+")


def argument_fragments(arguments: str) -> list[str]:
    """The pieces a tool call's JSON arguments stream in."""
    return _ARGUMENT_PIECE.findall(arguments)


def _content_delta(piece: str, thinking: bool) -> dict[str, Any]:
    return {"content": piece, "reasoning_content": None} if thinking else {"content": piece}


def _first_delta(thinking: bool) -> dict[str, Any]:
    if thinking:
        return {"role": "assistant", "content": None, "reasoning_content": ""}
    return {"role": "assistant", "content": ""}


def _call_tokens(calls: Iterable[ToolCall]) -> int:
    return sum(estimate_text_tokens(c.name + c.arguments) for c in calls)


def cut_to_max_tokens(parts: Parts, max_tokens: int | None) -> Parts:
    """Cut reasoning, then content, then tool calls at `max_tokens` and finish with "length"."""
    if max_tokens is None:
        return parts
    budget = max_tokens
    reasoning, content = parts.reasoning, parts.content
    r_tokens = estimate_text_tokens(reasoning or "")
    if r_tokens > budget:
        return Parts(truncate_tokens(reasoning or "", budget), "", (), "length")
    budget -= r_tokens
    if estimate_text_tokens(content) > budget:
        return Parts(reasoning, truncate_tokens(content, budget), (), "length")
    budget -= estimate_text_tokens(content)
    if _call_tokens(parts.tool_calls) > budget:
        return Parts(reasoning, content, (), "length")
    return parts


def usage_for(view: RequestView, reasoning_tokens: int, completion_tokens: int) -> Any:
    """A usage object in the recordings' key order; reasoning details only in thinking mode."""
    usage: dict[str, Any] = {
        "prompt_tokens": view.prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": view.prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": view.hit_tokens},
    }
    if view.thinking:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    usage["prompt_cache_hit_tokens"] = view.hit_tokens
    usage["prompt_cache_miss_tokens"] = view.prompt_tokens - view.hit_tokens
    return usage


def parts_usage(view: RequestView, parts: Parts) -> Any:
    r_tokens = estimate_text_tokens(parts.reasoning or "")
    completion = r_tokens + estimate_text_tokens(parts.content) + _call_tokens(parts.tool_calls)
    return usage_for(view, r_tokens, completion)


def text_chunks(reply: Reply, view: RequestView, parts: Parts) -> list[Any]:
    """Every chunk of a scripted text reply, first (role) to last (finish_reason + usage)."""
    head = _head(reply.model or view.model)
    thinking = parts.reasoning is not None
    size = reply.chunk_size
    chunks = [_chunk(head, _first_delta(thinking))]
    for piece in _pieces(parts.reasoning or "", size):
        chunks.append(_chunk(head, {"content": None, "reasoning_content": piece}))
    for piece in _pieces(parts.content, size):
        chunks.append(_chunk(head, _content_delta(piece, thinking)))
    for index, call in enumerate(parts.tool_calls):
        function = {"name": call.name, "arguments": ""}
        opening = {"index": index, "id": call.id, "type": "function", "function": function}
        chunks.append(_chunk(head, {"tool_calls": [opening]}))
        for piece in argument_fragments(call.arguments):
            fragment = {"index": index, "function": {"arguments": piece}}
            chunks.append(_chunk(head, {"tool_calls": [fragment]}))
    usage = reply.usage if reply.usage is not None else parts_usage(view, parts)
    last = _chunk(head, _content_delta("", thinking), parts.finish_reason)
    last["usage"] = usage if view.include_usage else None
    chunks.append(last)
    return chunks


def generated_segments(reply: Reply, view: RequestView) -> tuple[Segments, Any]:
    """The benchmark reply as repeated identical payloads, plus its non-streamed body."""
    head = _head(view.model)
    thinking = view.thinking
    n_reasoning = reply.reasoning_chunks if thinking else 0
    r_tokens = estimate_text_tokens(reply.chunk_text * n_reasoning)
    c_tokens = estimate_text_tokens(reply.chunk_text * reply.n_chunks)
    usage = usage_for(view, r_tokens, r_tokens + c_tokens)
    last = _chunk(head, _content_delta("", thinking), "stop", usage if view.include_usage else None)
    segments: Segments = [(dumps(_chunk(head, _first_delta(thinking))), 1)]
    if n_reasoning:
        delta = {"content": None, "reasoning_content": reply.chunk_text}
        segments.append((dumps(_chunk(head, delta)), n_reasoning))
    if reply.n_chunks:
        content = _content_delta(reply.chunk_text, thinking)
        segments.append((dumps(_chunk(head, content)), reply.n_chunks))
    segments.append((dumps(last), 1))
    reasoning = reply.chunk_text * n_reasoning if thinking else None
    parts = Parts(reasoning, reply.chunk_text * reply.n_chunks, (), "stop")
    return segments, completion_body(head, parts, usage)


def completion_body(head: dict[str, Any], parts: Parts, usage: Any) -> Any:
    """The non-streamed `chat.completion` object, shaped like the `nonstream` recording."""
    message: dict[str, Any] = {"role": "assistant", "content": parts.content}
    if parts.reasoning is not None:
        message["reasoning_content"] = parts.reasoning
    if parts.tool_calls:
        message["tool_calls"] = [
            {
                "index": i,
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for i, c in enumerate(parts.tool_calls)
        ]
    finish = parts.finish_reason
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
    return {
        "id": head["id"],
        "object": "chat.completion",
        "created": head["created"],
        "model": head["model"],
        "choices": [choice],
        "usage": usage,
        "system_fingerprint": head.get("system_fingerprint", FINGERPRINT),
    }


def assemble(chunks: list[Any]) -> Any:
    """Join streamed chunks (e.g. a replayed recording) into one non-streamed completion."""
    reasoning: list[str] | None = None
    content: list[str] = []
    calls: dict[int, dict[str, str]] = {}
    finish, usage = "stop", None
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if "reasoning_content" in delta:
                reasoning = reasoning if reasoning is not None else []
                reasoning.append(delta["reasoning_content"] or "")
            content.append(delta.get("content") or "")
            for call in delta.get("tool_calls") or []:
                empty = {"id": "", "name": "", "arguments": ""}
                slot = calls.setdefault(call.get("index", 0), empty)
                function = call.get("function") or {}
                slot["id"] = call.get("id") or slot["id"]
                slot["name"] = function.get("name") or slot["name"]
                slot["arguments"] += function.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
        usage = chunk.get("usage") or usage
    tool_calls = tuple(ToolCall(**calls[i]) for i in sorted(calls))
    joined = "".join(reasoning) if reasoning is not None else None
    head = chunks[0] if chunks else _head("unknown")
    return completion_body(head, Parts(joined, "".join(content), tool_calls, finish), usage)
