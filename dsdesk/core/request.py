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
from collections import OrderedDict
from collections.abc import Sequence
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
    return _encode(body, _dumps_bytes)


def _dumps_bytes(message: object) -> bytes:
    return _dumps(message).encode("utf-8")


def _encode(body: dict[str, Any], encode_message: Any) -> bytes:
    messages = body.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        return _dumps(body).encode("utf-8")
    # A JSON string cannot hold an unescaped quote, so the first '"messages":[]' is the key.
    head, tail = _dumps({**body, "messages": []}).split(_EMPTY, 1)
    parts = [head.encode("utf-8"), b'"messages":[']
    for i, message in enumerate(messages):
        if i:
            parts.append(b",")
        parts.append(encode_message(message))
    parts += [b"]", tail.encode("utf-8")]
    return b"".join(parts)


class BodyEncoder:
    """``encode_body`` that remembers each message's bytes (up to ``limit`` bytes in all, least
    recently used dropped first). An agent turn resends the whole conversation every round:
    without this, round 400 re-encodes megabytes of unchanged JSON, holding the GIL the GUI
    thread needs. Thread-safe; the same bytes as ``encode_body`` (a message is looked up by
    its whole content, not its identity)."""

    def __init__(self, limit: int = 64 << 20) -> None:
        self._limit = limit
        self._size = 0
        self._memo: OrderedDict[object, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, body: dict[str, Any]) -> bytes:
        return _encode(body, self._message)

    def _message(self, message: object) -> bytes:
        key = _frozen(message)
        with self._lock:
            found = self._memo.get(key)
            if found is not None:
                self._memo.move_to_end(key)
                return found
        data = _dumps_bytes(message)
        with self._lock:
            if key not in self._memo:
                self._memo[key] = data
                self._size += len(data)
                while self._size > self._limit and self._memo:
                    self._size -= len(self._memo.popitem(last=False)[1])
        return data


def _frozen(value: object) -> object:
    """A hashable key with the JSON's whole content and order. Other scalars carry their type
    and repr: ``True == 1 == 1.0`` and ``0.0 == -0.0`` in Python, not in JSON. A message's
    strings are the conversation's own objects, whose hashes Python keeps: a key costs
    microseconds."""
    if type(value) is str:
        return value
    if isinstance(value, dict):
        return ("{", *((_frozen(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("[", *(_frozen(v) for v in value))
    return (type(value), repr(value))
