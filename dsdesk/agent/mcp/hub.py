"""All MCP servers of a dsdesk process, on their own thread with their own event loop.

The window's loop is the GUI thread, and a server can misbehave in every way (hang, flood,
crash): the SDK's tasks, the processes and their pipes live on the hub's loop, never on the
caller's. Every public method is safe to call from any thread; the ``async`` ones may be
awaited on any event loop (the call is handed over with ``run_coroutine_threadsafe``, and
cancelling the awaiting task cancels the work on the hub).

``on_change`` listeners are called on the hub thread with the changed ``ServerState``; a Qt
adapter re-emits them as a signal (queued to the GUI thread).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from dsdesk.agent.mcp.config import ServerConfig
from dsdesk.agent.mcp.state import McpCallError, SecretLookup, ServerState, Status

if TYPE_CHECKING:
    import mcp_types as types

    from dsdesk.agent.mcp.client import Connection

__all__ = ["McpHub"]

T = TypeVar("T")
Listener = Callable[[ServerState], None]


def _no_secrets(_name: str) -> str | None:
    return None


class McpHub:
    def __init__(
        self,
        lookup: SecretLookup = _no_secrets,
        startup_timeout: float = 30.0,
        call_timeout: float = 120.0,
    ) -> None:
        self.lookup = lookup
        self.startup_timeout = startup_timeout
        self.call_timeout = call_timeout
        self._lock = threading.Lock()
        self._states: dict[str, ServerState] = {}
        self._conns: dict[str, Connection] = {}
        self._listeners: list[Listener] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- the hub thread --------------------------------------------------------------------------

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise RuntimeError("the MCP hub is closed")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def main() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=main, name="dsdesk-mcp", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def _submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self._ensure_loop())

    async def _on_hub(self, coro: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(self._submit(coro))

    # -- servers ---------------------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def _changed(self, state: ServerState) -> None:
        with self._lock:
            self._states[state.name] = state
        for listener in list(self._listeners):
            try:
                listener(state)
            except Exception:  # a listener's bug must not stop the server
                import logging

                logging.getLogger(__name__).exception("MCP listener failed")

    def states(self) -> list[ServerState]:
        with self._lock:
            return list(self._states.values())

    def state(self, name: str) -> ServerState | None:
        with self._lock:
            return self._states.get(name)

    def configure(self, servers: Sequence[ServerConfig]) -> concurrent.futures.Future[None]:
        """Run exactly these servers: new ones start, changed ones restart, missing ones stop,
        unchanged running ones are left alone. Returns at once."""
        with self._lock:
            idle = self._loop is None and not self._closed
        if idle and not servers:  # nothing to run: no thread idling in the GUI's process
            done: concurrent.futures.Future[None] = concurrent.futures.Future()
            done.set_result(None)
            return done
        return self._submit(self._configure(list(servers)))

    async def _configure(self, servers: list[ServerConfig]) -> None:
        wanted = {s.name: s for s in servers}
        stops = [
            self._stop(name)
            for name, conn in list(self._conns.items())
            if wanted.get(name) != conn.config
        ]
        await asyncio.gather(*stops)
        with self._lock:
            for name in [n for n in self._states if n not in wanted]:
                del self._states[name]
            order = {name: k for k, name in enumerate(wanted)}
            self._states = dict(sorted(self._states.items(), key=lambda kv: order[kv[0]]))
        for cfg in servers:
            if cfg.name not in self._conns:
                self._start(cfg)

    def _start(self, cfg: ServerConfig) -> None:
        from dsdesk.agent.mcp.client import Connection  # loads the SDK: only with a server

        old = self.state(cfg.name)
        conn = Connection(
            cfg,
            self.lookup,
            self._changed,
            self.startup_timeout,
            generation=old.generation if old else 0,
        )
        self._conns[cfg.name] = conn
        self._changed(conn.state)
        conn.task = asyncio.get_running_loop().create_task(conn.run(), name=f"mcp-{cfg.name}")

    async def _stop(self, name: str) -> None:
        conn = self._conns.pop(name, None)
        if conn is None or conn.task is None:
            return
        conn.stop()
        with contextlib.suppress(BaseException):
            await conn.task

    def restart(self, name: str) -> concurrent.futures.Future[None]:
        return self._submit(self._restart(name))

    async def _restart(self, name: str) -> None:
        state = self.state(name)
        if state is None:
            return
        await self._stop(name)
        self._start(state.config)

    async def wait_started(self, within: float | None = None) -> None:
        """Until no server is starting any more (or ``within`` seconds); from any loop."""
        await self._on_hub(self._wait_started(within))

    def wait_started_sync(self, within: float | None = None) -> None:
        """The same, blocking (for the CLI and tests)."""
        self._submit(self._wait_started(within)).result()

    async def _wait_started(self, within: float | None) -> None:
        tasks = [c.task for c in self._conns.values() if c.task is not None]

        async def settled() -> None:
            while any(s.status is Status.STARTING for s in self.states()):
                await asyncio.sleep(0.02)
                if all(t.done() for t in tasks):
                    return

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(settled(), within)

    # -- calls -----------------------------------------------------------------------------------

    async def call(self, server: str, tool: str, args: dict[str, Any]) -> types.CallToolResult:
        """Call ``tool`` on ``server``; raises ``McpCallError`` with a message for the model."""
        return await self._on_hub(self._call(server, tool, args))

    async def _call(self, server: str, tool: str, args: dict[str, Any]) -> types.CallToolResult:
        conn = self._conns.get(server)
        if conn is None:
            raise McpCallError(f"The MCP server {server!r} is not configured any more.")
        return await conn.call(tool, args, self.call_timeout)

    # -- shutdown --------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Stop every server (and its processes), then the hub thread; from any loop."""
        if self._loop is None or self._closed:
            self._closed = True
            return
        with contextlib.suppress(RuntimeError):
            await self._on_hub(self._stop_all())
        self._finish()

    def close(self, timeout: float = 30.0) -> None:
        """The same, blocking (for the CLI and tests)."""
        if self._loop is None or self._closed:
            self._closed = True
            return
        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            self._submit(self._stop_all()).result(timeout)
        self._finish()

    async def _stop_all(self) -> None:
        await asyncio.gather(*(self._stop(name) for name in list(self._conns)))

    def _finish(self) -> None:
        with self._lock:
            self._closed = True
            loop, thread = self._loop, self._thread
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(5)
        if loop is not None and not loop.is_running():
            loop.close()
