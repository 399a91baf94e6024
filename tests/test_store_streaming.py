"""Answers are written while they stream (coalesced, at most every interval), and survive a
real SIGKILL mid-answer, reopened as ``interrupted``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsdesk.core.events import Usage
from dsdesk.store import Store, StoreError, StreamWriter
from tests.store_fixtures import Clock


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "history.sqlite3")
    yield s
    s.close()


def _on_disk(store: Store, message_id: int) -> tuple[str, str | None, str]:
    """What another process would read now (a fresh connection)."""
    import sqlite3

    conn = sqlite3.connect(store.path)
    try:
        row = conn.execute(
            "SELECT content, reasoning, status FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        return row[0], row[1], row[2]
    finally:
        conn.close()


def _writer(store: Store, clock: Clock, interval: float = 1.0) -> StreamWriter:
    p = store.project("/p")
    c = store.new_conversation(p.id)
    store.add_prompt(c.id, "hello")
    w = store.begin_answer(c.id, model="deepseek-v4-pro", thinking=True, effort="high")
    # the same message, with the writer's interval driven by a fake monotonic clock
    return StreamWriter(store.db, w.message_id, c.id, interval=interval, monotonic=clock)


def test_deltas_are_coalesced_and_written_at_most_every_interval(store: Store) -> None:
    mono = Clock(0.0)
    w = _writer(store, mono)
    for ch in "Hel":
        w.append(content=ch, reasoning="r")
        mono.t += 0.2
    assert w.writes == 0
    assert _on_disk(store, w.message_id) == ("", None, "streaming")
    mono.t += 0.5  # 1.1 s since the writer started
    w.append(content="lo")
    assert w.writes == 1
    assert _on_disk(store, w.message_id) == ("Hello", "rrr", "streaming")
    w.append(content=" world")
    assert w.writes == 1  # not due yet
    assert w.flush_if_due() is False
    mono.t += 1.0
    assert w.flush_if_due() is True  # a stalled stream is written by the timer call
    assert _on_disk(store, w.message_id) == ("Hello world", "rrr", "streaming")
    w.append(content="!")
    w.flush()
    assert _on_disk(store, w.message_id)[0] == "Hello world!"
    # still streaming: not in the search index yet
    assert store.search("world") == []


def test_finish_writes_the_rest_and_the_metadata(store: Store) -> None:
    p = store.project("/p")
    c = store.new_conversation(p.id)
    store.add_prompt(c.id, "hello")
    w = store.begin_answer(c.id, model="deepseek-v4-pro", thinking=True, effort="max")
    w.append(reasoning="Let me think.")
    w.append(content="Hi there")
    usage = Usage(120, 30, 100, 20, reasoning_tokens=12)
    w.finish("done", finish_reason="stop", usage=usage)
    w.finish("error")  # idempotent
    m = store.message(w.message_id)
    assert (m.content, m.reasoning, m.status) == ("Hi there", "Let me think.", "done")
    assert (m.model, m.thinking, m.effort, m.finish_reason) == (
        "deepseek-v4-pro",
        True,
        "max",
        "stop",
    )
    assert m.usage == usage
    assert [h.message_id for h in store.search("there")] == [m.id]
    with pytest.raises(StoreError):
        w.append(content="more")
    with pytest.raises(ValueError):
        w.finish("streaming")


def test_as_a_context_manager_it_always_finishes(store: Store) -> None:
    p = store.project("/p")
    c = store.new_conversation(p.id)
    store.add_prompt(c.id, "hello")
    with store.begin_answer(c.id) as w:
        w.append(content="fine")
    assert store.message(w.message_id).status == "done"

    with pytest.raises(RuntimeError), store.begin_answer(c.id) as w:
        w.append(content="half")
        raise RuntimeError("connection reset")
    m = store.message(w.message_id)
    assert (m.content, m.status, m.error) == ("half", "error", "connection reset")

    async def answer() -> None:
        with store.begin_answer(c.id) as w:
            w.append(content="par")
            await asyncio.sleep(30)

    async def run() -> None:
        task = asyncio.create_task(answer())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    last = store.thread(c.id).messages[-1]
    assert (last.content, last.status) == ("par", "stopped")


def test_writers_in_several_threads(store: Store) -> None:
    p = store.project("/p")
    ids = [store.new_conversation(p.id).id for _ in range(4)]

    def work(cid: int) -> None:
        store.add_prompt(cid, f"prompt {cid}")
        with store.begin_answer(cid, interval=0.0) as w:
            for i in range(50):
                w.append(content=f"{i},")

    threads = [threading.Thread(target=work, args=(cid,)) for cid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for cid in ids:
        answer = store.thread(cid).messages[-1]
        assert answer.content == "".join(f"{i}," for i in range(50))
        assert answer.status == "done"


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from dsdesk.store import Store

    store = Store(Path(sys.argv[1]))
    project = store.project("/src/app")
    conv = store.new_conversation(project.id)
    store.add_prompt(conv.id, "Explain the parser")
    w = store.begin_answer(conv.id, model="deepseek-v4-pro", thinking=True, interval=0.05)
    i = 0
    while True:
        w.append(content=f"tok{i} ", reasoning="." if i < 20 else "")
        if i == 100:
            w.flush()
            print(w.message_id, flush=True)
        i += 1
        time.sleep(0.001)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_answer_keeps_the_text_marked_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip().isdigit(), child.stderr.read() if child.stderr else ""
        message_id = int(line)
        threading.Event().wait(0.4)  # keep streaming (and writing every 50 ms) for a while
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for pipe in (child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
    assert child.returncode == -signal.SIGKILL

    store = Store(db)
    try:
        assert store.recovered == 1
        m = store.message(message_id)
        assert m.status == "interrupted"
        assert m.reasoning == "." * 20
        words = m.content.split()
        assert len(words) > 101  # more than the explicit flush: the timed writes kept going
        assert words == [f"tok{i}" for i in range(len(words))]  # a clean prefix, no gaps
        assert m.model == "deepseek-v4-pro" and m.thinking is True
        assert [h.message_id for h in store.search("tok3")] == [message_id]
        conn = store.db.connection()
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        store.close()
    reopened = Store(db)
    assert reopened.recovered == 0
    reopened.close()


def test_a_failed_timed_write_does_not_break_the_stream(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    mono = Clock(0.0)
    w = _writer(store, mono)
    real = store.db.transaction

    def busy() -> None:
        raise StoreError("The conversation history is busy.")

    monkeypatch.setattr(store.db, "transaction", busy)
    mono.t += 2
    w.append(content="kept ")  # the write fails: kept in memory, reported, retried
    assert w.flush_error is not None and w.pending
    monkeypatch.setattr(store.db, "transaction", real)
    mono.t += 2
    w.append(content="in order")
    assert w.flush_error is None and not w.pending
    assert _on_disk(store, w.message_id)[0] == "kept in order"
