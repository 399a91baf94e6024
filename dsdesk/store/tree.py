"""The message tree of a conversation: the active path, versions, switching branches.

An edited prompt is a new sibling of the prompt it replaces, a regenerated answer a new sibling
of the answer. ``conversations.active_leaf_id`` names the end of the path shown; switching to
another version shows that version followed by its newest descendants.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from dsdesk.store.conversations import get_conversation, get_message, get_messages
from dsdesk.store.records import Conversation, StoredMessage


@dataclass(frozen=True, slots=True)
class Thread:
    """A conversation as shown: its active path and, per message, the versions to switch between."""

    conversation: Conversation
    messages: tuple[StoredMessage, ...]  # the active path, first prompt first
    siblings: Mapping[int, tuple[int, ...]]  # message id -> its versions' ids (itself included)

    def version(self, message_id: int) -> tuple[int, int]:
        """(1-based position, count) of a message among its versions, for a "2 / 3" control."""
        ids = self.siblings.get(message_id, (message_id,))
        return ids.index(message_id) + 1, len(ids)


# -- the tree ------------------------------------------------------------------------------------


def _tree(
    conn: sqlite3.Connection, conversation_id: int
) -> tuple[dict[int, int | None], dict[int | None, list[int]]]:
    """(parent of each message, children of each message/None for roots; oldest first)."""
    parent: dict[int, int | None] = {}
    children: dict[int | None, list[int]] = {}
    q = "SELECT id, parent_id FROM messages WHERE conversation_id = ? ORDER BY id"
    for mid, pid in conn.execute(q, (conversation_id,)):
        parent[mid] = pid
        children.setdefault(pid, []).append(mid)
    return parent, children


def _newest_leaf(children: Mapping[int | None, list[int]], start: int) -> int:
    node = start
    while children.get(node):
        node = children[node][-1]
    return node


def active_leaf(conn: sqlite3.Connection, conversation_id: int) -> int | None:
    """The last message of the active path (None: the conversation has no message)."""
    q = (
        "SELECT m.id FROM conversations c JOIN messages m"
        " ON m.id = c.active_leaf_id AND m.conversation_id = c.id WHERE c.id = ?"
    )
    row = conn.execute(q, (conversation_id,)).fetchone()
    if row is not None:
        return int(row[0])
    get_conversation(conn, conversation_id)  # raises if there is no such conversation
    _, children = _tree(conn, conversation_id)
    roots = children.get(None)
    return _newest_leaf(children, roots[-1]) if roots else None


def load_thread(conn: sqlite3.Connection, conversation_id: int) -> Thread:
    conv = get_conversation(conn, conversation_id)
    parent, children = _tree(conn, conversation_id)
    leaf = conv.active_leaf_id
    if leaf not in parent:  # no message yet, or a stale pointer: show the newest path
        roots = children.get(None)
        leaf = _newest_leaf(children, roots[-1]) if roots else None
    path: list[int] = []
    node = leaf
    while node is not None:
        path.append(node)
        node = parent[node]
    path.reverse()
    rows = get_messages(conn, path)
    siblings = {mid: tuple(children[parent[mid]]) for mid in path}
    return Thread(conv, tuple(rows[mid] for mid in path), siblings)


def switch_to(conn: sqlite3.Connection, message_id: int, now: float) -> int:
    """Make the path through ``message_id`` (then its newest descendants) active; returns the
    conversation id."""
    msg = get_message(conn, message_id)
    _, children = _tree(conn, msg.conversation_id)
    leaf = _newest_leaf(children, message_id)
    conn.execute(
        "UPDATE conversations SET active_leaf_id = ? WHERE id = ?", (leaf, msg.conversation_id)
    )
    return msg.conversation_id


def _version_ids(conn: sqlite3.Connection, message: StoredMessage) -> list[int]:
    """The ids of a message's versions, itself included, oldest first: the children of its
    parent, or the conversation's roots for a first prompt (as ``Thread.siblings``)."""
    if message.parent_id is None:
        q = "SELECT id FROM messages WHERE conversation_id = ? AND parent_id IS NULL ORDER BY id"
        rows = conn.execute(q, (message.conversation_id,))
    else:
        q = "SELECT id FROM messages WHERE parent_id = ? ORDER BY id"
        rows = conn.execute(q, (message.parent_id,))
    return [int(r[0]) for r in rows]


def sibling(conn: sqlite3.Connection, message_id: int, step: int) -> int:
    """The version ``step`` places after (or before, if negative) ``message_id``, clamped."""
    ids = _version_ids(conn, get_message(conn, message_id))
    i = max(0, min(len(ids) - 1, ids.index(message_id) + step))
    return ids[i]


def versions(conn: sqlite3.Connection, message_id: int) -> tuple[int, int]:
    """(1-based position, count) of ``message_id`` among its versions, as ``Thread.version``
    but for any message, on the active path or not."""
    ids = _version_ids(conn, get_message(conn, message_id))
    return ids.index(message_id) + 1, len(ids)
