"""Process-wide set-up for long sessions: malloc arenas, collection on the GUI thread, one TLS
context (dsdesk.core.memory, dsdesk.services.main_thread_gc, dsdesk.llm.tls)."""

from __future__ import annotations

import gc
import os
import platform
import ssl
import subprocess
import sys
import textwrap

import pytest

from dsdesk.app import GIL_SWITCH_S
from dsdesk.llm.tls import ssl_context
from dsdesk.services.main_thread_gc import MainThreadGC

_ARENAS = textwrap.dedent(
    """
    import ctypes, sys, threading
    from dsdesk.core.memory import limit_malloc_arenas
    if sys.argv[1] == "cap":
        assert limit_malloc_arenas(2)
    barrier = threading.Barrier(8)
    def work():
        barrier.wait()  # all at once: each thread contends and gets its own arena if it may
        for _ in range(200):
            junk = [bytearray(2000) for _ in range(500)]
            del junk
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    ctypes.CDLL("libc.so.6").malloc_stats()  # one "Arena N:" block per arena, on stderr
    """
)


def _arenas(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _ARENAS, mode], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return sum(1 for line in done.stderr.splitlines() if line.startswith("Arena "))


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_the_arena_cap_holds_with_many_threads() -> None:
    free = _arenas("free")
    capped = _arenas("cap")
    assert capped <= 2
    assert free > capped  # without the cap, the same threads spread over more arenas


@pytest.fixture
def collector(qapp):
    c = MainThreadGC()
    c.start()
    yield c
    c.stop()
    gc.unfreeze()
    gc.disable()  # the test session keeps automatic collection off (conftest)


def _make_oldest_generation_due() -> None:
    for _ in range(gc.get_threshold()[2] + 1):
        gc.collect(1)  # each one counts towards the oldest generation


def test_full_collections_are_spaced_out(collector: MainThreadGC) -> None:
    collector.freeze_startup()  # just collected in full
    _make_oldest_generation_due()
    assert collector.collect_if_due() != 2  # due by the counts, but one ran a moment ago
    collector.FULL_EVERY_S = 0.0
    collector.set_busy(True)  # an answer streams: only the young generations
    assert collector.collect_if_due() != 2
    collector.set_busy(False)
    assert collector.collect_if_due() != 2  # the turn just ended: its answer is being read
    collector.SETTLE_S = 0.0
    assert collector.collect_if_due() == 2
    assert gc.get_count()[2] == 0


def test_startup_objects_are_frozen_out_of_collections(collector: MainThreadGC) -> None:
    kept = [object() for _ in range(1000)]
    collector.freeze_startup()
    assert gc.get_freeze_count() >= len(kept)


def test_one_tls_context_for_every_client() -> None:
    ctx = ssl_context()
    assert ctx is ssl_context()
    assert ctx.verify_mode is ssl.CERT_REQUIRED and ctx.check_hostname


def test_the_mcp_sdk_is_loaded_only_when_a_server_starts() -> None:
    # Half a second and ~40 MB at every start, for users who have no MCP server.
    code = (
        "import sys, dsdesk.ui.main_window, dsdesk.cli.agent, dsdesk.services.mcp\n"
        "print(sorted(m for m in ('mcp', 'mcp_types', 'httpx2', 'pydantic') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_window_process_leaves_a_core_and_the_gil_to_the_gui_thread() -> None:
    code = (
        "import os, sys\n"
        "from dsdesk.app import prepare_process\n"
        "prepare_process()\n"
        "from dsdesk.workspace.tokenizer_data import v4_counter\n"
        "v4_counter().count_many(['x = 1\\n' * 2000] * 64)\n"
        "print(os.environ['RAYON_NUM_THREADS'], sys.getswitchinterval(),"
        " len(os.listdir('/proc/self/task')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "RAYON_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    workers, interval, threads = done.stdout.split()
    assert int(workers) == max(1, (os.cpu_count() or 2) - 1)
    assert float(interval) == pytest.approx(GIL_SWITCH_S)
    assert GIL_SWITCH_S < 0.005  # not the 5 ms default
    # the main thread, the token counter's workers, at most the TLS warm-up still finishing
    assert int(threads) <= 2 + int(workers)
    env["RAYON_NUM_THREADS"] = "3"  # the user's own setting wins
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.stdout.split()[0] == "3"
