"""Build the JSON body of ``POST /chat/completions`` from a conversation (pure, deterministic).

Two DeepSeek rules live here:

* ``reasoning_content`` of an assistant turn that made no tool call is dropped; for a turn that
  made tool calls it is sent back in every later request (``""`` if there was none), or the API
  answers 400 "The reasoning_content in the thinking mode must be passed back to the API."
* The body is a pure function of its inputs with a fixed key order, so a request that adds turns
  to the previous one starts with the same bytes — that is what the prompt cache matches on.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from dsdesk.core.messages import Message

Effort = Literal["low", "high", "max"]
DEFAULT_MODEL = "deepseek-v4-pro"
DEFAULT_MAX_TOKENS = 32_768
MAX_OUTPUT_TOKENS = 384_000


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """Per-request settings. Thinking is always sent explicitly: the server default is ON."""

    model: str = DEFAULT_MODEL
    thinking: bool = True
    effort: Effort = "high"
    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: float | None = None  # ignored by the server in thinking mode, so not sent
    tools: tuple[dict[str, Any], ...] = ()
    stream: bool = True


def message_to_json(msg: Message) -> dict[str, Any]:
    """One message in API form; keys always in the same order."""
    out: dict[str, Any] = {"role": msg.role, "content": msg.content}
    if msg.role == "assistant" and msg.tool_calls:
        out["reasoning_content"] = msg.reasoning or ""
        out["tool_calls"] = [
            {
                "id": tc.id,
                "type": "function",
                "function": {"name": tc.name, "arguments": tc.arguments},
            }
            for tc in msg.tool_calls
        ]
    elif msg.role == "tool":
        out["tool_call_id"] = msg.tool_call_id or ""
    return out


def build_chat_request(messages: Sequence[Message], opts: ChatOptions) -> dict[str, Any]:
    """The request body. ``messages`` come first so that the serialised prefix is stable."""
    if not 1 <= opts.max_tokens <= MAX_OUTPUT_TOKENS:
        raise ValueError(f"max_tokens must be between 1 and {MAX_OUTPUT_TOKENS}")
    body: dict[str, Any] = {
        "model": opts.model,
        "messages": [message_to_json(m) for m in messages],
        "stream": opts.stream,
    }
    if opts.stream:
        body["stream_options"] = {"include_usage": True}
    body["max_tokens"] = opts.max_tokens
    body["thinking"] = {"type": "enabled" if opts.thinking else "disabled"}
    if opts.thinking:
        body["reasoning_effort"] = opts.effort
    elif opts.temperature is not None:
        body["temperature"] = opts.temperature
    if opts.tools:
        body["tools"] = list(opts.tools)
    return body


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_EMPTY = '"messages":[]'


def encode_body(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, the exact bytes sent.

    The messages are encoded one by one and spliced in: the same bytes as one ``json.dumps``,
    but a long session's megabytes are not one C call holding the GIL (~8 ms for 2 MB), which
    would stall the GUI thread while a worker thread encodes."""
    messages = body.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        return _dumps(body).encode("utf-8")
    return _splice(body, messages, _dumps_bytes)


def _dumps_bytes(message: object) -> bytes:
    return _dumps(message).encode("utf-8")


def _splice(body: dict[str, Any], messages: Sequence[Any], encode: Callable[[Any], bytes]) -> bytes:
    """``body`` with ``messages`` in it, each message's bytes from ``encode``."""
    # A JSON string cannot hold an unescaped quote, so the first '"messages":[]' is the key.
    head, tail = _dumps({**body, "messages": []}).split(_EMPTY, 1)
    parts = [head.encode("utf-8"), b'"messages":[']
    for i, message in enumerate(messages):
        if i:
            parts.append(b",")
        parts.append(encode(message))
    parts += [b"]", tail.encode("utf-8")]
    return b"".join(parts)


class RequestEncoder:
    """The bytes of ``encode_body(build_chat_request(messages, opts))``, each message's JSON
    remembered by identity (a ``Message`` is immutable): an agent turn resends the whole
    conversation every round, and round 400 would otherwise re-encode megabytes of unchanged
    JSON in a worker thread, holding the GIL the GUI thread needs. A remembered message costs
    a dictionary lookup. At most ``limit`` bytes are kept, the oldest dropped first.
    Thread-safe."""

    def __init__(self, limit: int = 64 << 20) -> None:
        self._limit = limit
        self._size = 0
        self._memo: dict[int, tuple[Message, bytes]] = {}  # id -> (the message, kept alive; JSON)
        self._lock = threading.Lock()

    def encode(self, messages: Sequence[Message], opts: ChatOptions) -> bytes:
        body = build_chat_request([], opts)
        with self._lock:
            return _splice(body, messages, self._message)

    def _message(self, message: Message) -> bytes:
        found = self._memo.get(id(message))
        if found is not None and found[0] is message:
            return found[1]
        data = _dumps_bytes(message_to_json(message))
        self._remember(message, data)
        return data

    def _remember(self, message: Message, data: bytes) -> None:
        # The memo keeps the message alive, so its id names no other message while it is here.
        self._memo[id(message)] = (message, data)
        self._size += len(data)
        while self._size > self._limit and self._memo:
            self._size -= len(self._memo.pop(next(iter(self._memo)))[1])
