"""One MCP server, connected with the official SDK (``mcp.Client`` over our
``bounded_stdio_client`` or the SDK's ``streamable_http_client``) and kept connected by one owner
task on the hub's loop.

The owner task enters the client and leaves it (anyio scopes must be left by the task that
entered them); calls run as their own tasks on the same loop. Startup and every call are
bounded by the SDK's request timeout; a stdio server's exit is noticed when its stderr pipe
closes, a message over the transport's limit when the transport says so, a lost connection
when a call says so. Stopping runs the transport's shutdown (stdin closed, then SIGTERM, then
SIGKILL to the process group) and then kills any process of the server's tree still alive
(``procs.kill_marked``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any

import anyio
import httpx2
import mcp_types as types
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from dsdesk import __version__
from dsdesk.agent.mcp.config import SecretMissing, ServerConfig, resolve_secrets
from dsdesk.agent.mcp.procs import MARKER_VAR, StderrTail, kill_marked, new_marker
from dsdesk.agent.mcp.state import McpCallError, SecretLookup, ServerState, Status
from dsdesk.agent.mcp.stdio_bounded import bounded_stdio_client
from dsdesk.core.redact import clean_server_text

__all__ = ["Connection", "McpCallError", "ServerState", "Status"]

log = logging.getLogger(__name__)
_MAX_PAGES = 20


class Connection:
    def __init__(
        self,
        config: ServerConfig,
        lookup: SecretLookup,
        on_change: Callable[[ServerState], None],
        startup_timeout: float,
        generation: int = 0,
    ) -> None:
        self.config = config
        self._lookup = lookup
        self._on_change = on_change
        self.startup_timeout = startup_timeout
        self.state = ServerState(config, generation=generation)
        self._client: Client | None = None
        self._wake = asyncio.Event()
        self._why_down = ""  # set when the server went away by itself
        self._fault = ""  # set when the transport ended the connection (a message too large)
        self._tail: StderrTail | None = None
        self.task: asyncio.Task[None] | None = None
        self._scope: anyio.CancelScope | None = None
        self._marker = ""  # in the server's environment, inherited by its children
        self._stopping = False

    def _set(self, **changes: Any) -> None:
        if self._tail is not None:
            changes.setdefault("stderr", clean_server_text(self._tail.tail()))
        self.state = replace(self.state, **changes)
        self._on_change(self.state)

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._scope is not None and self.state.status is Status.STARTING:
            self._scope.cancel()

    def _down(self, why: str) -> None:
        if not self._why_down:
            self._why_down = why
        self._wake.set()

    def _on_fault(self, why: str) -> None:
        """The transport ended the connection (before any call hears it closed); its reason
        is the one the user and the model see."""
        self._fault = self._why_down = why
        self._wake.set()

    # -- the owner task --------------------------------------------------------------------------

    async def run(self) -> None:
        started = time.monotonic()
        marker = self._marker = new_marker()
        stack = AsyncExitStack()
        # One scope over the whole life, so the SDK's scopes nest in it: its deadline bounds
        # the start (the SDK may probe, then handshake, each with its own timeout); stop()
        # cancels it while starting.
        with anyio.CancelScope(deadline=anyio.current_time() + self.startup_timeout) as scope:
            self._scope = scope
            try:
                await self._live(stack, marker, started)
            finally:
                if self.state.status is Status.STARTING and scope.cancel_called:
                    self._set(status=Status.FAILED, detail=self._startup_failure())
                await self._close(stack, marker)
        if self.state.status is Status.STARTING:
            self._set(status=Status.FAILED, detail=self._startup_failure())

    def _startup_failure(self) -> str:
        if self._stopping:
            return "stopped while starting"
        return f"no answer within {self.startup_timeout:g} s"

    async def _live(self, stack: AsyncExitStack, marker: str, started: float) -> None:
        try:
            client = await self._connect(stack, marker)
            tools = await self._list(client)
        except Exception as exc:
            self._set(status=Status.FAILED, detail=self._why_failed(exc))
            return
        finally:
            if self._tail is not None:
                self._tail.close_writer()  # the server has its own copy now
        assert self._scope is not None
        self._scope.deadline = math.inf
        self._client = client
        took = time.monotonic() - started
        gen = self.state.generation + 1
        self._set(status=Status.RUNNING, tools=tools, generation=gen, detail="", seconds=took)
        listener = None
        if client.protocol_version >= "2026":
            listener = asyncio.get_running_loop().create_task(self._listen(client))
        try:
            await self._wake.wait()
        finally:
            self._client = None
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(BaseException):
                    await listener

    async def _connect(self, stack: AsyncExitStack, marker: str) -> Client:
        cfg = self.config
        transport: Any
        if cfg.url:
            headers = await asyncio.to_thread(resolve_secrets, cfg.headers, self._lookup)
            http = httpx2.AsyncClient(
                headers=headers, timeout=httpx2.Timeout(self.startup_timeout, read=300.0)
            )
            await stack.enter_async_context(http)
            transport = streamable_http_client(cfg.url, http_client=http)
        else:
            env = await asyncio.to_thread(resolve_secrets, cfg.env, self._lookup)
            env[MARKER_VAR] = marker
            self._tail = StderrTail(asyncio.get_running_loop(), on_eof=self._on_exit)
            params = StdioServerParameters(
                command=cfg.command, args=list(cfg.args), env=env, cwd=cfg.cwd or None
            )
            transport = bounded_stdio_client(
                params, errlog=self._tail.writer, on_fault=self._on_fault
            )
        client = Client(
            transport,
            read_timeout_seconds=self.startup_timeout,
            message_handler=self._on_message,
            client_info=types.Implementation(name="dsdesk", version=__version__),
            cache=None,  # every listing is fresh: a change must be seen, not served stale
        )
        await stack.enter_async_context(client)
        return client

    def _on_exit(self) -> None:
        self._down("the server exited")

    def _why_failed(self, exc: BaseException) -> str:
        while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]
        if self._fault:
            return self._fault
        if isinstance(exc, SecretMissing):
            return str(exc)
        if isinstance(exc, MCPError) and exc.code == types.REQUEST_TIMEOUT:
            return f"no answer within {self.startup_timeout:g} s"
        if isinstance(exc, FileNotFoundError):
            return f"cannot start {self.config.command!r}: no such program"
        if isinstance(exc, MCPError) and exc.code == types.CONNECTION_CLOSED:
            return "the server closed the connection while starting"
        return clean_server_text(f"{type(exc).__name__}: {_first(exc)}")

    async def _close(self, stack: AsyncExitStack, marker: str) -> None:
        # Not inside a scope of ours: the SDK's task groups must close in the scope they
        # opened in (its stdio shutdown shields itself and bounds every wait).
        try:
            await stack.aclose()
        except BaseException as exc:  # a crashed transport's task group: logged, not raised
            log.info("MCP server %s closed with %s", self.config.name, _first(exc))
        with anyio.CancelScope(shield=True):
            if not self.config.url:
                await asyncio.to_thread(kill_marked, marker)
            tail = self._tail
            if tail is not None:
                with anyio.move_on_after(1):  # the last words of a server that died
                    await tail.closed.wait()
                tail.close()
        if self.state.status is Status.RUNNING:
            if self._why_down and not self._stopping:
                self._set(status=Status.FAILED, detail=self._why_down)
            else:
                self._set(status=Status.STOPPED, detail="")

    # -- tools -----------------------------------------------------------------------------------

    async def _list(self, client: Client) -> tuple[types.Tool, ...]:
        found: list[types.Tool] = []
        cursor: str | None = None
        for _ in range(_MAX_PAGES):
            page = await client.list_tools(cursor=cursor)
            found += page.tools
            cursor = page.next_cursor
            if not cursor:
                break
        return tuple(found)

    async def relist(self) -> None:
        client = self._client
        if client is None:
            return
        try:
            tools = await self._list(client)
        except (MCPError, ValidationError, OSError) as exc:
            log.info("MCP server %s: re-listing tools failed: %s", self.config.name, exc)
            return
        if tools != self.state.tools and self.state.status is Status.RUNNING:
            self._set(tools=tools, generation=self.state.generation + 1)

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            asyncio.get_running_loop().create_task(self.relist())

    async def _listen(self, client: Client) -> None:
        """Tool-list changes on 2026-era connections come through a subscription."""
        try:
            async with client.listen(tools_list_changed=True) as sub:
                async for _event in sub:
                    await self.relist()
        except Exception as exc:  # not offered by this server: changes show on restart
            log.debug("MCP server %s: no change subscription (%s)", self.config.name, exc)

    # -- calls -----------------------------------------------------------------------------------

    async def call(self, tool: str, args: dict[str, Any], limit: float) -> types.CallToolResult:
        client = self._client
        if client is None or self.state.status is not Status.RUNNING:
            why = f" ({self.state.detail})" if self.state.detail else ""
            raise McpCallError(
                f"The MCP server {self.config.name!r} is not running{why}; the user can "
                "restart it in Settings ▸ Tools."
            )
        try:
            return await client.call_tool(tool, args, read_timeout_seconds=limit)
        except MCPError as exc:
            if exc.code == types.REQUEST_TIMEOUT:
                raise McpCallError(
                    f"{tool} on MCP server {self.config.name!r} gave no result within "
                    f"{limit:g} s; the call was abandoned."
                ) from None
            if exc.code == types.CONNECTION_CLOSED and self._fault:
                raise McpCallError(
                    f"{tool} on MCP server {self.config.name!r} failed: {self._fault} (the "
                    "user can restart it in Settings ▸ Tools)."
                ) from None
            if exc.code == types.CONNECTION_CLOSED:
                self._down("the server closed the connection")
                raise McpCallError(
                    f"The MCP server {self.config.name!r} closed the connection during "
                    f"{tool} (it may have crashed); it is stopped now."
                ) from None
            raise McpCallError(
                f"{tool} failed on MCP server {self.config.name!r}: "
                f"{clean_server_text(exc.message)[:2000]}"
            ) from None
        except ValidationError as exc:
            raise McpCallError(
                f"The MCP server {self.config.name!r} sent a malformed result for {tool} "
                f"({exc.error_count()} problems, e.g. {_first(exc)[:300]})."
            ) from None
        except (httpx2.HTTPError, OSError) as exc:
            raise McpCallError(
                f"{tool} on MCP server {self.config.name!r} failed: "
                f"{clean_server_text(_first(exc))[:500]}"
            ) from None


def _first(exc: BaseException) -> str:
    """The innermost message of an exception group, or the exception's own."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
