"""The stdio transport for MCP servers, with a bound on one message.

The SDK's ``stdio_client`` buffers a line of the server's stdout until its newline comes, without
limit: one endless line grows dsdesk's memory for as long as the server writes. This is the same
transport — the pair of streams ``mcp.Client`` takes, the same spawn (own process group, default
environment merged under the configured one) and the same shutdown (stdin closed, a grace period,
then SIGTERM and SIGKILL to the group) — but a line, ended or not, may hold ``max_line`` bytes.
A longer one ends the connection: ``on_fault`` hears why (before any pending request learns that
the connection closed), the session gets a ``MessageTooLarge``, and the server's group is
stopped. Built from the SDK's public pieces only. POSIX only, like dsdesk's stderr drain; MCP's
stdio is UTF-8, so ``server.encoding`` is not used.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import IO, Any

import anyio
import mcp_types as types
from anyio.abc import ByteReceiveStream, Process
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.client.stdio import StdioServerParameters, get_default_environment
from mcp.os.posix.utilities import terminate_posix_process_tree
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

__all__ = ["MAX_LINE", "MessageTooLarge", "bounded_stdio_client"]

log = logging.getLogger(__name__)

MAX_LINE = 16 * 2**20
_GRACE = 2.0  # for the server to exit by itself once its stdin is closed (the SDK's figure)
_KILL_AFTER = 2.0  # SIGTERM to SIGKILL
_CLOSED = (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, OSError)


class MessageTooLarge(Exception):
    """The server sent a line over the limit; the connection is over."""


@asynccontextmanager
async def bounded_stdio_client(
    server: StdioServerParameters,
    errlog: IO[Any] | int | None = None,
    *,
    max_line: int = MAX_LINE,
    on_fault: Callable[[str], None] | None = None,
) -> AsyncIterator[
    tuple[
        MemoryObjectReceiveStream[SessionMessage | Exception],
        MemoryObjectSendStream[SessionMessage],
    ]
]:
    """Spawns the server and yields ``(read_stream, write_stream)`` of ``SessionMessage``."""
    process = await anyio.open_process(
        [server.command, *server.args],
        env=get_default_environment() | (server.env or {}),
        stderr=errlog,
        cwd=server.cwd,
        start_new_session=True,
    )
    # No await between the spawn and the task group, or a cancel there would leak the process.
    to_session, read_stream = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    write_stream, from_session = anyio.create_memory_object_stream[SessionMessage](0)
    writer_done = anyio.Event()

    async def read_stdout() -> None:
        assert process.stdout is not None
        async with to_session:
            try:
                async with contextlib.aclosing(_lines(process.stdout, max_line)) as lines:
                    async for line in lines:
                        await to_session.send(_parse(line))
            except MessageTooLarge as exc:
                if on_fault is not None:
                    on_fault(str(exc))
                with contextlib.suppress(*_CLOSED):
                    await to_session.send(exc)
                await to_session.aclose()
                with anyio.CancelScope(shield=True):
                    await terminate_posix_process_tree(process, _KILL_AFTER)
                return
            except _CLOSED:
                pass  # the session is gone, our shutdown closed the pipe, or the pipe broke
        with anyio.CancelScope(shield=True), contextlib.suppress(*_CLOSED):
            # Discards what a server stuck writing still has to say, so it can see stdin's end;
            # ends when the shutdown closes the pipe.
            while True:
                await process.stdout.receive()

    async def write_stdin() -> None:
        assert process.stdin is not None
        try:
            async with from_session:
                async for message in from_session:
                    data = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                    await process.stdin.send(data.encode() + b"\n")
        except _CLOSED:
            await to_session.aclose()  # the session sees the end instead of a hanging request
        finally:
            writer_done.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(read_stdout)
        tg.start_soon(write_stdin)
        try:
            yield read_stream, write_stream
        finally:
            with anyio.CancelScope(shield=True):  # every wait inside is bounded
                read_stream.close()
                write_stream.close()
                with anyio.move_on_after(0.5):  # accepted messages flushed
                    await writer_done.wait()
                await _stop(process)
                for stream in (read_stream, write_stream, to_session, from_session):
                    await stream.aclose()
            tg.cancel_scope.cancel()


async def _lines(stdout: ByteReceiveStream, limit: int) -> AsyncGenerator[bytes, None]:
    """The lines of ``stdout`` without their newlines; ``MessageTooLarge`` past ``limit`` bytes
    (held at most: ``limit`` and one read). One line at a time, nothing read ahead of it."""
    partial = bytearray()
    async for chunk in stdout:
        start, end = 0, chunk.find(b"\n")
        while True:
            partial += chunk[start : len(chunk) if end < 0 else end]
            if len(partial) > limit:
                raise MessageTooLarge(f"the server sent a message over {_size(limit)}; stopped")
            if end < 0:
                break
            yield bytes(partial)
            partial.clear()
            start, end = end + 1, chunk.find(b"\n", end + 1)


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n} bytes"


def _parse(line: bytes) -> SessionMessage | Exception:
    """A parse error is handed to the session as a value, as the SDK's transport does."""
    try:
        return SessionMessage(types.jsonrpc_message_adapter.validate_json(line, by_name=False))
    except ValidationError as exc:  # logged without the line, which may be megabytes
        first = exc.errors(include_url=False, include_input=False)[:1]
        log.warning("an MCP server sent a line that is not JSON-RPC: %s", first)
        return exc


async def _exited(process: Process, within: float) -> bool:
    """Polled, not wait(): on asyncio that also waits for pipe EOF, which a child that escaped
    the group and holds the pipe delays past the process's own exit."""
    with anyio.move_on_after(within):
        while process.returncode is None:  # noqa: ASYNC110
            await anyio.sleep(0.01)
    return process.returncode is not None


async def _stop(process: Process) -> None:
    """stdin closed, a grace period, then SIGTERM and SIGKILL to the group; pipes let go."""
    assert process.stdin is not None and process.stdout is not None
    with contextlib.suppress(*_CLOSED):
        await process.stdin.aclose()
    if not await _exited(process, _GRACE):
        await terminate_posix_process_tree(process, _KILL_AFTER)
        # Seen dead by the loop before its transport closes, or the exit is never collected.
        if not await _exited(process, _GRACE):
            log.warning("MCP server process %d outlived SIGKILL; abandoned", process.pid)
    with contextlib.suppress(*_CLOSED):
        await process.stdout.aclose()
    # The subprocess transport stays open (and warns when collected) while a descendant that
    # escaped the group holds a pipe; nothing public closes it (the SDK walks the same path).
    transport = getattr(getattr(process, "_process", None), "_transport", None)
    close = getattr(transport, "close", None)
    if callable(close):
        with contextlib.suppress(PermissionError):
            close()
