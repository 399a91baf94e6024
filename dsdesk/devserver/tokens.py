"""Token counts and the simulated prefix cache.

Counts use the exact V4 tokenizer, the same one dsdesk counts its requests with, and the same
per-message overhead (role markers), so a client's local count can be checked against the
``prompt_tokens`` this simulator reports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from dsdesk.core.token_count import MESSAGE_OVERHEAD_TOKENS, REQUEST_OVERHEAD_TOKENS
from dsdesk.workspace.tokenizer_data import v4_counter


def estimate_text_tokens(text: str) -> int:
    """Exact V4 tokens of ``text`` (0 for the empty string)."""
    return v4_counter().count(text)


def truncate_tokens(text: str, max_tokens: int) -> str:
    return v4_counter().truncate(text, max_tokens)


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
    if isinstance(message, dict):
        return v4_counter().message_tokens(message)
    return estimate_text_tokens(_message_text(message)) + MESSAGE_OVERHEAD_TOKENS


def estimate_prompt_tokens(messages: Sequence[Any]) -> int:
    """Prompt size: the request overhead plus each message's tokens. Additive per message, so
    a prefix of the message list costs exactly the sum of its messages (the cache relies on it).
    """
    return REQUEST_OVERHEAD_TOKENS + sum(estimate_message_tokens(m) for m in messages)


def _prefix_digests(messages: Sequence[Any], namespace: str = "") -> list[bytes]:
    # digest[k] identifies messages[: k + 1]; chaining makes each step O(len(message)).
    digests: list[bytes] = []
    previous = namespace.encode()
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

    def hit_tokens(self, messages: Sequence[Any], namespace: str = "") -> int:
        """Estimated tokens of the longest already-seen prefix, then remember this request."""
        digests = _prefix_digests(messages, namespace)
        hit_count = 0
        for index, digest in enumerate(digests):
            if digest not in self._seen:
                break
            hit_count = index + 1
        self._seen.update(digests)
        return estimate_prompt_tokens(messages[:hit_count]) if hit_count else 0
