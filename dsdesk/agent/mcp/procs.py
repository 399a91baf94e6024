"""A stdio server's process tree, from outside: its stderr drained and capped, and every
process it started found and killed when dsdesk stops it.

The SDK closes the server's stdin, then signals its process group (SIGTERM, later SIGKILL) —
but only when the server itself does not exit, and never a descendant that left the group. Each
server therefore starts with a unique ``DSDESK_MCP_SERVER`` value in its environment, which its
children inherit: after the SDK's shutdown, any process still carrying it is killed (Linux,
through ``/proc``; elsewhere the SDK's group kill is what there is).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["MARKER_VAR", "StderrTail", "kill_marked", "marked_pids", "new_marker"]

MARKER_VAR = "DSDESK_MCP_SERVER"
_PROC = Path("/proc")


def new_marker() -> str:
    return uuid.uuid4().hex


def marked_pids(marker: str) -> list[int]:
    """Live processes (not zombies) of this user whose environment carries ``marker``."""
    needle = f"{MARKER_VAR}={marker}".encode()
    found: list[int] = []
    if not _PROC.is_dir():
        return found
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes()
            if needle not in env.split(b"\0"):
                continue
            stat = (entry / "stat").read_text()
        except OSError:  # gone, or another user's
            continue
        state = stat.rsplit(")", 1)[-1].split()[:1]
        if state != ["Z"]:
            found.append(int(entry.name))
    return found


def kill_marked(marker: str, wait: float = 2.0) -> list[int]:
    """SIGKILL every process still carrying ``marker`` and wait (up to ``wait`` s) until none
    runs: a signal is delivered when the process is next scheduled, not when ``kill`` returns.
    Returns the pids signalled."""
    pids = marked_pids(marker)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + wait
    while pids and marked_pids(marker) and time.monotonic() < deadline:
        time.sleep(0.01)
    return pids


class StderrTail:
    """A pipe for a server's stderr, drained on the event loop as fast as it is written (a
    full pipe would block the server) and keeping only the last ``limit`` bytes."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        limit: int = 16 * 1024,
        on_eof: Callable[[], None] | None = None,
    ) -> None:
        self._loop = loop
        self._on_eof = on_eof
        self._limit = limit
        self._buf = bytearray()
        self.total = 0  # bytes written in all
        self.closed = asyncio.Event()  # every writer closed its end (the process tree exited)
        r, w = os.pipe()
        os.set_blocking(r, False)
        self._r: int | None = r
        self.writer: BinaryIO | None = open(w, "wb", buffering=0)  # noqa: SIM115 — given away
        loop.add_reader(r, self._ready)

    def close_writer(self) -> None:
        """Our copy of the write end: closed once the server started (it has its own)."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def _ready(self) -> None:
        if self._r is None:
            return
        for _ in range(64):  # at most 4 MB per turn of the loop, then let others run
            try:
                chunk = os.read(self._r, 65536)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                self.close()
                if self._on_eof is not None:
                    self._on_eof()
                return
            self.total += len(chunk)
            self._buf += chunk
            if len(self._buf) > self._limit:
                del self._buf[: -self._limit]

    def close(self) -> None:
        self.close_writer()
        if self._r is not None:
            self._loop.remove_reader(self._r)
            os.close(self._r)
            self._r = None
        self.closed.set()

    def tail(self, lines: int = 20) -> str:
        text = self._buf.decode("utf-8", "replace")
        if self.total > len(self._buf):
            text = text.split("\n", 1)[-1]  # the first line was cut
        return "\n".join(text.rstrip("\n").splitlines()[-lines:])
