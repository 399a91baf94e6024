"""HTTP plumbing: a threading HTTP/1.1 server on a loopback address that tracks its connections."""

from __future__ import annotations

import contextlib
import ipaddress
import select
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .wire import ChunkedWriter, Response, Static, Stream, play

# (method, path, lower-cased headers, body) -> response
Responder = Callable[[str, str, dict[str, str], bytes], Response]
POLL = 0.05  # how often waits notice a departed client or a stopping server


def loopback_family(host: str) -> socket.AddressFamily:
    """The address family for `host`; ValueError unless it is a loopback address."""
    try:
        address = ipaddress.ip_address("127.0.0.1" if host == "localhost" else host)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ValueError(
            f"refusing to listen on {host!r}: the simulator only binds loopback addresses "
            "(127.0.0.1, ::1 or localhost)"
        )
    return socket.AF_INET6 if address.version == 6 else socket.AF_INET


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streams, like the real API
    disable_nagle_algorithm = True  # small SSE writes must not wait for delayed ACKs
    server_version = "dsdesk-simulator"
    sys_version = ""
    server: LoopbackHTTPServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(parts)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.server.respond(self.command, self.path, headers, body)
        try:
            if isinstance(response, Static):
                self._send_static(response)
            else:
                self._send_stream(response)
        except OSError:  # the client went away mid-response
            self.close_connection = True

    def _send_static(self, response: Static) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def _send_stream(self, response: Stream) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        writer = ChunkedWriter(self.wfile.write, response.split_writes)
        if not play(response.ops, writer, self):
            self.close_connection = True

    # wire.Connection
    def wait(self, seconds: float | None) -> bool:
        deadline = None if seconds is None else time.monotonic() + seconds
        while not self.server.stopping.is_set():
            remaining = POLL if deadline is None else min(POLL, deadline - time.monotonic())
            if remaining <= 0:
                return True
            readable, _, _ = select.select([self.connection], [], [], remaining)
            if readable:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return False  # orderly close by the client
                except OSError:
                    return False
                self.server.stopping.wait(remaining)  # unexpected bytes: don't spin
        return False

    def drop(self) -> None:
        # FIN without the terminating zero-length chunk: the client sees a truncated body.
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self.connection.close()


class LoopbackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a stuck handler must never keep the process alive
    block_on_close = False  # stop() waits for handlers itself, with a timeout

    def __init__(self, host: str, port: int, respond: Responder, verbose: bool = False) -> None:
        self.address_family = loopback_family(host)
        self.respond = respond
        self.verbose = verbose
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.idle = threading.Condition()
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.idle:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        super().shutdown_request(request)
        with self.idle:
            self.connections.discard(request)
            self.idle.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # clients hanging up is routine here
        super().handle_error(request, client_address)
