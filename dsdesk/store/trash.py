"""The trash: deleting a conversation only sets ``deleted_at``; it can be restored for
``RETENTION_DAYS``, after which :func:`purge_expired` removes it for good. Removing one at once
(:func:`delete_forever`, for an "Empty trash" command) works only on a conversation already in the
trash, so no single action both deletes and destroys."""

from __future__ import annotations

import sqlite3

from dsdesk.store.records import CONVERSATION_COLUMNS, Conversation, StoreError
from dsdesk.store.records import conversation_from_row as _row

RETENTION_DAYS = 30
DAY = 86_400.0


def move_to_trash(conn: sqlite3.Connection, conversation_id: int, now: float) -> None:
    cur = conn.execute(
        "UPDATE conversations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
        (now, conversation_id),
    )
    if cur.rowcount == 0:
        _check_exists(conn, conversation_id)


def restore(conn: sqlite3.Connection, conversation_id: int) -> None:
    conn.execute("UPDATE conversations SET deleted_at = NULL WHERE id = ?", (conversation_id,))
    _check_exists(conn, conversation_id)


def list_trash(conn: sqlite3.Connection, project_id: int | None) -> list[Conversation]:
    """Conversations in the trash, most recently deleted first."""
    q = f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE deleted_at IS NOT NULL"
    params: tuple[int, ...] = ()
    if project_id is not None:
        q += " AND project_id = ?"
        params = (project_id,)
    return [_row(r) for r in conn.execute(q + " ORDER BY deleted_at DESC, id DESC", params)]


def _remove(conn: sqlite3.Connection, conversation_id: int) -> None:
    # Messages first (their delete trigger keeps the full-text index in sync), then the row.
    conn.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
    conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))


def delete_forever(conn: sqlite3.Connection, conversation_id: int) -> None:
    row = conn.execute(
        "SELECT deleted_at FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    if row is None:
        raise StoreError(f"Conversation {conversation_id} is not in the history.")
    if row[0] is None:
        raise StoreError("Only a conversation in the trash can be deleted for good.")
    _remove(conn, conversation_id)


def purge_expired(conn: sqlite3.Connection, now: float, days: float = RETENTION_DAYS) -> int:
    """Delete conversations that have been in the trash more than ``days``; returns how many."""
    q = "SELECT id FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at < ?"
    ids = [r[0] for r in conn.execute(q, (now - days * DAY,))]
    for conversation_id in ids:
        _remove(conn, conversation_id)
    return len(ids)


def _check_exists(conn: sqlite3.Connection, conversation_id: int) -> None:
    if conn.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone():
        return
    raise StoreError(f"Conversation {conversation_id} is not in the history.")
