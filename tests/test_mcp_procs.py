"""Servers stop with dsdesk: no process of a server's tree outlives the hub — not one that
ignores SIGTERM and stdin's end, nor a grandchild that left the process group."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dsdesk.agent.mcp.hub import McpHub
from dsdesk.agent.mcp.procs import marked_pids
from dsdesk.agent.mcp.state import Status
from tests.mcp_helpers import TOY, alive, started, stdio

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="Linux /proc")


def pids_of(pidfile: Path) -> list[int]:
    deadline = time.monotonic() + 10
    while not pidfile.exists() or not pidfile.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return [int(p) for p in pidfile.read_text().split()]


def test_stubborn_servers_and_escaped_grandchildren_are_gone_after_close(tmp_path: Path) -> None:
    hub = McpHub(startup_timeout=10, call_timeout=3)
    polite, stubborn = tmp_path / "polite.pids", tmp_path / "stubborn.pids"
    started(
        hub,
        stdio("polite", TOY, "--pidfile", str(polite), "grandchild"),
        stdio("stubborn", TOY, "--pidfile", str(stubborn), "ignore-term", "grandchild"),
    )
    assert all(s.status is Status.RUNNING for s in hub.states())
    pids = pids_of(polite) + pids_of(stubborn)
    assert len(pids) == 4 and all(alive(p) for p in pids)
    began = time.monotonic()
    hub.close()
    took = time.monotonic() - began
    left = [p for p in pids if alive(p)]
    assert left == [], f"left running: {left}"
    print(f"closed 2 servers (one stubborn) with their grandchildren in {took:.1f} s")


def test_a_restart_leaves_no_process_of_the_old_server(tmp_path: Path) -> None:
    hub = McpHub(startup_timeout=10, call_timeout=3)
    pidfile = tmp_path / "toy.pids"
    try:
        started(hub, stdio("toy", TOY, "--pidfile", str(pidfile), "grandchild"))
        old = pids_of(pidfile)
        pidfile.unlink()
        hub.restart("toy").result(30)
        hub.wait_started_sync(30)
        new = pids_of(pidfile)
        assert not any(alive(p) for p in old)
        assert all(alive(p) for p in new)
    finally:
        hub.close()
    assert not any(alive(p) for p in new)


def test_each_server_is_marked_so_its_processes_can_be_found(tmp_path: Path) -> None:
    hub = McpHub(startup_timeout=10, call_timeout=3)
    pidfile = tmp_path / "toy.pids"
    try:
        started(hub, stdio("toy", TOY, "--pidfile", str(pidfile), "grandchild"))
        marker = hub._conns["toy"]._marker  # the value in the server's environment
        assert sorted(marked_pids(marker)) == sorted(pids_of(pidfile))
    finally:
        hub.close()
    assert marked_pids(marker) == []
