"""A raw HTTP server on loopback that sends exactly the hostile bytes it is scripted to send.

The simulator plays a well-behaved API with faults; this one plays a broken or malicious server:
bodies that never end, compression bombs, lines that never end, web pages instead of the API,
redirects, unreadable headers, bodies dripping in one byte at a time. It counts the bytes it
managed to hand to the kernel per connection, which is how tests and benchmarks check that a
client stopped reading: with small socket buffers on both ends, bytes sent ≈ bytes read.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .httpd import loopback_family

# What a script yields: bytes to send, or seconds to pause (cut short when the server stops).
Op = bytes | float


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


Script = Callable[[Request], Iterable[Op]]
MB = 1024 * 1024
PIECE = 64 * 1024


class HostileServer:
    """Serves every request with ``script(request)``; the n-th request uses ``scripts[n]``
    (the last one repeats). One thread per connection; ``stop()`` cuts them all."""

    def __init__(self, *scripts: Script, host: str = "127.0.0.1", sndbuf: int = PIECE) -> None:
        if not scripts:
            raise ValueError("at least one script")
        self._scripts = scripts
        self._family = loopback_family(host)
        self.host = host
        self._sndbuf = sndbuf
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self.requests: list[Request] = []
        self.sent: list[int] = []  # bytes sent, one entry per request

    def start(self) -> HostileServer:
        sock = socket.socket(self._family, socket.SOCK_STREAM)
        sock.bind((self.host, 0))
        sock.listen(16)
        self._listener = sock
        t = threading.Thread(target=self._accept, name="hostile-accept", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
        for t in self._threads:
            t.join(2.0)

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._listener is not None
        port = self._listener.getsockname()[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{port}"

    @property
    def total_sent(self) -> int:
        with self._lock:
            return sum(self.sent)

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self._sndbuf)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._conns.add(conn)
            t = threading.Thread(target=self._serve, args=(conn,), name="hostile", daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, conn: socket.socket) -> None:
        try:
            reader = conn.makefile("rb")
            while not self._stopping.is_set():
                request = _read_request(reader)
                if request is None:
                    return
                with self._lock:
                    index = len(self.requests)
                    self.requests.append(request)
                    self.sent.append(0)
                script = self._scripts[min(index, len(self._scripts) - 1)]
                if not self._play(conn, index, script(request)):
                    return
        except OSError:
            return
        finally:
            with self._lock:
                self._conns.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()

    def _play(self, conn: socket.socket, index: int, ops: Iterable[Op]) -> bool:
        """Send the script; False once the server is stopping."""
        for op in ops:
            if isinstance(op, float | int):
                if self._stopping.wait(op):
                    return False
                continue
            view = memoryview(op)
            while view:
                n = conn.send(view)  # partial sends: count what the kernel took
                with self._lock:
                    self.sent[index] += n
                view = view[n:]
        return True


def _read_request(rfile: BinaryIO) -> Request | None:
    line = rfile.readline(65536)
    if not line:
        return None
    method, path, *_ = [*line.decode("latin-1").split(" "), "", ""]
    headers: dict[str, str] = {}
    while (h := rfile.readline(65536)) not in (b"\r\n", b"\n", b""):
        name, _, value = h.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = rfile.read(int(headers.get("content-length") or 0))
    return Request(method, path, headers, body)


# -- building blocks for scripts ------------------------------------------------------------


def head(status: int, headers: dict[str, str], *, chunked: bool = True) -> bytes:
    lines = [f"HTTP/1.1 {status} Hostile"]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


END = b"0\r\n\r\n"


def static(status: int, body: bytes | str, content_type: str, **headers: str) -> Script:
    """A complete response with a Content-Length (headers: underscores become dashes)."""
    data = body.encode() if isinstance(body, str) else body
    extra = {k.replace("_", "-"): v for k, v in headers.items()}
    hdrs = {"Content-Type": content_type, "Content-Length": str(len(data)), **extra}
    return lambda _req: [head(status, hdrs, chunked=False), data]


def endless(
    status: int, content_type: str, pattern: bytes, *, prefix: bytes = b"", limit: int = 1024 * MB
) -> Script:
    """A chunked body: ``prefix``, then ``pattern`` repeated until the client leaves (or
    ``limit`` bytes)."""
    block = pattern * max(1, PIECE // len(pattern))

    def ops(_req: Request) -> Iterator[Op]:
        yield head(status, {"Content-Type": content_type})
        if prefix:
            yield chunk(prefix)
        sent = 0
        while sent < limit:
            yield chunk(block)
            sent += len(block)
        yield END

    return ops


def gzip_stream(pattern: bytes) -> tuple[bytes, bytes]:
    """(start, repeat): a gzip stream that decodes to ``pattern`` repeated, for as many
    ``repeat`` blocks as are appended. ~1000:1, the most deflate can do."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    unit = pattern * max(1, MB // len(pattern))
    start = c.compress(unit) + c.flush(zlib.Z_SYNC_FLUSH)
    # A sync-flushed block that only refers back into a window full of the pattern can be
    # appended again and again: each copy decodes to the same megabyte.
    repeat = c.compress(unit) + c.flush(zlib.Z_SYNC_FLUSH)
    return start, repeat


def gzip_bomb(status: int, content_type: str, pattern: bytes, *, limit: int = 1024 * MB) -> Script:
    """A gzip body decoding to ``pattern`` repeated: ``limit`` bytes once inflated."""
    start, repeat = gzip_stream(pattern)
    per_chunk = max(1, PIECE // len(repeat))

    def ops(_req: Request) -> Iterator[Op]:
        yield head(status, {"Content-Type": content_type, "Content-Encoding": "gzip"})
        yield chunk(start)
        inflated = MB
        while inflated < limit:
            yield chunk(repeat * per_chunk)
            inflated += MB * per_chunk
        yield END

    return ops


def drip(status: int, content_type: str, body: bytes, interval: float) -> Script:
    """A body with a Content-Length, sent one byte every ``interval`` seconds."""

    def ops(_req: Request) -> Iterator[Op]:
        yield head(
            status,
            {"Content-Type": content_type, "Content-Length": str(len(body))},
            chunked=False,
        )
        for i in range(len(body)):
            yield body[i : i + 1]
            yield interval

    return ops
