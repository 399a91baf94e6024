"""MCP servers through the hub, over stdio and streamable HTTP: tools, calls, and every way a
server can misbehave (fails to start, hangs, crashes mid-call, floods stderr, sends huge or
malformed results) — the caller's loop keeps running and every call gets an answer."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsdesk.agent.mcp.config import ServerConfig
from dsdesk.agent.mcp.hub import McpHub
from dsdesk.agent.mcp.state import Status
from dsdesk.agent.mcp.tools import McpTool, make_tools
from dsdesk.agent.tools.base import MAX_OUTPUT_BYTES, Effect, ToolContext, ToolResult
from dsdesk.agent.tools.registry import run_call
from tests.mcp_helpers import RAW, free_port, http_server, started, stdio, toy_server

TRANSPORTS = ["stdio", "http"]


@pytest.fixture
def hub() -> Iterator[McpHub]:
    h = McpHub(startup_timeout=8, call_timeout=3)
    yield h
    h.close()


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext(root=tmp_path, data_dir=tmp_path / "data")


def call(tools: list[McpTool], name: str, args: str, ctx: ToolContext) -> ToolResult:
    return asyncio.run(run_call(tools, name, args, ctx))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_tools_are_named_typed_by_their_hints_and_called(
    hub: McpHub, ctx: ToolContext, transport: str
) -> None:
    with toy_server(transport) as cfg:
        started(hub, cfg)
        state = hub.state("toy")
        assert state is not None and state.status is Status.RUNNING, state
        tools = make_tools(hub.states(), hub)
        by_name = {t.name: t for t in tools}
        assert {"mcp__toy__echo", "mcp__toy__add", "mcp__toy__wipe"} <= set(by_name)
        echo, add, wipe = (by_name[f"mcp__toy__{n}"] for n in ("echo", "add", "wipe"))
        assert (echo.effect, echo.destructive) == (Effect.READ, False)  # readOnlyHint
        assert (add.effect, add.destructive) == (Effect.EXTERNAL, False)  # destructiveHint false
        assert (wipe.effect, wipe.destructive) == (Effect.EXTERNAL, True)  # no hints
        assert echo.parameters["properties"]["text"]["type"] == "string"
        assert echo.description.startswith("[MCP server toy] Say the text back")
        result = call(tools, "mcp__toy__echo", '{"text": "hi"}', ctx)
        assert (result.text, result.is_error) == ("echo: hi", False)
        assert call(tools, "mcp__toy__add", '{"a": 2, "b": 40}', ctx).text == "42"
        # The schema is checked before anything reaches the server.
        bad = call(tools, "mcp__toy__add", '{"a": "two", "b": 1}', ctx)
        assert bad.is_error and "must be an integer" in bad.text


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_huge_result_is_cut_like_a_built_in_tool_and_kept_for_read_output(
    hub: McpHub, ctx: ToolContext, transport: str
) -> None:
    with toy_server(transport) as cfg:
        tools = make_tools(started(hub, cfg).states(), hub)
        result = call(tools, "mcp__toy__big", '{"lines": 20000}', ctx)
    assert not result.is_error
    assert len(result.text.encode()) < MAX_OUTPUT_BYTES + 500
    assert result.text.startswith("line 0 ") and "line 19999 " in result.text
    assert "cut" in result.text and "read_output" in result.text
    out_id = result.text.split('read_output(id="')[1].split('"')[0]
    assert ctx.outputs.get(out_id) is not None


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_non_text_content_is_summarised_not_pasted(
    hub: McpHub, ctx: ToolContext, transport: str
) -> None:
    with toy_server(transport) as cfg:
        tools = make_tools(started(hub, cfg).states(), hub)
        result = call(tools, "mcp__toy__image", "{}", ctx)
    assert result.text.startswith("a red dot\n[image image/png, ")
    assert result.text.endswith("not shown]") and "iVBOR" not in result.text
    assert result.summary == "2 lines · 1 non-text part"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_hanging_call_times_out_without_blocking_the_callers_loop(
    hub: McpHub, ctx: ToolContext, transport: str
) -> None:
    with toy_server(transport) as cfg:
        tools = make_tools(started(hub, cfg).states(), hub)

        async def go() -> tuple[ToolResult, int]:
            ticks = 0
            done = asyncio.Event()

            async def ticker() -> None:
                nonlocal ticks
                while not done.is_set():
                    ticks += 1
                    await asyncio.sleep(0.01)

            task = asyncio.create_task(ticker())
            result = await run_call(tools, "mcp__toy__slow", '{"seconds": 60}', ctx)
            done.set()
            await task
            return result, ticks

        result, ticks = asyncio.run(go())
        assert result.is_error and "gave no result within 3 s" in result.text
        assert ticks > 50  # the caller's loop ran all along (3 s of 10 ms ticks)
        # The server is still there for the next call.
        assert call(tools, "mcp__toy__echo", '{"text": "still"}', ctx).text == "echo: still"


def test_cancelling_a_call_on_the_callers_loop_cancels_it_on_the_hub(
    hub: McpHub, ctx: ToolContext
) -> None:
    with toy_server("stdio") as cfg:
        tools = make_tools(started(hub, cfg).states(), hub)

        async def go() -> None:
            task = asyncio.create_task(run_call(tools, "mcp__toy__slow", '{"seconds": 60}', ctx))
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(go())
        assert call(tools, "mcp__toy__echo", '{"text": "x"}', ctx).text == "echo: x"


def test_a_crash_mid_call_over_stdio_answers_the_call_and_marks_the_server(
    hub: McpHub, ctx: ToolContext
) -> None:
    with toy_server("stdio") as cfg:
        tools = make_tools(started(hub, cfg).states(), hub)
        result = call(tools, "mcp__toy__crash", "{}", ctx)
        assert result.is_error and "closed the connection during crash" in result.text
        deadline = time.monotonic() + 10
        while hub.state("toy").status is not Status.FAILED:  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.02)
        again = call(tools, "mcp__toy__echo", '{"text": "x"}', ctx)
        assert again.is_error and "is not running" in again.text and "restart" in again.text
        hub.restart("toy").result(10)
        hub.wait_started_sync(20)
        assert call(tools, "mcp__toy__echo", '{"text": "back"}', ctx).text == "echo: back"


def test_a_crash_mid_call_over_http_answers_the_call(hub: McpHub, ctx: ToolContext) -> None:
    with toy_server("http") as cfg:
        tools = make_tools(started(hub, cfg).states(), hub)
        result = call(tools, "mcp__toy__crash", "{}", ctx)
        assert result.is_error and "toy" in result.text
        again = call(tools, "mcp__toy__echo", '{"text": "x"}', ctx)
        assert again.is_error


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_malformed_result_is_an_error_for_the_model_and_the_server_goes_on(
    hub: McpHub, ctx: ToolContext, transport: str
) -> None:
    if transport == "stdio":
        cfg = stdio("raw", RAW)
        tools = make_tools(started(hub, cfg).states(), hub)
        bad = call(tools, "mcp__raw__bad", "{}", ctx)
        ok = call(tools, "mcp__raw__ok", "{}", ctx)
    else:
        with http_server(RAW) as (url, _proc):
            tools = make_tools(started(hub, ServerConfig("raw", "user", url=url)).states(), hub)
            bad = call(tools, "mcp__raw__bad", "{}", ctx)
            ok = call(tools, "mcp__raw__ok", "{}", ctx)
    assert bad.is_error and "raw" in bad.text, bad
    assert "malformed" in bad.text or "failed" in bad.text
    assert (ok.text, ok.is_error) == ("fine", False)


def test_servers_that_do_not_start_say_why_and_the_others_run(hub: McpHub) -> None:
    hang_port = free_port()
    silent = socket.socket()
    silent.bind(("127.0.0.1", hang_port))
    silent.listen()  # accepts connections, never answers
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    hub.startup_timeout = 2
    try:
        started(
            hub,
            stdio("ok"),
            stdio("dies", RAW.parent / "toy.py", "die-start"),
            stdio("hangs", RAW.parent / "toy.py", "hang-start"),
            ServerConfig("nothing", "user", command="/nonexistent/mcp-server"),
            ServerConfig("refused", "user", url=f"http://127.0.0.1:{free_port()}/mcp"),
            ServerConfig("silent", "user", url=f"http://127.0.0.1:{hang_port}/mcp"),
            ServerConfig("secret", "user", command="true", env=(("TOKEN", "keyring:absent"),)),
        )
    finally:
        stop.set()
        thread.join()
        silent.close()
        for s in accepted:
            s.close()
    states = {s.name: s for s in hub.states()}
    assert list(states) == ["ok", "dies", "hangs", "nothing", "refused", "silent", "secret"]
    assert states["ok"].status is Status.RUNNING
    failed = {n: s.detail for n, s in states.items() if s.status is Status.FAILED}
    assert set(failed) == set(states) - {"ok"}
    assert "closed the connection while starting" in failed["dies"]
    assert "no database at /nowhere" in states["dies"].stderr  # its last words are kept
    assert failed["hangs"] == "no answer within 2 s"
    assert failed["nothing"] == "cannot start '/nonexistent/mcp-server': no such program"
    assert "Connect" in failed["refused"] or "refused" in failed["refused"].lower()
    assert failed["silent"] == "no answer within 2 s"
    assert "keyring entry 'absent'" in failed["secret"]


def test_a_server_flooding_stderr_keeps_working_and_only_a_tail_is_kept(
    hub: McpHub, ctx: ToolContext
) -> None:
    cfg = stdio("flood", RAW.parent / "toy.py", "flood-stderr")
    tools = make_tools(started(hub, cfg).states(), hub)
    for n in range(3):  # each call writes 4 MB to stderr before answering
        assert call(tools, "mcp__flood__echo", f'{{"text": "{n}"}}', ctx).text == f"echo: {n}"
    tail = hub._conns["flood"]._tail  # the drained pipe: what was read, what is kept
    assert tail is not None and tail.total >= 16_000_000
    assert len(tail.tail(10_000)) <= 16 * 1024


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_changed_tool_list_is_noticed_and_a_built_tool_list_stays_as_it_was(
    hub: McpHub, ctx: ToolContext, transport: str
) -> None:
    seen: list[int] = []
    hub.add_listener(lambda s: seen.append(s.generation))
    with toy_server(transport) as cfg:
        tools = make_tools(started(hub, cfg).states(), hub)
        names = [t.name for t in tools]
        first = hub.state("toy").generation  # type: ignore[union-attr]
        assert call(tools, "mcp__toy__grow", "{}", ctx).text == "grown"
        deadline = time.monotonic() + 10
        while hub.state("toy").generation == first:  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "the change was not noticed"
            time.sleep(0.02)
        now = [t.name for t in make_tools(hub.states(), hub)]
    assert "mcp__toy__extra" in now and "mcp__toy__extra" not in names
    assert [t.name for t in tools] == names  # what a session took is not touched
    assert seen[-1] == first + 1


def test_a_list_changed_notification_from_a_handshake_era_server_is_noticed(
    hub: McpHub, ctx: ToolContext
) -> None:
    tools = make_tools(started(hub, stdio("raw", RAW)).states(), hub)
    first = hub.state("raw").generation  # type: ignore[union-attr]
    assert call(tools, "mcp__raw__grow", "{}", ctx).text == "grown"
    deadline = time.monotonic() + 10
    while hub.state("raw").generation == first:  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the notification was not acted on"
        time.sleep(0.02)
    assert "extra" in [t.name for t in hub.state("raw").tools]  # type: ignore[union-attr]


def test_no_servers_start_no_thread_until_one_is_configured(hub: McpHub) -> None:
    def hub_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "dsdesk-mcp" and t.is_alive()]

    hub.configure([]).result(1)
    assert hub_threads() == []
    with toy_server("stdio") as cfg:
        started(hub, cfg)
        assert len(hub_threads()) == 1
        assert hub.state("toy").status is Status.RUNNING
    hub.close()
    assert hub_threads() == []
