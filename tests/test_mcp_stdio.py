"""The stdio transport's bound on one message: a server that sends a line of 40 MB, or 40 MB
that never end in a newline, costs dsdesk at most the limit (16 MB) — the call fails saying so,
the server is stopped, and the other servers go on. Real processes (tests/mcp_servers/raw.py)."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from anyio.abc import ByteReceiveStream
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

from dsdesk.agent.mcp.hub import McpHub
from dsdesk.agent.mcp.procs import marked_pids
from dsdesk.agent.mcp.state import Status
from dsdesk.agent.mcp.stdio_bounded import MessageTooLarge, _lines, bounded_stdio_client
from dsdesk.agent.mcp.tools import make_tools
from dsdesk.agent.tools.base import ToolContext
from dsdesk.agent.tools.registry import run_call
from tests.mcp_helpers import RAW, TOY, started, stdio

MB = 2**20
_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _peak_rss() -> int:
    match = re.search(r"VmHWM:\s+(\d+) kB", _STATUS.read_text())
    assert match is not None
    return int(match.group(1)) * 1024


def _rss() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096


@pytest.fixture
def hub() -> Iterator[McpHub]:
    h = McpHub(startup_timeout=10, call_timeout=60)
    yield h
    h.close()


@pytest.mark.skipif(not _CLEAR_REFS.exists(), reason="Linux /proc (peak RSS reset)")
@pytest.mark.parametrize("tool", ["huge", "unending"])
def test_a_message_over_the_limit_costs_at_most_the_limit_and_stops_only_that_server(
    hub: McpHub, tmp_path: Path, tool: str
) -> None:
    started(hub, stdio("raw", RAW), stdio("toy", TOY))
    tools = {t.name: t for t in make_tools(hub.states(), hub)}
    ctx = ToolContext(root=tmp_path, data_dir=tmp_path / "data")
    marker = hub._conns["raw"]._marker
    pids = marked_pids(marker)
    assert pids
    _CLEAR_REFS.write_text("5")  # the peak RSS starts again from the current RSS
    before = _rss()
    result = asyncio.run(run_call(list(tools.values()), f"mcp__raw__{tool}", '{"mb": 40}', ctx))
    grew = _peak_rss() - before
    print(f"{tool}: 40 MB sent, peak RSS grew {grew / MB:.1f} MB")
    assert grew < 30 * MB
    assert result.is_error and "the server sent a message over 16 MB; stopped" in result.text
    deadline = time.monotonic() + 15
    while hub.state("raw").status is not Status.FAILED or marked_pids(marker):  # type: ignore[union-attr]
        assert time.monotonic() < deadline, (hub.state("raw"), marked_pids(marker))
        time.sleep(0.02)
    assert "over 16 MB" in hub.state("raw").detail  # type: ignore[union-attr]
    echo = asyncio.run(run_call(list(tools.values()), "mcp__toy__echo", '{"text": "hi"}', ctx))
    assert (echo.text, echo.is_error) == ("echo: hi", False)
    hub.restart("raw").result(30)
    hub.wait_started_sync(30)
    ok = asyncio.run(run_call(list(tools.values()), "mcp__raw__ok", "{}", ctx))
    assert (ok.text, ok.is_error) == ("fine", False)


def test_the_sdk_client_runs_unchanged_over_it_up_to_the_limit_and_hears_why_past_it() -> None:
    faults: list[str] = []
    heard: list[Any] = []

    async def on_message(message: Any) -> None:
        heard.append(message)

    async def main() -> tuple[str, MCPError]:
        params = StdioServerParameters(command=sys.executable, args=[str(RAW)])
        transport = bounded_stdio_client(params, max_line=MB, on_fault=faults.append)
        async with Client(transport, message_handler=on_message) as client:
            fits = await client.call_tool("huge", {"mb": 0.9})
            assert not faults
            with pytest.raises(MCPError) as caught:
                await client.call_tool("huge", {"mb": 1.1})
            block = fits.content[0]
            assert isinstance(block, types.TextContent)
            return block.text, caught.value

    text, error = anyio.run(main)
    assert text == "x" * int(0.9 * MB)
    assert error.code == types.CONNECTION_CLOSED
    assert faults == ["the server sent a message over 1 MB; stopped"]
    assert any(isinstance(m, MessageTooLarge) for m in heard)


class _Chunks(ByteReceiveStream):
    def __init__(self, *chunks: bytes) -> None:
        self._chunks = list(chunks)

    async def receive(self, max_bytes: int = 65536) -> bytes:
        if not self._chunks:
            raise anyio.EndOfStream
        return self._chunks.pop(0)

    async def aclose(self) -> None:
        pass


async def _collect(lines: AsyncIterator[bytes]) -> list[bytes]:
    return [line async for line in lines]


def test_lines_are_cut_at_newlines_across_reads_and_counted_ended_or_not() -> None:
    got = anyio.run(_collect, _lines(_Chunks(b"a\nbb", b"b\n\ncc", b"cc\n", b"dd"), 4))
    assert got == [b"a", b"bbb", b"", b"cccc"]  # an unended tail at EOF is no message
    with pytest.raises(MessageTooLarge, match="over 4 bytes; stopped"):
        anyio.run(_collect, _lines(_Chunks(b"ok\n12", b"345\n"), 4))
    with pytest.raises(MessageTooLarge):  # never ended: counted all the same
        anyio.run(_collect, _lines(_Chunks(b"123", b"45"), 4))
