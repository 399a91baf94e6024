"""The Simulator: a DeepSeek-compatible server run in a daemon thread, and its inspection API."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import errors
from .chat import ChatEndpoint
from .httpd import POLL, LoopbackHTTPServer, loopback_family
from .replies import Reply
from .script import end_of_script_reply, load_script
from .wire import Response, Static, error_response, json_response

DEFAULT_MODELS = ("deepseek-v4-pro", "deepseek-v4-flash", "deepseek-flash")
CHAT_PATH = "/chat/completions"
# DeepSeek serves beta features (chat prefix completion) under https://api.deepseek.com/beta;
# the simulator mirrors it: its beta base URL is ``base_url + "/beta"``.
BETA_CHAT_PATH = "/beta" + CHAT_PATH


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it (headers with lower-case names)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = field(default=None)


class Simulator:
    """A DeepSeek-compatible HTTP server on 127.0.0.1 for tests, benchmarks and demos."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        models: list[str] | None = None,
        balance: str = "110.00",
        demo: bool = False,
        demo_delay: float = 0.02,
        default_reply: Reply | None = None,
        script: str | Path | Sequence[Reply] | None = None,
        verbose: bool = False,
        prefix_completion: bool = True,
    ) -> None:
        """api_key None accepts any Authorization; demo=True streams the default reply slowly.

        default_reply (a Reply) answers when the queue is empty instead of the demo answer.
        script: a scripted session, as a file (see `load_script`; ScriptError if it is
        faulty) or as replies; they are queued, and once used up "(end of script)" answers
        unless default_reply says otherwise.

        prefix_completion: whether the beta path (``base_url + "/beta"``) takes
        ``"prefix": true``; False answers it with a 400 like the plain path does, as a server
        without the feature would (for testing the fallback).
        """
        loopback_family(host)
        self.api_key = api_key
        self.host, self._port = host, port
        self.models = [*DEFAULT_MODELS, *(m for m in models or () if m not in DEFAULT_MODELS)]
        self.balance = balance
        self.verbose = verbose
        delay = demo_delay if demo else 0.0
        scripted: Sequence[Reply] = ()
        if isinstance(script, str | Path):
            scripted = load_script(script, delay=delay)
        elif script is not None:
            scripted = script
        if script is not None:
            default_reply = default_reply or end_of_script_reply(delay)
        self._chat = ChatEndpoint(self.models, delay, default_reply, prefix_completion)
        for reply in scripted:
            self._chat.enqueue(reply)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._server: LoopbackHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> Simulator:
        if self._server is not None:
            return self
        self._server = LoopbackHTTPServer(self.host, self._port, self._respond, self.verbose)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL,), name="dsdesk-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving and cut every open connection, even one that is mid-stream."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping.set()
        server.shutdown()
        with server.idle:
            open_now = list(server.connections)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with server.idle:
            server.idle.wait_for(lambda: not server.connections, timeout)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # inspection
    @property
    def beta_url(self) -> str:
        """The beta base URL (chat prefix completion), as ``https://api.deepseek.com/beta``."""
        return self.base_url + "/beta"

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies (FIFO) for the next /chat/completions requests."""
        for reply in replies:
            self._chat.enqueue(reply)

    @property
    def pending(self) -> int:
        """Queued replies not yet used."""
        return self._chat.pending

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.method == "POST" and _route(r.path) in (CHAT_PATH, BETA_CHAT_PATH)
        ]

    @property
    def open_connections(self) -> int:
        server = self._server
        if server is None:
            return 0
        with server.idle:
            return len(server.connections)

    def wait_for_idle(self, timeout: float = 2.0) -> bool:
        """True once no client connection is open (False after `timeout` seconds)."""
        server = self._server
        if server is None:
            return True
        with server.idle:
            return server.idle.wait_for(lambda: not server.connections, timeout)

    # request handling (called from handler threads)
    def _respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        with self._lock:
            self._requests.append(RecordedRequest(method, path, headers, body, parsed))
        denied = self._check_auth(headers.get("authorization"))
        if denied is not None:
            return denied
        route = _route(path)
        if method == "POST" and route in (CHAT_PATH, BETA_CHAT_PATH):
            return self._chat.handle(body, beta=route == BETA_CHAT_PATH)
        if method == "GET" and route == "/models":
            data = [{"id": m, "object": "model", "owned_by": "deepseek"} for m in self.models]
            return json_response(200, {"object": "list", "data": data})
        if method == "GET" and route == "/user/balance":
            return json_response(200, self._balance())
        return error_response(404, f"Not Found: {method} {path}")

    def _check_auth(self, value: str | None) -> Static | None:
        if self.api_key is None:
            return None
        scheme, _, token = (value or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return error_response(401, errors.AUTH_BAD_FORMAT)
        if token.strip() != self.api_key:
            return error_response(401, errors.AUTH_NO_SUCH_USER)
        return None

    def _balance(self) -> Any:
        try:
            total = Decimal(self.balance)
        except InvalidOperation:
            total = Decimal(0)
        # The default splits into granted + topped-up like a real account; others are topped-up.
        granted = Decimal("10.00") if total == Decimal("110.00") else Decimal("0.00")
        info = {
            "currency": "USD",
            "total_balance": f"{total:.2f}",
            "granted_balance": f"{granted:.2f}",
            "topped_up_balance": f"{total - granted:.2f}",
        }
        return {"is_available": total > 0, "balance_infos": [info]}


def _route(path: str) -> str:
    """Normalise a request path: no query string, no trailing slash, no /v1 prefix."""
    route = path.split("?", 1)[0].rstrip("/") or "/"
    return route[3:] if route.startswith("/v1/") else route
