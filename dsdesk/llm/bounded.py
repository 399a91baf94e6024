"""Reading response bodies with bounded memory and time, whatever the server sends.

httpx's decoders inflate a whole network read at once (one 64 kB read of a gzip bomb becomes
~64 MB) and ``aread()`` keeps a body of any size. So the client asks only for the encodings it
decodes itself (``ACCEPT_ENCODING``), reads the raw bytes, and inflates them here in pieces of at
most ``PIECE`` bytes, stopping an answer that expands far beyond what arrived. Every read has a
deadline, and a read that must stop is cancelled exactly once (httpx#3782).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from dsdesk.core.errors import ProtocolError
from dsdesk.core.redact import clean_server_text

__all__ = [
    "ACCEPT_ENCODING",
    "MAX_ERROR_BODY",
    "MAX_JSON_BODY",
    "Body",
    "Inflater",
    "close_once",
    "read_body",
    "read_next",
    "settle",
]

ACCEPT_ENCODING = "gzip, deflate"
PIECE = 64 * 1024  # the most one inflate step produces
MAX_ERROR_BODY = 64 * 1024  # an error message is a few hundred bytes
MAX_JSON_BODY = 1024 * 1024  # /models and /user/balance answer in a few kB
# Inflation allowed before the ratio is checked, and the ratio then tolerated. An event stream
# compresses ~5-20:1; deflate cannot exceed ~1032:1, which only a bomb approaches. There is no
# ceiling on the total: a 384K-token answer is ~80 MB of events, and memory stays bounded
# anyway since the stream is decoded piece by piece.
FREE_INFLATION = 1024 * 1024
MAX_RATIO = 100


class Inflater:
    """Incremental Content-Encoding decoding (identity, gzip, deflate) in bounded pieces."""

    def __init__(self, content_encoding: str | None) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self._z: Any = None  # zlib's Decompress type is not importable
        self._deflate = False
        if codings in (["gzip"], ["x-gzip"]):
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif codings == ["deflate"]:
            self._z = zlib.decompressobj()
            self._deflate = True
        elif codings:
            shown = clean_server_text(content_encoding or "")[:40]
            raise ProtocolError(
                f"The server encoded its answer as {shown!r}, which dsdesk did not ask for "
                "and cannot read."
            )
        self.arrived = 0  # bytes as sent
        self.produced = 0  # bytes once decoded

    def feed(self, raw: bytes) -> Iterator[bytes]:
        """The decoded bytes of ``raw``, lazily, in pieces of at most ``PIECE`` bytes."""
        self.arrived += len(raw)
        if self._z is None:
            self.produced += len(raw)
            if raw:
                yield raw
            return
        data = raw
        while True:
            out = self._decompress(data)
            data = self._z.unconsumed_tail
            if out:
                self._count(len(out))
                yield out
            # A full piece may leave output pending inside zlib even with no input left.
            if self._z.eof or (not data and len(out) < PIECE):
                return

    def finish(self) -> Iterator[bytes]:
        if self._z is not None and not self._z.eof:
            yield from self.feed(b"")

    def _decompress(self, data: bytes) -> bytes:
        try:
            return bytes(self._z.decompress(data, PIECE))
        except zlib.error as exc:
            if self._deflate and not self.produced:
                # "deflate" is often sent raw, without the zlib header (as httpx also allows).
                self._deflate = False
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                return self._decompress(data)
            raise ProtocolError("The server's compressed answer is corrupt.") from exc

    def _count(self, n: int) -> None:
        self.produced += n
        if self.produced > FREE_INFLATION and self.produced > MAX_RATIO * self.arrived:
            raise ProtocolError(
                "The server's compressed answer expands far beyond its size (more than "
                f"{MAX_RATIO} times); stopped before it filled the memory."
            )


@dataclass(frozen=True, slots=True)
class Body:
    data: bytes
    over_limit: bool = False  # there was more than the limit; the rest was not read
    timed_out: bool = False  # the deadline came first; ``data`` is what arrived


async def read_body(response: httpx.Response, limit: int, deadline: float) -> Body:
    """At most ``limit`` decoded bytes of the body, read by ``deadline`` (loop time). Stops
    reading there; the caller closes the response. Transport errors propagate."""
    inflater = Inflater(response.headers.get("content-encoding"))
    raw_chunks = response.aiter_raw()
    parts: list[bytes] = []
    size = 0
    try:
        while True:
            try:
                raw = await read_next(raw_chunks, deadline)
            except TimeoutError:
                return Body(b"".join(parts), timed_out=True)
            for piece in inflater.finish() if raw is None else inflater.feed(raw):
                parts.append(piece)
                size += len(piece)
                if size > limit:
                    return Body(b"".join(parts)[:limit], over_limit=True)
            if raw is None:
                return Body(b"".join(parts))
    finally:
        await settle(asyncio.ensure_future(raw_chunks.aclose()))  # type: ignore[attr-defined]


async def read_next(chunks: AsyncIterator[bytes], deadline: float) -> bytes | None:
    """The next network read, or None at the end; TimeoutError at ``deadline``.

    The read runs in its own task so that, however often the caller is cancelled, the read is
    cancelled exactly once and httpcore's cleanup inside it runs to the end: a second cancel
    landing in that cleanup leaves the pooled connection marked active (httpx#3782).
    The timeout wraps only the read, never a ``yield``, so it cannot fire in the consumer.
    """
    read = asyncio.ensure_future(anext(chunks, None))
    try:
        async with asyncio.timeout_at(deadline):
            return await asyncio.shield(read)
    except BaseException:
        read.cancel()
        await settle(read)
        raise


async def settle(task: asyncio.Future[Any]) -> None:
    """Wait for ``task`` to finish, absorbing further cancellations of the caller meanwhile
    (re-raised once it is done). Its own outcome is retrieved and dropped."""
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = not task.done() or cancelled
        except Exception:
            break
    if not task.cancelled():
        task.exception()
    if cancelled:
        raise asyncio.CancelledError


async def close_once(response: httpx.Response) -> None:
    """Close the response once, to the end, even if the task is cancelled again meanwhile."""
    await settle(asyncio.ensure_future(response.aclose()))
