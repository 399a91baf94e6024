"""The DeepSeek / OpenAI-compatible HTTP client: one ``httpx.AsyncClient`` per app.

Protocol rules that matter (DESIGN.md §3): always stream with usage, stop reading once the answer
finished (the server may send keep-alives for minutes afterwards), time out on silence that
keep-alive comments do not interrupt, retry only before any output, close a cancelled stream once.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any

import httpx

from dsdesk import __version__
from dsdesk.core.account import Balance, parse_balance, parse_models
from dsdesk.core.chunks import ChunkParser
from dsdesk.core.completion import Completion, CompletionAccumulator
from dsdesk.core.errors import (
    ApiError,
    ConfigError,
    ConnectError,
    DsdeskError,
    IdleTimeoutError,
    IncompleteStreamError,
    NetworkError,
    ProtocolError,
    StreamTimeoutError,
    api_error_from_response,
)
from dsdesk.core.events import (
    ContentDelta,
    ReasoningDelta,
    Retrying,
    StreamEvent,
    ToolCallDelta,
)
from dsdesk.core.redact import remember_secret
from dsdesk.core.request import encode_body
from dsdesk.core.sse import SSEDecoder
from dsdesk.llm.config import ClientConfig

__all__ = ["DeepSeekClient"]

_OUTPUT_EVENTS = (ContentDelta, ReasoningDelta, ToolCallDelta)


class DeepSeekClient:
    """Async client. Use as ``async with DeepSeekClient(cfg) as c:`` or call ``aclose()``."""

    def __init__(
        self, config: ClientConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        headers = {"User-Agent": f"{config.user_agent}/{__version__}"}
        if config.api_key:
            remember_secret(config.api_key)
            headers["Authorization"] = f"Bearer {config.api_key}"
        self._http = httpx.AsyncClient(
            base_url=config.base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(
                connect=config.connect_timeout,
                read=config.idle_timeout,
                write=config.connect_timeout,
                pool=config.connect_timeout,
            ),
            transport=transport,
            trust_env=True,
        )

    async def __aenter__(self) -> DeepSeekClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- simple JSON endpoints ------------------------------------------------------------

    async def list_models(self) -> list[str]:
        return parse_models(await self._get_json("/models"))

    async def get_balance(self) -> Balance:
        return parse_balance(await self._get_json("/user/balance"))

    async def _get_json(self, path: str) -> Any:
        self._require_key()
        try:
            resp = await self._http.get(path)
        except httpx.TransportError as exc:
            raise _network_error(exc, self.config.base_url) from exc
        if resp.status_code >= 400:
            raise api_error_from_response(resp.status_code, resp.text, _retry_after(resp.headers))
        try:
            return resp.json()
        except ValueError as exc:
            raise ProtocolError(f"{path} did not answer with JSON.") from exc

    # -- chat ------------------------------------------------------------------------------

    async def chat(self, body: dict[str, Any]) -> Completion:
        """Stream ``body`` and return the assembled answer."""
        acc = CompletionAccumulator()
        async with aclosing(self.stream_chat(body)) as events:
            async for event in events:
                acc.add(event)
        return acc.result()

    async def stream_chat(self, body: dict[str, Any]) -> AsyncGenerator[StreamEvent, None]:
        """Yield events of one answer. Retries (with a ``Retrying`` event) only while nothing
        has been output; after that, errors propagate and what arrived stays with the caller.
        Iterate it inside ``contextlib.aclosing`` so that breaking out closes the connection."""
        self._require_key()
        payload = encode_body(body)
        attempt = 0
        while True:
            had_output = False
            try:
                async with aclosing(self._stream_once(payload)) as events:
                    async for event in events:
                        if not had_output and isinstance(event, _OUTPUT_EVENTS):
                            had_output = True
                        yield event
                return
            except DsdeskError as exc:
                if had_output or not exc.retryable or attempt >= self.config.max_retries:
                    raise
                retry_after = exc.retry_after if isinstance(exc, ApiError) else None
                delay = self._backoff(attempt, retry_after)
                attempt += 1
                yield Retrying(attempt, delay, exc.user_message)
                await asyncio.sleep(delay)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        cfg = self.config
        if retry_after is not None:
            return min(max(retry_after, 0.0), cfg.backoff_cap)
        # Capped exponential backoff with jitter, so parallel clients don't retry in lockstep.
        base = min(cfg.backoff_cap, cfg.backoff_base * 2.0**attempt)
        return base * (0.5 + random.random() / 2)

    async def _stream_once(self, payload: bytes) -> AsyncGenerator[StreamEvent, None]:
        cfg = self.config
        request = self._http.build_request(
            "POST",
            "/chat/completions",
            content=payload,
            headers={"Content-Type": "application/json", "Accept": "text/event-stream"},
        )
        loop = asyncio.get_running_loop()
        wall_deadline = loop.time() + cfg.total_timeout
        try:
            async with asyncio.timeout_at(wall_deadline):
                response = await self._http.send(request, stream=True)
        except TimeoutError as exc:
            raise StreamTimeoutError("The server did not answer in time.") from exc
        except httpx.TransportError as exc:
            raise _network_error(exc, cfg.base_url) from exc
        chunks: AsyncGenerator[bytes, None] | None = None
        try:
            if response.status_code >= 400:
                raise await _error_from_stream(response)
            decoder = SSEDecoder()
            parser = ChunkParser()
            chunks = stream = response.aiter_bytes()  # type: ignore[assignment]
            idle_deadline = loop.time() + cfg.idle_timeout
            while True:
                deadline = min(idle_deadline, wall_deadline)
                try:
                    raw = await _read(stream, deadline)
                except TimeoutError:
                    if parser.finish_reason is not None:
                        return  # finished; a usage chunk that never came is not an error
                    if deadline == wall_deadline:
                        raise StreamTimeoutError(
                            f"The answer took longer than {cfg.total_timeout:g} s and was "
                            "stopped; what arrived is kept."
                        ) from None
                    raise IdleTimeoutError(
                        f"The server sent nothing for {cfg.idle_timeout:g} s (keep-alives "
                        "only); the request was abandoned."
                    ) from None
                messages = decoder.close() if raw is None else decoder.feed(raw)
                if messages:
                    idle_deadline = loop.time() + cfg.idle_timeout
                    for msg in messages:
                        for event in parser.parse(msg.data):
                            yield event
                        if parser.complete:
                            return
                    if parser.finish_reason is not None:
                        idle_deadline = min(idle_deadline, loop.time() + cfg.usage_grace)
                if raw is None:
                    break
            if parser.finish_reason is None:
                raise IncompleteStreamError(
                    "The connection closed before the answer was finished; what arrived is kept."
                )
        except httpx.TransportError as exc:
            if isinstance(exc, httpx.TimeoutException):
                raise IdleTimeoutError(
                    f"The server sent nothing for {cfg.idle_timeout:g} s."
                ) from exc
            raise IncompleteStreamError(
                f"The connection broke during the answer ({type(exc).__name__}); "
                "what arrived is kept."
            ) from exc
        finally:
            if chunks is not None:
                # Close the byte iterator here, in the loop, rather than leave it to the
                # garbage collector, which may run where no event loop is current.
                await _settle(asyncio.ensure_future(chunks.aclose()))
            await _close_once(response)

    def _require_key(self) -> None:
        if not self.config.api_key and _is_deepseek(self.config.base_url):
            raise ConfigError(
                "No DeepSeek API key. Set DEEPSEEK_API_KEY or add the key in Settings."
            )


def _is_deepseek(base_url: str) -> bool:
    return httpx.URL(base_url).host.endswith("deepseek.com")


async def _read(chunks: AsyncIterator[bytes], deadline: float) -> bytes | None:
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
        await _settle(read)
        raise


async def _settle(task: asyncio.Future[Any]) -> None:
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


async def _close_once(response: httpx.Response) -> None:
    """Close the response once, to the end, even if the task is cancelled again meanwhile."""
    await _settle(asyncio.ensure_future(response.aclose()))


async def _error_from_stream(response: httpx.Response) -> DsdeskError:
    """On a streamed request the error body must be read before raising."""
    try:
        body = (await response.aread()).decode("utf-8", "replace")
    except httpx.TransportError:
        body = ""
    return api_error_from_response(response.status_code, body, _retry_after(response.headers))


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return None if parsed is None else max(0.0, parsed.timestamp() - time.time())


def _network_error(exc: httpx.TransportError, base_url: str) -> NetworkError:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return ConnectError(f"Could not connect to {base_url}: {exc or type(exc).__name__}.")
    if isinstance(exc, httpx.TimeoutException):
        return ConnectError(f"{base_url} did not answer in time.")
    return ConnectError(f"Network error talking to {base_url}: {exc or type(exc).__name__}.")
