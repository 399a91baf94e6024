"""Schema migrations: from every earlier version (a fixture builder per version), with the
backup taken first and the data kept; newer files refused; a failed step rolled back."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from dsdesk.core.messages import ToolCallRecord
from dsdesk.store import LATEST_VERSION, Store, StoreError
from dsdesk.store import schema as schema_mod
from dsdesk.store.schema import MIGRATIONS, backup_path

T0 = 1_700_000_000.0

# A released step never changes: a new schema is a new step. Update this list only by appending.
PINNED_STEPS = [
    "e0af9930c711aee1",
    "bcec5f8ae9201a35",
    "d2a443099e25bcee",
    "de249a43c0621b77",
    "b97ae6e5d28c81ba",
]


def test_released_steps_are_frozen() -> None:
    hashes = [hashlib.sha256("\n".join(s).encode()).hexdigest()[:16] for s in MIGRATIONS]
    assert hashes[: len(PINNED_STEPS)] == PINNED_STEPS
    assert len(PINNED_STEPS) == LATEST_VERSION, "pin the hash of the new step"


# -- fixture builders: a database as each earlier version wrote it -----------------------------


def _schema(path: Path, version: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for step in MIGRATIONS[:version]:
        for statement in step:
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def _v1_rows(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO projects VALUES (1, '/src/app', 'app', ?)", (T0,))
    conn.executemany(
        "INSERT INTO conversations(id, project_id, title, created_at, updated_at, active_leaf_id)"
        " VALUES (?, 1, ?, ?, ?, ?)",
        [(1, "Parser bug", T0, T0 + 10, 2), (2, "Killed", T0, T0 + 20, 4)],
    )
    conn.executemany(
        "INSERT INTO messages(id, conversation_id, parent_id, role, content, reasoning, status,"
        " model, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (1, 1, None, "user", "Why does the parser fail?", None, "done", None, T0, T0),
            (2, 1, 1, "assistant", "Because of CRLF endings.", "think", "done", "m1", T0, T0),
            (3, 2, None, "user", "Write a haiku", None, "done", None, T0, T0),
            (4, 2, 3, "assistant", "Autumn moonlight", None, "streaming", "m1", T0, T0),
        ],
    )


def build_v1(path: Path) -> None:
    conn = _schema(path, 1)
    _v1_rows(conn)
    conn.close()


def build_v2(path: Path) -> None:
    conn = _schema(path, 2)
    _v1_rows(conn)  # the v2 triggers index the finished messages
    conn.close()


def build_v3(path: Path) -> None:
    conn = _schema(path, 3)
    _v1_rows(conn)
    conn.execute("UPDATE conversations SET title_locked = 1 WHERE id = 1")
    conn.execute(
        "INSERT INTO conversations(id, project_id, title, created_at, updated_at, deleted_at)"
        " VALUES (3, 1, 'Old chat', ?, ?, ?)",
        (T0, T0, T0 + 50),
    )
    conn.close()


def build_v4(path: Path) -> None:
    conn = _schema(path, 4)
    _v1_rows(conn)
    conn.execute("UPDATE conversations SET title_locked = 1 WHERE id = 1")
    conn.execute(
        "INSERT INTO conversations(id, project_id, title, created_at, updated_at, deleted_at)"
        " VALUES (3, 1, 'Old chat', ?, ?, ?)",
        (T0, T0, T0 + 50),
    )
    conn.execute(
        "UPDATE messages SET thinking = 1, effort = 'high', finish_reason = 'stop', usage = ?,"
        " edits = ? WHERE id = 2",
        (
            '{"prompt_tokens": 10, "completion_tokens": 5}',
            '[{"rel_path": "p.py", "added": 1, "removed": 2}]',
        ),
    )
    conn.close()


BUILDERS: dict[int, Callable[[Path], None]] = {
    1: build_v1,
    2: build_v2,
    3: build_v3,
    4: build_v4,
}


def test_a_builder_for_every_earlier_version() -> None:
    assert sorted(BUILDERS) == list(range(1, LATEST_VERSION))


@pytest.mark.parametrize("version", sorted(BUILDERS))
def test_migrates_from_every_earlier_version(tmp_path: Path, version: int) -> None:
    db = tmp_path / "history.sqlite3"
    BUILDERS[version](db)

    store = Store(db, clock=lambda: T0 + 100)
    try:
        assert store.migrated_from == version
        conn = store.db.connection()
        assert schema_mod.user_version(conn) == LATEST_VERSION
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")

        # the data is kept, with the new columns at their defaults
        thread = store.thread(1)
        assert [m.content for m in thread.messages] == [
            "Why does the parser fail?",
            "Because of CRLF endings.",
        ]
        answer = thread.messages[1]
        assert (answer.reasoning, answer.model, answer.status) == ("think", "m1", "done")
        if version >= 4:
            assert answer.thinking and answer.usage is not None and answer.usage.prompt_tokens == 10
            assert [e.rel_path for e in answer.edits] == ["p.py"]
        else:
            assert answer.usage is None and answer.context == () and answer.thinking is None
        # the agent columns (v5) start empty
        assert answer.tool_calls == () and answer.tool_call_id is None
        assert answer.outcome is None and answer.approval is None and answer.checkpoints == ()
        assert thread.conversation.title == "Parser bug"
        # the answer a crash cut off is marked interrupted and becomes searchable
        assert store.recovered == 1
        assert store.thread(2).messages[-1].status == "interrupted"
        assert [h.message_id for h in store.search("moonlight")] == [4]
        assert [h.message_id for h in store.search("CRLF")] == [2]
        assert [c.id for c in store.conversations(1)] == [2, 1]
        if version >= 3:
            assert store.conversation(1).title_locked
            assert [c.id for c in store.trashed()] == [3]
        # and the migrated store works as a new one does
        store.add_prompt(1, "and LF?")
        call = ToolCallRecord("call_00_a", "read_file", '{"path": "p.py"}')
        store.add_message(1, "assistant", "", reasoning="look", tool_calls=(call,))
        store.add_message(1, "tool", "1\tx = 1", tool_call_id="call_00_a")
        messages = store.thread(1).messages
        assert [m.role for m in messages] == ["user", "assistant", "user", "assistant", "tool"]
        assert messages[3].tool_calls == (call,) and messages[4].tool_call_id == "call_00_a"
    finally:
        store.close()

    bak = backup_path(db, version)
    assert bak.exists()
    old = sqlite3.connect(bak)
    try:
        assert old.execute("PRAGMA user_version").fetchone()[0] == version
        assert old.execute("SELECT count(*) FROM messages").fetchone()[0] == 4
        assert old.execute("SELECT status FROM messages WHERE id = 4").fetchone()[0] == "streaming"
    finally:
        old.close()


def test_a_new_database_needs_no_backup(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "history.sqlite3"
    store = Store(db)
    try:
        assert store.migrated_from == 0
        assert schema_mod.user_version(store.db.connection()) == LATEST_VERSION
        mode = store.db.connection().execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
        assert store.db.connection().execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        store.close()
    assert not list(tmp_path.glob("sub/*.bak-*"))
    again = Store(db)
    assert again.migrated_from == LATEST_VERSION
    again.close()


def test_a_newer_database_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer dsdesk"):
        Store(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION + 1
    conn.close()


def test_a_failing_step_is_rolled_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "history.sqlite3"
    build_v3(db)
    broken = (*MIGRATIONS, ("ALTER TABLE messages ADD COLUMN pinned INTEGER", "SELECT nonsense("))
    monkeypatch.setattr(schema_mod, "MIGRATIONS", broken)
    monkeypatch.setattr(schema_mod, "LATEST_VERSION", len(broken))
    with pytest.raises(StoreError):
        Store(db)
    conn = sqlite3.connect(db)
    try:
        # the good steps (v4, v5) were committed; the broken one left nothing behind
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION
        columns = [r[1] for r in conn.execute("PRAGMA table_info(messages)")]
        assert "usage" in columns and "pinned" not in columns
    finally:
        conn.close()
    assert backup_path(db, 3).exists()


def test_the_default_file_is_in_the_data_dir(tmp_path: Path) -> None:
    store = Store()  # conftest points DSDESK_HOME at a temporary folder
    try:
        assert store.path == tmp_path / "dsdesk-home" / "data" / "history.sqlite3"
        assert store.path.exists()
    finally:
        store.close()
