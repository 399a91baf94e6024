"""Full-text search over every conversation (SQLite FTS5), with highlighted snippets.

User input is never handed to FTS5 as query syntax: it is split into words and ``"quoted
phrases"``, each passed as an FTS5 string (so ``AND``, ``*``, ``:``, ``-``, ``(`` or an unbalanced
quote are plain text), all of them required; the last word (of three letters or more) also
matches as a prefix, for search-as-you-type. Messages still streaming and conversations in the
trash are not found.

Ranking (bm25) costs time for every match, so it is bounded: hits are the best matches among the
``RANK_WINDOW`` most recent ones (all of them, unless the words are very common). Finding the
window's start is a cheap walk of the index in rowid order. (The window spans all projects: with
a project filter and very common words, fewer than ``limit`` hits may come back.)
"""

from __future__ import annotations

import html
import re
import sqlite3
from dataclasses import dataclass

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use markers, turned into <mark> after escaping
_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_WORDY = re.compile(r"\w")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ue000\ue001]")
_FTS_ERRORS = ("fts5", "syntax error", "unterminated", "unknown special query")
SNIPPET_TOKENS = 16
RANK_WINDOW = 5000
MIN_PREFIX = 3


@dataclass(frozen=True, slots=True)
class Hit:
    conversation_id: int
    message_id: int
    conversation_title: str
    role: str
    created_at: float
    snippet_html: str  # HTML-escaped text with the matches in <mark>…</mark>


def fts_query(user_text: str, *, prefix_last: bool = True) -> str | None:
    """The FTS5 query for what the user typed (None if it holds nothing to search for)."""
    terms: list[str] = []
    last_quoted = True
    for m in _TERM.finditer(_CONTROL.sub(" ", user_text)):
        quoted = m.group(1) is not None
        text = m.group(1) if quoted else m.group(2)
        if _WORDY.search(text):
            terms.append('"' + text.replace('"', '""') + '"')
            last_quoted = quoted or len(text) < MIN_PREFIX
    if not terms:
        return None
    if prefix_last and not last_quoted:
        terms[-1] += "*"
    return " ".join(terms)


def snippet_to_html(raw: str) -> str:
    return html.escape(raw, quote=False).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def search(
    conn: sqlite3.Connection,
    user_text: str,
    *,
    project_id: int | None = None,
    limit: int = 50,
) -> list[Hit]:
    """Best matches first (bm25). Input that FTS5 still rejects gives no hits, not an error."""
    query = fts_query(user_text)
    if query is None:
        return []
    try:
        return _search(conn, query, project_id, limit)
    except sqlite3.OperationalError as exc:
        if any(s in str(exc).lower() for s in _FTS_ERRORS):
            return []
        raise


def _search(conn: sqlite3.Connection, query: str, project_id: int | None, limit: int) -> list[Hit]:
    start = conn.execute(
        "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?"
        " ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        (query, RANK_WINDOW - 1),
    ).fetchone()
    where = "messages_fts MATCH ? AND messages_fts.rowid >= ? AND c.deleted_at IS NULL"
    params: list[object] = [query, start[0] if start else 0]
    if project_id is not None:
        where += " AND c.project_id = ?"
        params.append(project_id)
    sql = (
        "SELECT m.conversation_id, m.id, c.title, m.role, m.created_at,"
        f" snippet(messages_fts, 0, '{_OPEN}', '{_CLOSE}', '…', {SNIPPET_TOKENS:d})"
        " FROM messages_fts"
        " JOIN messages m ON m.id = messages_fts.rowid"
        " JOIN conversations c ON c.id = m.conversation_id"
        f" WHERE {where} ORDER BY messages_fts.rank LIMIT ?"
    )
    params.append(limit)
    rows = conn.execute(sql, params).fetchall()
    return [Hit(r[0], r[1], r[2], r[3], r[4], snippet_to_html(r[5])) for r in rows]
