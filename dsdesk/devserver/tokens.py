"""Crude token estimates and the simulated prefix cache.

The estimate is deliberately simple (about four characters per token, rounded up per message) so
the simulator stays dependency-free; it lives in `estimate_prompt_tokens` alone so the exact V4
tokenizer can be swapped in later without touching the rest.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from typing import Any


def estimate_text_tokens(text: str) -> int:
    """About one token per four characters, rounded up (0 for the empty string)."""
    return math.ceil(len(text) / 4)


def _message_text(message: Any) -> str:
    # Everything the model would read from one message: role, text parts, reasoning, tool calls.
    if not isinstance(message, dict):
        return str(message)
    parts: list[str] = [str(message.get("role", ""))]
    content = message.get("content")
    if isinstance(content, str):
        parts.append(content)
    elif isinstance(content, list):
        parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
    reasoning = message.get("reasoning_content")
    if isinstance(reasoning, str):
        parts.append(reasoning)
    for call in message.get("tool_calls") or []:
        function = call.get("function", {}) if isinstance(call, dict) else {}
        parts.append(str(function.get("name", "")))
        parts.append(str(function.get("arguments", "")))
    return "".join(parts)


def estimate_message_tokens(message: Any) -> int:
    return estimate_text_tokens(_message_text(message))


def estimate_prompt_tokens(messages: Sequence[Any]) -> int:
    """Crude prompt size: sum over messages of ceil(len(text) / 4).

    Per-message rounding keeps the estimate additive, so a prefix of the message list costs
    exactly the sum of its messages (the prefix cache below relies on that).
    """
    return sum(estimate_message_tokens(m) for m in messages)


def _prefix_digests(messages: Sequence[Any]) -> list[bytes]:
    # digest[k] identifies messages[: k + 1]; chaining makes each step O(len(message)).
    digests: list[bytes] = []
    previous = b""
    for message in messages:
        encoded = json.dumps(message, sort_keys=True, ensure_ascii=False).encode()
        previous = hashlib.sha256(previous + encoded).digest()
        digests.append(previous)
    return digests


class PrefixCache:
    """Remembers every message-list prefix sent so far (not thread-safe: the caller locks).

    DeepSeek's cache is prefix-based and stores units at request boundaries; simulating it in
    whole messages is close enough for a client to see hits when it extends earlier requests.
    """

    def __init__(self) -> None:
        self._seen: set[bytes] = set()

    def hit_tokens(self, messages: Sequence[Any]) -> int:
        """Estimated tokens of the longest already-seen prefix, then remember this request."""
        digests = _prefix_digests(messages)
        hit_count = 0
        for index, digest in enumerate(digests):
            if digest not in self._seen:
                break
            hit_count = index + 1
        self._seen.update(digests)
        return estimate_prompt_tokens(messages[:hit_count])
