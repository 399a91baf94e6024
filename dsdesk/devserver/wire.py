"""Bytes on the wire: SSE framing with fault injection, and HTTP/1.1 chunked writing.

A streamed reply is a sequence of operations: bytes to send, or a pause, a dropped connection,
or a hang. Bytes are buffered and sent in large HTTP chunks until an operation needs the client
to see them *now*, so an unfaulted stream costs a handful of syscalls however many chunks it has.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import default_error_body
from .replies import Faults

BLOCK = 64 * 1024


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class Drop:
    """Close the TCP connection without finishing the HTTP body."""


@dataclass(frozen=True)
class Hang:
    """Send nothing more until the client disconnects or the server stops."""


Op = bytes | Sleep | Drop | Hang


@dataclass(frozen=True)
class Static:
    """A complete (non-streamed) response."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stream:
    """A `text/event-stream` response produced by `ops`."""

    ops: Iterator[Op]
    split_writes: int = 0


Response = Static | Stream


def json_response(status: int, obj: Any, headers: dict[str, str] | None = None) -> Static:
    return Static(status, json.dumps(obj).encode(), headers=headers or {})


def error_response(
    status: int, message: str | None = None, retry_after: float | None = None
) -> Static:
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    return json_response(status, default_error_body(status, message), headers)


def frame(payload: bytes, faults: Faults) -> bytes:
    """One SSE event carrying `payload` (optionally over two data lines, optionally CRLF)."""
    nl = b"\r\n" if faults.crlf else b"\n"
    cut = payload.find(b",") if faults.multiline_data else -1
    if cut >= 0:
        # The client joins data lines with "\n"; JSON tolerates the newline after the comma.
        return b"data: " + payload[: cut + 1] + nl + b"data: " + payload[cut + 1 :] + nl + nl
    return b"data: " + payload + nl + nl


def _keepalive(faults: Faults) -> bytes:
    nl = b"\r\n" if faults.crlf else b"\n"
    return b": keep-alive" + nl + nl


def _blocks(data: bytes, count: int) -> Iterator[bytes]:
    # Repeat an identical event in ~BLOCK-sized pieces without materialising the whole stream.
    per_block = max(1, BLOCK // max(1, len(data)))
    full, rest = divmod(count, per_block)
    if full:
        block = data * per_block
        for _ in range(full):
            yield block
    if rest:
        yield data * rest


def _interruption(faults: Faults, sent: int, at_end: bool) -> Drop | Hang | None:
    if faults.drop_after is not None and (at_end or sent >= faults.drop_after):
        return Drop()
    if faults.hang_after is not None and (at_end or sent >= faults.hang_after):
        return Hang()
    return None


def _chunkwise(segments: list[tuple[bytes, int]], faults: Faults) -> Iterator[Op]:
    keepalive = _keepalive(faults)
    sent = 0
    for payload, count in segments:
        data = frame(payload, faults)
        for _ in range(count):
            stop = _interruption(faults, sent, at_end=False)
            if stop is not None:
                yield stop
                return
            if sent and faults.chunk_delay:
                yield Sleep(faults.chunk_delay)
            yield data
            sent += 1
            if faults.keepalive_every and sent % faults.keepalive_every == 0:
                yield keepalive
    stop = _interruption(faults, sent, at_end=True)
    if stop is not None:
        yield stop


def stream_ops(segments: list[tuple[bytes, int]], faults: Faults) -> Iterator[Op]:
    """The whole SSE stream for `segments` ((payload, repeat) pairs), faults included."""
    keepalive = _keepalive(faults)
    for _ in range(faults.keepalive_before):
        yield keepalive
        if faults.keepalive_interval:
            yield Sleep(faults.keepalive_interval)
    if faults.per_chunk:
        for op in _chunkwise(segments, faults):
            yield op
            if isinstance(op, Drop | Hang):
                return
    else:
        for payload, count in segments:
            yield from _blocks(frame(payload, faults), count)
    for _ in range(faults.keepalive_after):
        if faults.keepalive_interval:
            yield Sleep(faults.keepalive_interval)
        yield keepalive
    if not faults.no_done:
        yield frame(b"[DONE]", Faults(crlf=faults.crlf))


class Connection(Protocol):
    def wait(self, seconds: float | None) -> bool:
        """Pause; False if the client left or the server is stopping (None: until then)."""
        ...

    def drop(self) -> None: ...


class ChunkedWriter:
    """HTTP/1.1 chunked body writer; `split` > 0 sends every piece of that size on its own."""

    def __init__(self, send: Callable[[bytes], object], split: int = 0) -> None:
        self._send = send
        self._split = split
        self._buffer: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        if self._split:
            for start in range(0, len(data), self._split):
                self._send_chunk(data[start : start + self._split])
            return
        self._buffer.append(data)
        self._size += len(data)
        if self._size >= BLOCK:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            data = b"".join(self._buffer)
            self._buffer.clear()
            self._size = 0
            self._send_chunk(data)

    def end(self) -> None:
        self.flush()
        self._send(b"0\r\n\r\n")

    def _send_chunk(self, data: bytes) -> None:
        if data:  # an empty chunk would end the body
            self._send(b"%x\r\n%b\r\n" % (len(data), data))


def play(ops: Iterator[Op], writer: ChunkedWriter, conn: Connection) -> bool:
    """Run a stream; True if the HTTP body was finished and the connection can be reused."""
    for op in ops:
        if isinstance(op, bytes):
            writer.write(op)
            continue
        writer.flush()
        if isinstance(op, Drop):
            conn.drop()
            return False
        if isinstance(op, Hang):
            conn.wait(None)
            return False
        if not conn.wait(op.seconds):
            return False
    writer.end()
    return True
