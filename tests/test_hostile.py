"""The client against hostile servers on real loopback HTTP: memory and time stay bounded.

Each server counts the bytes it managed to send. The client here has a small fixed receive
buffer (which turns off the kernel's autotuning) and the server a small send buffer, so bytes
sent ≈ bytes the client read, give or take a few hundred kB of socket buffers.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import zlib
from collections.abc import Iterator
from contextlib import aclosing
from typing import Any

import httpx
import pytest

from dsdesk.core import errors as E
from dsdesk.core.events import ContentDelta, Retrying, StreamEvent
from dsdesk.core.messages import Message
from dsdesk.core.request import ChatOptions, build_chat_request
from dsdesk.devserver import hostile as H
from dsdesk.devserver.hostile import MB, HostileServer
from dsdesk.llm.client import DeepSeekClient
from dsdesk.llm.config import ClientConfig

KEY = "sk-hostile-0123456789"
BUFFERS = 1 * MB  # socket buffers on both ends, and a read in flight: an upper bound


def body() -> dict[str, Any]:
    return build_chat_request([Message.user("hi")], ChatOptions(thinking=False))


def config(server: HostileServer, **kw: Any) -> ClientConfig:
    base: dict[str, Any] = {
        "base_url": server.base_url,
        "api_key": KEY,
        "backoff_base": 0.01,
        "backoff_cap": 0.05,
        "max_retries": 0,
        "idle_timeout": 5.0,
    }
    return ClientConfig(**(base | kw))


def tight_client(cfg: ClientConfig) -> DeepSeekClient:
    transport = httpx.AsyncHTTPTransport(
        socket_options=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)]
    )
    return DeepSeekClient(cfg, transport=transport)


async def _collect(cfg: ClientConfig) -> tuple[list[StreamEvent], E.DsdeskError | None]:
    events: list[StreamEvent] = []
    async with tight_client(cfg) as client:
        try:
            async with aclosing(client.stream_chat(body())) as stream:
                async for ev in stream:
                    events.append(ev)
        except E.DsdeskError as exc:
            return events, exc
    return events, None


def collect(cfg: ClientConfig) -> tuple[list[StreamEvent], E.DsdeskError | None]:
    # The guard only turns a hang into a failure; no test asserts how long anything took.
    return asyncio.run(asyncio.wait_for(_collect(cfg), 30))


def get_json(cfg: ClientConfig, what: str) -> Any:
    async def go() -> Any:
        async with tight_client(cfg) as client:
            try:
                if what == "models":
                    return await client.list_models()
                return await client.get_balance()
            except E.DsdeskError as exc:
                return exc

    return asyncio.run(asyncio.wait_for(go(), 30))


def sse_ok(text: str = "ok") -> bytes:
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "deepseek-v4-flash",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1},
    }
    return f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()


def content(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, ContentDelta))


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[HostileServer] = []

    def start(*scripts: H.Script) -> HostileServer:
        servers.append(HostileServer(*scripts).start())
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


# -- 1. error bodies and JSON bodies are read only up to a bound ------------------------------


def test_endless_error_body_is_read_to_64kb_then_closed(serve: Any) -> None:
    server = serve(H.endless(500, "application/json", b'{"error": "x' + b"x" * 999, limit=64 * MB))
    _, err = collect(config(server))
    assert isinstance(err, E.ServerError) and err.status == 500
    assert server.total_sent < 64 * 1024 + BUFFERS


@pytest.mark.parametrize("what", ["models", "balance"])
def test_endless_error_body_of_json_endpoints(serve: Any, what: str) -> None:
    server = serve(H.endless(503, "text/plain", b"overloaded ", limit=64 * MB))
    err = get_json(config(server), what)
    assert isinstance(err, E.ServerError) and "overloaded" in err.server_message
    assert server.total_sent < 64 * 1024 + BUFFERS


def test_json_endpoint_success_body_is_bounded(serve: Any) -> None:
    server = serve(H.endless(200, "application/json", b'{"data": [' + b" " * 100, limit=64 * MB))
    err = get_json(config(server), "models")
    assert isinstance(err, E.ProtocolError) and "larger than 1 MB" in err.user_message
    assert server.total_sent < 1 * MB + BUFFERS


# -- 2. one SSE line / one event is at most 8 MB --------------------------------------------


def test_sse_line_of_20mb_is_refused_after_8mb(serve: Any) -> None:
    server = serve(H.endless(200, "text/event-stream", b"x", prefix=b"data: ", limit=20 * MB))
    events, err = collect(config(server))
    assert isinstance(err, E.ProtocolError)
    assert "stream line of more than 8 MB" in err.user_message and not events
    assert server.total_sent < 8 * MB + BUFFERS


def test_data_lines_never_dispatched_are_refused_after_8mb(serve: Any) -> None:
    server = serve(H.endless(200, "text/event-stream", b"data: x\n", limit=64 * MB))
    _, err = collect(config(server))
    assert isinstance(err, E.ProtocolError)
    assert "stream event of more than 8 MB" in err.user_message
    assert "keep-alive" not in err.user_message
    # 8 M characters of data ("x" and the "\n" joining it to the next) = 32 MB of lines
    assert server.total_sent < 8 * 4 * MB + BUFFERS


# -- 3. compression bombs are stopped, never inflated ---------------------------------------


def test_gzip_bomb_on_the_event_stream_is_reported(serve: Any) -> None:
    keepalive = b": " + b"k" * 252 + b"\n\n"  # comments: they keep no line or event pending
    server = serve(H.gzip_bomb(200, "text/event-stream", keepalive, limit=1024 * MB))
    _, err = collect(config(server))
    assert isinstance(err, E.ProtocolError)
    assert "expands far beyond its size" in err.user_message
    assert server.total_sent < BUFFERS // 2  # the whole bomb is 2 MB compressed


def test_gzip_bomb_error_body_is_inflated_only_to_64kb(serve: Any) -> None:
    server = serve(H.gzip_bomb(503, "application/json", b"\0", limit=512 * MB))
    _, err = collect(config(server))
    assert isinstance(err, E.ServerError) and err.status == 503
    assert server.total_sent < 400 * 1024  # the whole bomb is 530 kB compressed


def test_gzip_bomb_on_a_json_endpoint(serve: Any) -> None:
    server = serve(H.gzip_bomb(200, "application/json", b" ", limit=512 * MB))
    err = get_json(config(server), "balance")
    assert isinstance(err, E.ProtocolError) and "larger than 1 MB" in err.user_message
    assert server.total_sent < BUFFERS // 2


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b, wbits=-15)),  # raw deflate, as some servers send
    ],
)
def test_compressed_answers_still_decode(serve: Any, encoding: str, compress: Any) -> None:
    stream = b": keep-alive\n\n" + sse_ok("héllo 世界")
    server = serve(
        H.static(200, compress(stream), "text/event-stream", Content_Encoding=encoding),
        H.static(
            200,
            compress(b'{"data": [{"id": "m1"}]}'),
            "application/json",
            Content_Encoding=encoding,
        ),
    )
    events, err = collect(config(server))
    assert err is None and content(events) == "héllo 世界"
    assert get_json(config(server), "models") == ["m1"]
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


# -- 4. the wall-clock ceiling covers reading the body --------------------------------------


def test_error_body_dripping_past_the_ceiling(serve: Any) -> None:
    message = b'{"error": {"message": "slow down"}}'
    server = serve(H.drip(500, "application/json", message + b" " * 10_000, 0.02))
    _, err = collect(config(server, total_timeout=0.5))
    assert isinstance(err, E.ServerError) and err.status == 500
    assert server.total_sent < 1000


def test_json_endpoint_dripping_past_the_ceiling(serve: Any) -> None:
    server = serve(H.drip(200, "application/json", b'{"data": []}' + b" " * 10_000, 0.02))
    err = get_json(config(server, total_timeout=0.5), "models")
    assert isinstance(err, E.StreamTimeoutError) and "0.5 s" in err.user_message


# -- 5. Retry-After in any form never raises ------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "Fri, 31 Dec 10000 23:59:59 GMT",
        "Thu, 01 Jan 1970 00:00:00 +9999",
        "-5",
        "1e11",
        "inf",
        "nan",
        "9" * 400,
        "Mon, 01 Jan 0001 00:00:00 GMT",
    ],
)
def test_any_retry_after_uses_a_capped_wait(serve: Any, value: str) -> None:
    server = serve(
        H.static(429, '{"error": {"message": "slow"}}', "application/json", Retry_After=value),
        H.static(200, sse_ok(), "text/event-stream"),
    )
    events, err = collect(config(server, max_retries=1))
    assert err is None and content(events) == "ok"
    [retry] = [e for e in events if isinstance(e, Retrying)]
    assert 0 <= retry.delay <= 0.05


# -- 6. a web page, a redirect or plain JSON is not an event stream -------------------------


def test_html_page_on_200_is_named_and_not_retried(serve: Any) -> None:
    page = "<!doctype html><html><body>Please log in to the hotel Wi-Fi</body></html>"
    server = serve(H.static(200, page, "text/html; charset=utf-8"))
    _, err = collect(config(server, max_retries=3))
    assert isinstance(err, E.ProtocolError)
    assert "web page, not an API response" in err.user_message
    assert "check the base URL" in err.user_message
    assert len(server.requests) == 1


def test_redirect_names_the_target_host_redacted_and_is_not_retried(serve: Any) -> None:
    location = "http://admin:hunter2-pass@portal.example:8080/login?\x1b[31mnext=/"
    server = serve(H.static(302, "", "text/html", Location=location))
    _, err = collect(config(server, max_retries=3))
    assert isinstance(err, E.ProtocolError)
    assert "portal.example" in err.user_message and "HTTP 302" in err.user_message
    assert "hunter2" not in err.user_message and "\x1b" not in err.user_message
    assert len(server.requests) == 1


def test_json_instead_of_a_stream_gives_its_error_message(serve: Any) -> None:
    said = '{"error": {"message": "quota \\u001b[31mexceeded for sk-abcdefghijklmnop1234"}}'
    server = serve(H.static(200, said, "application/json"))
    _, err = collect(config(server, max_retries=3))
    assert isinstance(err, E.ProtocolError)
    assert "quota exceeded" in err.user_message and "JSON" in err.user_message
    assert "\x1b" not in err.user_message and "abcdefghijklmnop" not in err.user_message
    assert len(server.requests) == 1


@pytest.mark.parametrize("what", ["models", "balance"])
def test_json_endpoint_answered_with_a_web_page(serve: Any, what: str) -> None:
    server = serve(H.static(200, "<html><body>Sign in</body></html>", "text/html"))
    err = get_json(config(server), what)
    assert isinstance(err, E.ProtocolError) and "web page" in err.user_message


@pytest.mark.parametrize("content_type", ["text/event-stream; charset=utf-8", "text/plain", None])
def test_streams_with_lenient_content_types_still_work(
    serve: Any, content_type: str | None
) -> None:
    data = sse_ok()
    if content_type is None:
        script: H.Script = lambda _r: [  # noqa: E731
            H.head(200, {"Content-Length": str(len(data))}, chunked=False),
            data,
        ]
    else:
        script = H.static(200, data, content_type)
    events, err = collect(config(serve(script)))
    assert err is None and content(events) == "ok"


def test_idle_timeout_with_an_unfinished_event_does_not_blame_keepalives(serve: Any) -> None:
    def script(_req: H.Request) -> Iterator[H.Op]:
        yield H.head(200, {"Content-Type": "text/event-stream"})
        yield H.chunk(b'data: {"id": "c1", "choi')
        yield 30.0

    _, err = collect(config(serve(script), idle_timeout=0.3))
    assert isinstance(err, E.IdleTimeoutError)
    assert "no complete event" in err.user_message and "keep-alive" not in err.user_message
