"""The DeepSeek / OpenAI-compatible HTTP client: one ``httpx.AsyncClient`` per app.

Protocol rules that matter (docs/ARCHITECTURE.md §3): always stream with usage, stop reading
once the answer finished (the server may send keep-alives for minutes afterwards), time out on
silence that keep-alive comments do not interrupt, retry only before any output, close a
cancelled stream once. Whatever the server sends, memory and time stay bounded: bodies are read
raw and inflated in pieces (``bounded``), lines and events have a maximum size (``SSEDecoder``),
the wall-clock ceiling covers reading every body, and what is not the API is named, not retried
(``screen``).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
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
from dsdesk.core.sse import SSEDecoder, SSEMessage
from dsdesk.llm import screen
from dsdesk.llm.bounded import (
    ACCEPT_ENCODING,
    MAX_ERROR_BODY,
    MAX_JSON_BODY,
    Inflater,
    close_once,
    read_body,
    read_next,
    settle,
)
from dsdesk.llm.config import ClientConfig
from dsdesk.llm.tls import ssl_context

__all__ = ["DeepSeekClient"]

_ENCODE_IN_THREAD = 64  # messages; below that encoding takes well under a millisecond
_OUTPUT_EVENTS = (ContentDelta, ReasoningDelta, ToolCallDelta)


class DeepSeekClient:
    """Async client. Use as ``async with DeepSeekClient(cfg) as c:`` or call ``aclose()``."""

    def __init__(
        self, config: ClientConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        # Only the encodings bounded.Inflater decodes (httpx would add br/zstd if installed).
        headers = {
            "User-Agent": f"{config.user_agent}/{__version__}",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
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
            verify=ssl_context(),
            trust_env=True,
            event_hooks={"response": [screen.refuse_redirect]},
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
        deadline = asyncio.get_running_loop().time() + self.config.total_timeout
        response = await self._send(self._http.build_request("GET", path), deadline)
        try:
            if response.status_code >= 400:
                raise await _error_from_stream(response, deadline)
            if screen.looks_like_web_page(response):
                raise screen.web_page_error(response)
            try:
                body = await read_body(response, MAX_JSON_BODY, deadline)
            except httpx.TransportError as exc:
                raise _network_error(exc, self.config.base_url) from exc
        finally:
            await close_once(response)
        if body.timed_out:
            raise StreamTimeoutError(
                f"The server did not send its answer to {path} within "
                f"{self.config.total_timeout:g} s."
            )
        if body.over_limit:
            raise ProtocolError(
                f"The server's answer to {path} is larger than {MAX_JSON_BODY // 2**20} MB; "
                "it was not read."
            )
        try:
            return json.loads(body.data)
        except ValueError as exc:
            if screen.looks_like_web_page(response, body.data):
                raise screen.web_page_error(response) from exc
            raise ProtocolError(f"{path} did not answer with JSON.") from exc

    async def _send(self, request: httpx.Request, deadline: float) -> httpx.Response:
        """Send and return the streamed response (status and headers read, body not yet)."""
        try:
            async with asyncio.timeout_at(deadline):
                return await self._http.send(request, stream=True)
        except TimeoutError as exc:
            raise StreamTimeoutError("The server did not answer in time.") from exc
        except httpx.TransportError as exc:
            raise _network_error(exc, self.config.base_url) from exc

    # -- chat ------------------------------------------------------------------------------

    async def chat(self, body: dict[str, Any]) -> Completion:
        """Stream ``body`` and return the assembled answer."""
        acc = CompletionAccumulator()
        async with aclosing(self.stream_chat(body)) as events:
            async for event in events:
                acc.add(event)
        return acc.result()

    async def stream_chat(
        self, body: dict[str, Any] | bytes, *, beta: bool = False
    ) -> AsyncGenerator[StreamEvent, None]:
        """Yield events of one answer. Retries (with a ``Retrying`` event) only while nothing
        has been output; after that, errors propagate and what arrived stays with the caller.
        Iterate it inside ``contextlib.aclosing`` so that breaking out closes the connection.
        ``body``: a request body, or its bytes already encoded (``core.request.RequestEncoder``).
        ``beta``: send to ``config.beta_url`` (chat prefix completion)."""
        self._require_key()
        messages = body.get("messages") if isinstance(body, dict) else None
        if isinstance(body, bytes):
            payload = body
        elif isinstance(messages, list) and len(messages) > _ENCODE_IN_THREAD:
            # A long agent session is megabytes of JSON: encode it off the event loop, which in
            # the window is the GUI thread.
            payload = await asyncio.to_thread(encode_body, body)
        else:
            payload = encode_body(body)
        url = "/chat/completions"
        if beta:
            if not self.config.beta_url:
                raise ConfigError("This server has no beta URL for chat prefix completion.")
            url = self.config.beta_url.rstrip("/") + url  # absolute: the base URL is not used
        attempt = 0
        while True:
            had_output = False
            try:
                async with aclosing(self._stream_once(payload, url)) as events:
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

    async def _stream_once(self, payload: bytes, url: str) -> AsyncGenerator[StreamEvent, None]:
        cfg = self.config
        request = self._http.build_request(
            "POST",
            url,
            content=payload,
            headers={"Content-Type": "application/json", "Accept": "text/event-stream"},
        )
        loop = asyncio.get_running_loop()
        wall_deadline = loop.time() + cfg.total_timeout
        response = await self._send(request, wall_deadline)
        chunks: AsyncIterator[bytes] | None = None
        try:
            if response.status_code >= 400:
                raise await _error_from_stream(response, wall_deadline)
            await _check_event_stream(response, wall_deadline)
            inflater = Inflater(response.headers.get("content-encoding"))
            decoder = SSEDecoder()
            parser = ChunkParser()
            chunks = response.aiter_raw()
            idle_deadline = loop.time() + cfg.idle_timeout
            while True:
                deadline = min(idle_deadline, wall_deadline)
                try:
                    raw = await read_next(chunks, deadline)
                except TimeoutError:
                    if parser.finish_reason is not None:
                        return  # finished; a usage chunk that never came is not an error
                    if deadline == wall_deadline:
                        raise StreamTimeoutError(
                            f"The answer took longer than {cfg.total_timeout:g} s and was "
                            "stopped; what arrived is kept."
                        ) from None
                    waiting = "no complete event" if decoder.held else "nothing (keep-alives only)"
                    raise IdleTimeoutError(
                        f"The server sent {waiting} for {cfg.idle_timeout:g} s; the request "
                        "was abandoned."
                    ) from None
                got_message = False
                for msg in _messages(inflater, decoder, raw):
                    got_message = True
                    for event in parser.parse(msg.data):
                        yield event
                    if parser.complete:
                        return
                if got_message:
                    idle_deadline = loop.time() + cfg.idle_timeout
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
                await settle(asyncio.ensure_future(chunks.aclose()))  # type: ignore[attr-defined]
            await close_once(response)

    def _require_key(self) -> None:
        if not self.config.api_key and _is_deepseek(self.config.base_url):
            raise ConfigError(
                "No DeepSeek API key. Set DEEPSEEK_API_KEY or add the key in Settings."
            )


def _is_deepseek(base_url: str) -> bool:
    return httpx.URL(base_url).host.endswith("deepseek.com")


def _messages(inflater: Inflater, decoder: SSEDecoder, raw: bytes | None) -> Iterator[SSEMessage]:
    """The events completed by one network read (None: the end), decoded piece by piece so
    that a read inflating to megabytes is never held whole."""
    for piece in inflater.finish() if raw is None else inflater.feed(raw):
        yield from decoder.feed(piece)
    if raw is None:
        yield from decoder.close()


async def _check_event_stream(response: httpx.Response, deadline: float) -> None:
    """Refuse a 200 that is clearly not an event stream (a web page, plain JSON)."""
    mime = screen.media_type(response)
    if mime in screen.WEB_PAGE_TYPES:
        raise screen.web_page_error(response)
    if screen.is_json(mime):
        try:
            body = await read_body(response, MAX_ERROR_BODY, deadline)
        except httpx.TransportError:
            raise screen.json_instead_of_stream(b"") from None
        raise screen.json_instead_of_stream(body.data)


async def _error_from_stream(response: httpx.Response, deadline: float) -> DsdeskError:
    """On a streamed request the error body must be read before raising: at most
    ``MAX_ERROR_BODY`` of it, and only until the wall-clock deadline (then what arrived)."""
    try:
        body = (await read_body(response, MAX_ERROR_BODY, deadline)).data
    except (httpx.TransportError, ProtocolError):
        body = b""
    return api_error_from_response(
        response.status_code, body.decode("utf-8", "replace"), screen.retry_after(response.headers)
    )


def _network_error(exc: httpx.TransportError, base_url: str) -> NetworkError:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return ConnectError(f"Could not connect to {base_url}: {exc or type(exc).__name__}.")
    if isinstance(exc, httpx.TimeoutException):
        return ConnectError(f"{base_url} did not answer in time.")
    return ConnectError(f"Network error talking to {base_url}: {exc or type(exc).__name__}.")
