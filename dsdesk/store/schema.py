"""The database schema as an ordered list of migration steps, and the code that applies them.

``MIGRATIONS[i]`` takes a database from ``PRAGMA user_version`` *i* to *i + 1*. Steps are
append-only: once released, a step's SQL never changes (the tests pin each step's hash); a new
schema is a new step. Before any step runs on an existing database, a copy is taken with the
SQLite backup API to ``<db>.bak-v<N>`` (N = the version it had). Each step runs in one
``BEGIN IMMEDIATE`` transaction together with the ``user_version`` bump, so a failed or killed
migration leaves the database at the version it had.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dsdesk.store.records import StoreError

# Messages still streaming are not in the full-text index: they change every second, and are
# indexed once they reach a final status (done, stopped, error, interrupted).
_FTS_TRIGGERS = (
    """CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages
       WHEN new.status <> 'streaming' BEGIN
         INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
       END""",
    """CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages
       WHEN old.status <> 'streaming' BEGIN
         INSERT INTO messages_fts(messages_fts, rowid, content)
         VALUES ('delete', old.id, old.content);
       END""",
    """CREATE TRIGGER messages_fts_au_old AFTER UPDATE OF content, status ON messages
       WHEN old.status <> 'streaming' BEGIN
         INSERT INTO messages_fts(messages_fts, rowid, content)
         VALUES ('delete', old.id, old.content);
       END""",
    """CREATE TRIGGER messages_fts_au_new AFTER UPDATE OF content, status ON messages
       WHEN new.status <> 'streaming' BEGIN
         INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
       END""",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # v1: projects, conversations, messages as a tree (parent_id).
    (
        """CREATE TABLE projects (
             id INTEGER PRIMARY KEY,
             root TEXT NOT NULL UNIQUE,
             name TEXT NOT NULL,
             created_at REAL NOT NULL
           )""",
        """CREATE TABLE conversations (
             id INTEGER PRIMARY KEY,
             project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
             title TEXT NOT NULL DEFAULT '',
             created_at REAL NOT NULL,
             updated_at REAL NOT NULL,
             active_leaf_id INTEGER
           )""",
        "CREATE INDEX conversations_recent ON conversations(project_id, updated_at DESC)",
        """CREATE TABLE messages (
             id INTEGER PRIMARY KEY,
             conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
             parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
             role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
             content TEXT NOT NULL DEFAULT '',
             reasoning TEXT,
             status TEXT NOT NULL DEFAULT 'done',
             model TEXT,
             created_at REAL NOT NULL,
             updated_at REAL NOT NULL
           )""",
        "CREATE INDEX messages_tree ON messages(conversation_id, parent_id)",
        "CREATE INDEX messages_parent ON messages(parent_id)",
        "CREATE INDEX messages_streaming ON messages(status) WHERE status = 'streaming'",
    ),
    # v2: full-text search (FTS5, external content kept in sync by triggers).
    (
        """CREATE VIRTUAL TABLE messages_fts USING fts5(
             content, content='messages', content_rowid='id',
             tokenize='unicode61 remove_diacritics 2'
           )""",
        *_FTS_TRIGGERS,
        """INSERT INTO messages_fts(rowid, content)
           SELECT id, content FROM messages WHERE status <> 'streaming'""",
    ),
    # v3: the trash (soft delete) and titles the user renamed.
    (
        "ALTER TABLE conversations ADD COLUMN deleted_at REAL",
        "ALTER TABLE conversations ADD COLUMN title_locked INTEGER NOT NULL DEFAULT 0",
        "DROP INDEX conversations_recent",
        """CREATE INDEX conversations_recent ON conversations(project_id, updated_at DESC)
           WHERE deleted_at IS NULL""",
        """CREATE INDEX conversations_trash ON conversations(deleted_at)
           WHERE deleted_at IS NOT NULL""",
    ),
    # v4: what produced an answer and what came of it.
    (
        "ALTER TABLE messages ADD COLUMN thinking INTEGER",
        "ALTER TABLE messages ADD COLUMN effort TEXT",
        "ALTER TABLE messages ADD COLUMN finish_reason TEXT",
        "ALTER TABLE messages ADD COLUMN usage TEXT",  # JSON of core.events.Usage
        "ALTER TABLE messages ADD COLUMN context TEXT",  # JSON list of ContextItem
        "ALTER TABLE messages ADD COLUMN edits TEXT",  # JSON list of AppliedEdit
        "ALTER TABLE messages ADD COLUMN error TEXT",
    ),
    # v5: agent turns — the calls an assistant message made, the call a tool message answers,
    # and what came of them (outcome and approval of a call, checkpoints of a round).
    (
        "ALTER TABLE messages ADD COLUMN tool_calls TEXT",  # JSON list of {id, name, arguments}
        "ALTER TABLE messages ADD COLUMN tool_call_id TEXT",  # role 'tool': the call answered
        "ALTER TABLE messages ADD COLUMN agent TEXT",  # JSON of records.AgentRecord
    ),
)

LATEST_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def backup_path(db_path: Path, version: int) -> Path:
    return db_path.with_name(f"{db_path.name}.bak-v{version}")


def _has_tables(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").fetchone()
    return bool(row[0])


def backup(conn: sqlite3.Connection, dest: Path) -> None:
    """Copy the whole database (consistently, WAL included) to ``dest``."""
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.unlink(missing_ok=True)
    target = sqlite3.connect(tmp)
    try:
        conn.backup(target)
    finally:
        target.close()
    tmp.replace(dest)


def migrate(conn: sqlite3.Connection, db_path: Path | None) -> int:
    """Bring the database to ``LATEST_VERSION``; returns the version it had.

    ``conn`` must be in autocommit mode (``isolation_level=None``). ``db_path`` None (an in-memory
    database) skips the backup.
    """
    found = user_version(conn)
    if found > LATEST_VERSION:
        raise StoreError(
            f"The conversation history was written by a newer dsdesk (schema {found}; this "
            f"version knows {LATEST_VERSION}). Update dsdesk to open it."
        )
    if found == LATEST_VERSION:
        return found
    if db_path is not None and _has_tables(conn):
        backup(conn, backup_path(db_path, found))
    for target in range(found + 1, LATEST_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if user_version(conn) >= target:  # another process migrated meanwhile
                conn.execute("ROLLBACK")
                continue
            for statement in MIGRATIONS[target - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target:d}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return found
