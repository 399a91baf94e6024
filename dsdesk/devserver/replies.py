"""What the simulator answers to the next /chat/completions request, and how it misbehaves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypedDict, Unpack

ReplyKind = Literal["text", "recording", "generated", "error", "context_overflow"]


class FaultOptions(TypedDict, total=False):
    """Keyword arguments accepted by Reply.text / .recording / .generated (see `Faults`)."""

    keepalive_before: int
    keepalive_interval: float
    keepalive_every: int
    keepalive_after: int
    chunk_delay: float
    drop_after: int | None
    no_done: bool
    crlf: bool
    split_writes: int
    multiline_data: bool
    hang_after: int | None


@dataclass(frozen=True)
class Faults:
    """Fault injections for a streamed reply; all off by default.

    keepalive_before/after: N `: keep-alive` comments before the first / after the finishing data
    chunk, `keepalive_interval` seconds apart. keepalive_every: one comment after every K data
    chunks. chunk_delay: sleep between data chunks. drop_after: close the TCP connection after N
    data chunks (no terminating HTTP chunk). no_done: omit `data: [DONE]`. crlf: CRLF line ends.
    split_writes: send the byte stream in pieces of this many bytes. multiline_data: each payload
    over two `data:` lines. hang_after: after N data chunks send nothing until the client or the
    server goes away. drop_after/hang_after larger than the chunk count act just before [DONE].
    """

    keepalive_before: int = 0
    keepalive_interval: float = 0.0
    keepalive_every: int = 0
    keepalive_after: int = 0
    chunk_delay: float = 0.0
    drop_after: int | None = None
    no_done: bool = False
    crlf: bool = False
    split_writes: int = 0
    multiline_data: bool = False
    hang_after: int | None = None

    @property
    def per_chunk(self) -> bool:
        """True when something happens between data chunks, so they cannot be batched."""
        return bool(
            self.keepalive_every
            or self.chunk_delay
            or self.drop_after is not None
            or self.hang_after is not None
        )


@dataclass(frozen=True)
class ToolCall:
    """One scripted call; an empty `id` is filled in V4-style (`call_00_…`) when it is sent."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Reply:
    """One scripted answer; build it with the class methods, not the constructor."""

    kind: ReplyKind
    faults: Faults = field(default_factory=Faults)
    # text
    content: str = ""
    reasoning: str | None = None
    finish_reason: str = "stop"
    chunk_size: int = 3
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Mapping[str, Any] | None = None
    model: str | None = None
    # scripted sessions: the request must carry a tool result containing this text
    expect_tool_result: str | None = None
    label: str = ""  # where the reply came from, for messages ("reply 3 (line 12)")
    # recording
    lines: tuple[bytes, ...] = ()
    # generated
    n_chunks: int = 0
    chunk_text: str = "tok "
    reasoning_chunks: int = 0
    # error / context_overflow
    status: int = 200
    message: str | None = None
    raw_body: str | None = None
    retry_after: float | None = None
    sent_tokens: int | None = None
    completion_tokens: int | None = None

    @classmethod
    def text(
        cls,
        content: str,
        reasoning: str | None = None,
        *,
        finish_reason: str = "stop",
        chunk_size: int = 3,
        tool_calls: Sequence[Mapping[str, str]] | None = None,
        usage: Mapping[str, Any] | None = None,
        model: str | None = None,
        expect_tool_result: str | None = None,
        label: str = "",
        **faults: Unpack[FaultOptions],
    ) -> Reply:
        """A scripted answer in `chunk_size`-character chunks; usage computed unless given.

        tool_calls: [{"name", "arguments" (a JSON string), "id" (optional: generated V4-style,
        unique for the server's life)}]; they stream after the content, arguments in token-like
        fragments, and the reply then finishes with "tool_calls". expect_tool_result: the
        request must carry a tool result (after its last assistant message) containing this
        text, else it is refused with a 400 naming `label` (scripted-session tests).
        """
        if chunk_size < 1:
            raise ValueError("chunk_size must be >= 1")
        calls = tuple(
            ToolCall(c.get("id", ""), c["name"], c["arguments"]) for c in tool_calls or ()
        )
        return cls(
            kind="text",
            faults=Faults(**faults),
            content=content,
            reasoning=reasoning,
            finish_reason="tool_calls" if calls else finish_reason,
            chunk_size=chunk_size,
            tool_calls=calls,
            usage=usage,
            model=model,
            expect_tool_result=expect_tool_result,
            label=label,
        )

    @classmethod
    def recording(cls, path: str | Path, **faults: Unpack[FaultOptions]) -> Reply:
        """Replay a recorded `.chunks.jsonl` verbatim: one `data:` event per non-empty line."""
        raw = Path(path).read_bytes()
        lines = tuple(line.rstrip(b"\r") for line in raw.split(b"\n") if line.strip())
        return cls(kind="recording", faults=Faults(**faults), lines=lines)

    @classmethod
    def generated(
        cls,
        n_chunks: int,
        *,
        chunk_text: str = "tok ",
        reasoning_chunks: int = 0,
        **faults: Unpack[FaultOptions],
    ) -> Reply:
        """A long answer of exactly `n_chunks` content chunks (benchmarks); pre-rendered."""
        return cls(
            kind="generated",
            faults=Faults(**faults),
            n_chunks=n_chunks,
            chunk_text=chunk_text,
            reasoning_chunks=reasoning_chunks,
        )

    @classmethod
    def error(
        cls,
        status: int,
        *,
        message: str | None = None,
        retry_after: float | None = None,
        raw_body: str | None = None,
    ) -> Reply:
        """An HTTP error with DeepSeek's body for `status` (or `message`, or a non-JSON body)."""
        if not 400 <= status <= 599:
            raise ValueError(f"not an error status: {status}")
        return cls(
            kind="error", status=status, message=message, raw_body=raw_body, retry_after=retry_after
        )

    @classmethod
    def context_overflow(
        cls, sent_tokens: int | None = None, completion_tokens: int | None = None
    ) -> Reply:
        """400 "maximum context length" with the real wording.

        sent_tokens: tokens "in the messages" (default: the request's estimate); completion_tokens:
        tokens "in the completion" (default: the request's max_tokens, else 0).
        """
        return cls(
            kind="context_overflow",
            status=400,
            sent_tokens=sent_tokens,
            completion_tokens=completion_tokens,
        )
