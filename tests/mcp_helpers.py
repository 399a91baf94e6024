"""Small MCP servers for the tests (tests/mcp_servers/), over stdio or HTTP on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from dsdesk.agent.mcp.config import ServerConfig
from dsdesk.agent.mcp.hub import McpHub

SERVERS = Path(__file__).parent / "mcp_servers"
TOY = SERVERS / "toy.py"
RAW = SERVERS / "raw.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stdio(
    name: str, script: Path = TOY, *args: str, env: dict[str, str] | None = None
) -> ServerConfig:
    return ServerConfig(
        name,
        "user",
        command=sys.executable,
        args=(str(script), *args),
        env=tuple((env or {}).items()),
    )


@contextlib.contextmanager
def http_server(script: Path = TOY, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The script serving streamable HTTP on a free loopback port: (its /mcp URL, process)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(script), "--http", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert proc.poll() is None, "the test server died"
            assert time.monotonic() < deadline, "the test server did not listen"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp", proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def toy_server(transport: str, name: str = "toy", *args: str) -> Iterator[ServerConfig]:
    """The toy server's config over ``transport`` ("stdio" or "http")."""
    if transport == "stdio":
        yield stdio(name, TOY, *args)
        return
    with http_server(TOY, *args) as (url, _proc):
        yield ServerConfig(name, "user", url=url, headers=(("X-Test", "1"),))


def started(hub: McpHub, *servers: ServerConfig) -> McpHub:
    hub.configure(servers).result(30)
    hub.wait_started_sync(60)
    return hub


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
