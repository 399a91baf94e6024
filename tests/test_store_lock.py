"""Opening the history while another dsdesk streams an answer leaves that answer alone; only a
store that opens alone recovers answers left ``streaming`` (real processes, real locks)."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsdesk.store import Store, StoreError, StreamWriter
from dsdesk.store import lock as lock_mod
from dsdesk.store.schema import LATEST_VERSION

REPO = Path(__file__).resolve().parents[1]

needs_flock = pytest.mark.skipif(sys.platform == "win32", reason="POSIX flock")

CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from pathlib import Path
    from dsdesk.store import Store

    store = Store(Path(sys.argv[2]))
    project = store.project("/src/app")
    conv = store.new_conversation(project.id)
    store.add_prompt(conv.id, "Explain the parser")
    w = store.begin_answer(conv.id, model="deepseek-v4-pro")
    w.append(content="The parser ", reasoning="hmm")
    w.append(content="reads tokens")
    w.flush()
    print(w.message_id, store.sole_instance, store.recovered, flush=True)
    sys.stdin.read()  # alive, the answer streaming, until killed
    """
)


def _status(db: Path, message_id: int) -> tuple[str, str]:
    """(status, content) as a plain connection sees it."""
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT status, content FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        return row[0], row[1]
    finally:
        conn.close()


def _streaming_answer(store: Store, text: str = "partial") -> StreamWriter:
    p = store.project("/p")
    c = store.new_conversation(p.id)
    store.add_prompt(c.id, "hello")
    w = store.begin_answer(c.id)
    w.append(content=text)
    w.flush()
    return w


@pytest.fixture
def child(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(REPO), str(tmp_path / "history.sqlite3")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_live_answer_of_another_process_is_not_recovered_until_it_dies(
    tmp_path: Path, child: subprocess.Popen[str]
) -> None:
    db = tmp_path / "history.sqlite3"
    assert child.stdout is not None
    line = child.stdout.readline().split()
    assert len(line) == 3, child.stderr.read() if child.stderr else ""
    message_id = int(line[0])
    assert line[1:] == ["True", "0"]  # the child opened alone (and found nothing to recover)

    second = Store(db)  # while the child is alive and streaming
    try:
        assert second.sole_instance is False
        assert second.recovered == 0
        m = second.message(message_id)
        assert (m.status, m.content, m.reasoning) == ("streaming", "The parser reads tokens", "hmm")
    finally:
        second.close()
    assert _status(db, message_id) == ("streaming", "The parser reads tokens")

    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    third = Store(db)  # the child's lock died with it
    try:
        assert third.sole_instance is True
        assert third.recovered == 1
        m = third.message(message_id)
        assert (m.status, m.content) == ("interrupted", "The parser reads tokens")
    finally:
        third.close()


def test_a_second_store_in_the_same_process_leaves_the_first_ones_answer(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    first = Store(db)
    second: Store | None = None
    try:
        assert first.sole_instance is True
        w = _streaming_answer(first, "half ")
        second = Store(db)
        assert (second.sole_instance, second.recovered) == (False, 0)
        assert second.message(w.message_id).status == "streaming"
        w.append(content="and the rest")
        w.finish("done")  # the first store goes on writing its answer
        m = second.message(w.message_id)
        assert (m.status, m.content) == ("done", "half and the rest")

        # an answer still streaming when its store closes waits for a store that opens alone
        left = _streaming_answer(first, "cut")
        first.close()
        third = Store(db)  # the second store is still open: not alone, nothing recovered
        assert (third.sole_instance, third.recovered) == (False, 0)
        third.close()
        second.close()
        fourth = Store(db)
        assert (fourth.sole_instance, fourth.recovered) == (True, 1)
        assert fourth.message(left.message_id).status == "interrupted"
        fourth.close()
    finally:
        first.close()
        if second is not None:
            second.close()


def test_close_twice_is_fine_and_releases_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    store = Store(db)
    assert (db.parent / "history.sqlite3.lock").exists()
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.projects()
    again = Store(db)  # alone again: the closed store holds nothing
    try:
        assert again.sole_instance is True
    finally:
        again.close()
        again.close()


@needs_flock
def test_a_failed_open_releases_its_lock(tmp_path: Path) -> None:
    import fcntl

    db = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer dsdesk"):
        Store(db)
    fd = os.open(db.parent / "history.sqlite3.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # would raise if the lock were kept
    finally:
        os.close(fd)


@needs_flock
def test_an_open_waits_for_a_store_that_is_recovering_then_gives_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    db = tmp_path / "history.sqlite3"
    Store(db).close()
    fd = os.open(db.parent / "history.sqlite3.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a store opening alone holds it while recovering
        monkeypatch.setattr(lock_mod, "SHARED_WAIT", 0.2)
        with pytest.raises(StoreError, match="busy"):
            Store(db)
        fcntl.flock(fd, fcntl.LOCK_SH)  # an open store (shared): others may open, not alone
        store = Store(db)
        assert (store.sole_instance, store.recovered) == (False, 0)
        store.close()
    finally:
        os.close(fd)


def test_without_file_locks_the_store_opens_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "history.sqlite3"
    first = Store(db)
    w = _streaming_answer(first)
    first.close()

    def no_locks(fd: int, exclusive: bool) -> bool:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(lock_mod, "_try_lock", no_locks)
    store = Store(db)  # e.g. a network file system without locks: recover, as before locks
    try:
        assert (store.sole_instance, store.recovered) == (True, 1)
        assert store.message(w.message_id).status == "interrupted"
    finally:
        store.close()
