"""The WAL is copied back into the database file by a thread of its own, not inside a commit
(that had stalled the GUI thread recording an agent turn, ~5 ms per hundred commits); commits
do it only past ``FALLBACK_CHECKPOINT_PAGES``."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from dsdesk.store import Store
from dsdesk.store.db import CHECKPOINT_EVERY, DB_NAME, FALLBACK_CHECKPOINT_PAGES


def wal_size(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_commits_leave_checkpoints_to_the_checkpointer_thread(
    tmp_path: Path,
) -> None:
    path = tmp_path / DB_NAME
    store = Store(path)
    conv = store.new_conversation(store.project(tmp_path).id)
    [(autocheckpoint,)] = store.db.connection().execute("PRAGMA wal_autocheckpoint").fetchall()
    assert autocheckpoint == FALLBACK_CHECKPOINT_PAGES  # commits leave it to the thread
    text = "line of tool output\n" * 200  # ~4 kB a message
    parent = store.add_prompt(conv.id, "go").id
    batches = 6
    for b in range(batches):  # rounds of tool results, with the pauses a turn has
        done = store.db.checkpoints_done
        for n in range(CHECKPOINT_EVERY):
            parent = store.add_message(
                conv.id, "tool", f"{b}.{n} {text}", parent_id=parent, tool_call_id=f"c{b}.{n}"
            ).id
        deadline = time.monotonic() + 10
        while store.db.checkpoints_done == done:
            assert time.monotonic() < deadline, "no checkpoint came"
            time.sleep(0.01)
        # one complete checkpoint per batch, in the checkpointer's thread: the commits of
        # this (the GUI) thread copied nothing back
    assert store.db.checkpoints_done >= batches
    store.close()
    assert not [t for t in threading.enumerate() if t.name == "history-checkpoint"]
    assert wal_size(path) == 0  # the last connection closed copied back the rest
    with sqlite3.connect(path) as conn:
        (count,) = conn.execute("SELECT count(*) FROM messages WHERE role = 'tool'").fetchone()
    assert count == batches * CHECKPOINT_EVERY


def test_a_store_that_commits_little_starts_no_thread(tmp_path: Path) -> None:
    store = Store(tmp_path / DB_NAME)
    conv = store.new_conversation(store.project(tmp_path).id)
    store.add_prompt(conv.id, "one question")
    assert not [t for t in threading.enumerate() if t.name == "history-checkpoint"]
    store.close()
