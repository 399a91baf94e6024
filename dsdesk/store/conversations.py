"""Projects, conversations and messages (SQL on one connection; the caller holds the
transaction). Messages form a tree through ``parent_id``; see ``tree`` for the paths in it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import PurePath

from dsdesk.core.events import Usage
from dsdesk.core.messages import ToolCallRecord
from dsdesk.store.records import (
    CONVERSATION_COLUMNS,
    MESSAGE_COLUMNS,
    NO_AGENT_RECORD,
    AgentRecord,
    AppliedEdit,
    ContextItem,
    Conversation,
    Project,
    Role,
    Status,
    StoredMessage,
    StoreError,
    agent_to_json,
    calls_to_json,
    conversation_from_row,
    items_to_json,
    message_from_row,
    project_from_row,
    usage_to_json,
)
from dsdesk.store.titles import make_title

_CHUNK = 900  # ids per "IN (...)" (well under SQLite's variable limit)


# -- projects ------------------------------------------------------------------------------------


def ensure_project(conn: sqlite3.Connection, root: str, name: str | None, now: float) -> Project:
    row = conn.execute("SELECT id, root, name, created_at FROM projects WHERE root = ?", (root,))
    found = row.fetchone()
    if found is not None:
        return project_from_row(found)
    label = name or PurePath(root).name or root
    cur = conn.execute(
        "INSERT INTO projects(root, name, created_at) VALUES (?, ?, ?)", (root, label, now)
    )
    return Project(int(cur.lastrowid or 0), root, label, now)


def list_projects(conn: sqlite3.Connection) -> list[Project]:
    rows = conn.execute(
        "SELECT id, root, name, created_at FROM projects ORDER BY name COLLATE NOCASE, id"
    )
    return [project_from_row(r) for r in rows]


def get_project(conn: sqlite3.Connection, project_id: int) -> Project:
    q = "SELECT id, root, name, created_at FROM projects WHERE id = ?"
    row = conn.execute(q, (project_id,)).fetchone()
    if row is None:
        raise StoreError(f"Project {project_id} is not in the conversation history.")
    return project_from_row(row)


# -- conversations -------------------------------------------------------------------------------


def create_conversation(
    conn: sqlite3.Connection, project_id: int, title: str, now: float
) -> Conversation:
    cur = conn.execute(
        "INSERT INTO conversations(project_id, title, created_at, updated_at, title_locked) "
        "VALUES (?, ?, ?, ?, ?)",
        (project_id, title, now, now, int(bool(title))),
    )
    return get_conversation(conn, int(cur.lastrowid or 0))


def get_conversation(conn: sqlite3.Connection, conversation_id: int) -> Conversation:
    q = f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?"
    row = conn.execute(q, (conversation_id,)).fetchone()
    if row is None:
        raise StoreError(f"Conversation {conversation_id} is not in the history.")
    return conversation_from_row(row)


def list_conversations(
    conn: sqlite3.Connection, project_id: int, limit: int, offset: int
) -> list[Conversation]:
    """Newest first, trash excluded (served by the partial index ``conversations_recent``)."""
    q = (
        f"SELECT {CONVERSATION_COLUMNS} FROM conversations "
        "WHERE project_id = ? AND deleted_at IS NULL "
        "ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?"
    )
    return [conversation_from_row(r) for r in conn.execute(q, (project_id, limit, offset))]


def rename(conn: sqlite3.Connection, conversation_id: int, title: str, now: float) -> None:
    """Set the title the user typed; an empty one brings back the automatic title."""
    title = " ".join(title.split())
    get_conversation(conn, conversation_id)
    conn.execute(
        "UPDATE conversations SET title = ?, title_locked = ?, updated_at = ? WHERE id = ?",
        (title, int(bool(title)), now, conversation_id),
    )
    if not title:
        q = (
            "SELECT content FROM messages WHERE conversation_id = ? AND parent_id IS NULL"
            " AND role = 'user' ORDER BY id DESC LIMIT 1"
        )
        row = conn.execute(q, (conversation_id,)).fetchone()
        if row is not None:
            _auto_title(conn, conversation_id, row[0])


def _auto_title(conn: sqlite3.Connection, conversation_id: int, prompt: str) -> None:
    conn.execute(
        "UPDATE conversations SET title = ? WHERE id = ? AND title_locked = 0",
        (make_title(prompt), conversation_id),
    )


def touch(conn: sqlite3.Connection, conversation_id: int, now: float) -> None:
    conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))


# -- messages ------------------------------------------------------------------------------------


def insert_message(
    conn: sqlite3.Connection,
    conversation_id: int,
    parent_id: int | None,
    role: Role,
    content: str,
    now: float,
    *,
    reasoning: str | None = None,
    status: Status = "done",
    model: str | None = None,
    thinking: bool | None = None,
    effort: str | None = None,
    finish_reason: str | None = None,
    usage: Usage | None = None,
    context: tuple[ContextItem, ...] = (),
    tool_calls: tuple[ToolCallRecord, ...] = (),
    tool_call_id: str | None = None,
    agent: AgentRecord = NO_AGENT_RECORD,
) -> int:
    """Add a message under ``parent_id``, make it the active leaf, and title the conversation
    from its first prompt (unless the user renamed it)."""
    if parent_id is not None:
        owner = conn.execute("SELECT conversation_id FROM messages WHERE id = ?", (parent_id,))
        row = owner.fetchone()
        if row is None or row[0] != conversation_id:
            raise StoreError(f"Message {parent_id} is not in conversation {conversation_id}.")
    cur = conn.execute(
        "INSERT INTO messages(conversation_id, parent_id, role, content, reasoning, status, model,"
        " thinking, effort, finish_reason, usage, context, created_at, updated_at, tool_calls,"
        " tool_call_id, agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            conversation_id,
            parent_id,
            role,
            content,
            reasoning,
            status,
            model,
            None if thinking is None else int(thinking),
            effort,
            finish_reason,
            usage_to_json(usage),
            items_to_json(context),
            now,
            now,
            calls_to_json(tool_calls),
            tool_call_id,
            agent_to_json(agent),
        ),
    )
    message_id = int(cur.lastrowid or 0)
    conn.execute(
        "UPDATE conversations SET active_leaf_id = ?, updated_at = ? WHERE id = ?",
        (message_id, now, conversation_id),
    )
    if role == "user" and parent_id is None:
        _auto_title(conn, conversation_id, content)
    return message_id


def get_message(conn: sqlite3.Connection, message_id: int) -> StoredMessage:
    q = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?"
    row = conn.execute(q, (message_id,)).fetchone()
    if row is None:
        raise StoreError(f"Message {message_id} is not in the history.")
    return message_from_row(row)


def set_edits(
    conn: sqlite3.Connection, message_id: int, edits: tuple[AppliedEdit, ...], now: float
) -> None:
    conn.execute(
        "UPDATE messages SET edits = ?, updated_at = ? WHERE id = ?",
        (items_to_json(edits), now, message_id),
    )


def set_agent(conn: sqlite3.Connection, message_id: int, agent: AgentRecord, now: float) -> None:
    conn.execute(
        "UPDATE messages SET agent = ?, updated_at = ? WHERE id = ?",
        (agent_to_json(agent), now, message_id),
    )


def set_content(conn: sqlite3.Connection, message_id: int, content: str, now: float) -> None:
    conn.execute(
        "UPDATE messages SET content = ?, updated_at = ? WHERE id = ?", (content, now, message_id)
    )


def get_messages(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, StoredMessage]:
    ids = list(ids)
    out: dict[int, StoredMessage] = {}
    for i in range(0, len(ids), _CHUNK):
        part = ids[i : i + _CHUNK]
        marks = ",".join("?" * len(part))
        q = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN ({marks})"
        for row in conn.execute(q, part):
            out[row[0]] = message_from_row(row)
    return out
