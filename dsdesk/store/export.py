"""Export a conversation to Markdown (the active path; reasoning optional) or JSON (the whole
tree, every branch and version, with all metadata), and import such JSON back."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import asdict
from typing import Any

from dsdesk.core.messages import ToolCallRecord
from dsdesk.store.conversations import get_conversation, get_project
from dsdesk.store.records import (
    FINAL_STATUSES,
    MESSAGE_COLUMNS,
    StoredMessage,
    StoreError,
    agent_from_json,
    agent_to_json,
    calls_from_json,
    calls_to_json,
    context_from_json,
    edits_from_json,
    items_to_json,
    message_from_row,
    usage_from_json,
    usage_to_json,
)
from dsdesk.store.tree import Thread, load_thread

JSON_FORMAT = "dsdesk.conversation"
JSON_VERSION = 1
_ROLE_HEADING = {"user": "You", "assistant": "Assistant", "system": "System", "tool": "Tool"}


def to_markdown(thread: Thread, *, reasoning: bool = False) -> str:
    conv = thread.conversation
    out = [f"# {conv.title or 'Conversation'}\n"]
    if any(thread.version(m.id)[1] > 1 for m in thread.messages):
        out.append("_The branch shown in dsdesk; the JSON export has every version._\n")
    results = {m.tool_call_id: m for m in thread.messages if m.role == "tool" and m.tool_call_id}
    shown: set[int] = set()  # tool results already shown under their call
    previous: str | None = None
    for i, m in enumerate(thread.messages):
        if m.id in shown:
            continue
        # The rounds of an agent turn read as one answer: one heading for all of them.
        if not (m.role == "assistant" and previous in ("assistant", "tool")):
            heading = _ROLE_HEADING.get(m.role, m.role)
            if m.role == "assistant" and m.model:
                heading += f" ({m.model})"
            position, count = thread.version(m.id)
            if count > 1:
                heading += f" · version {position} of {count}"
            if i:
                out.append("---\n")  # answers have headings of their own: keep turns apart
            out.append(f"## {heading}\n")
        previous = m.role
        if m.context:
            out.append("_Context: " + ", ".join(f"`{c.rel_path}`" for c in m.context) + "_\n")
        if reasoning and m.reasoning:
            out.append(
                f"<details><summary>Reasoning</summary>\n\n{m.reasoning.strip()}\n\n</details>\n"
            )
        if m.content.strip() or not (m.tool_calls or m.role == "tool"):
            out.append(m.content.rstrip() + "\n" if m.role != "tool" else _details(m.content))
        for cp in m.checkpoints:
            out.append(f"_Checkpoint: {cp.label} (`{cp.id}`)_\n")
        for call in m.tool_calls:
            result = results.get(call.id)
            if result is not None:
                shown.add(result.id)
            out.append(_call_markdown(call, result))
        if m.status not in ("done", "streaming"):
            note = f"{m.status}: {m.error}" if m.error else m.status
            out.append(f"_({note})_\n")
        if m.edits:
            edits = ", ".join(f"`{e.rel_path}` (+{e.added} −{e.removed})" for e in m.edits)
            out.append(f"_Applied edits: {edits}_\n")
    return "\n".join(out)


_APPROVAL_WORDS = {
    "once": "approved once",
    "session": "approved for the session",
    "always": "approved always",
    "deny": "denied by you",
    "stop": "stopped",
}


def _call_markdown(call: ToolCallRecord, result: StoredMessage | None) -> str:
    """``▸ `read_file src/app.py` — 120 lines`` and the result in a collapsed block."""
    outcome = result.outcome if result is not None else None
    title = outcome.title if outcome is not None and outcome.title else _call_title(call)
    if result is None:
        summary = "no result (interrupted)"
    elif outcome is not None and outcome.summary:
        summary = outcome.summary
    else:
        summary = f"{len(result.content.splitlines())} lines"
    line = f"▸ {_code(title)} — {summary}"
    if result is not None and result.approval is not None:
        line += f" · {_APPROVAL_WORDS.get(result.approval.answer, result.approval.answer)}"
    if outcome is not None and outcome.changed:
        line += " · changed " + ", ".join(_code(p) for p in outcome.changed)
    return line + "\n" + (_details(result.content) if result is not None else "")


def _call_title(call: ToolCallRecord) -> str:
    try:
        args = json.loads(call.arguments)
    except ValueError:
        args = None
    if isinstance(args, dict):
        for key in ("path", "command", "pattern"):
            if isinstance(args.get(key), str):
                return f"{call.name} {args[key]}"
    return call.name


def _code(text: str) -> str:
    text = " ".join(text.split())
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _details(text: str) -> str:
    fence = "`" * max(3, max((len(r) for r in re.findall(r"`{3,}", text)), default=0) + 1)
    return (
        f"<details><summary>Result</summary>\n\n{fence}\n{text.rstrip()}\n{fence}\n\n</details>\n"
    )


def to_json(conn: sqlite3.Connection, conversation_id: int) -> dict[str, Any]:
    """Every message of the conversation (all branches), ids renumbered 1..n in creation order."""
    conv = get_conversation(conn, conversation_id)
    project = get_project(conn, conv.project_id)
    q = f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id"
    msgs = [message_from_row(r) for r in conn.execute(q, (conversation_id,))]
    local = {m.id: i for i, m in enumerate(msgs, 1)}
    leaf = load_thread(conn, conversation_id).messages
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "project": {"root": project.root, "name": project.name},
        "title": conv.title,
        "title_locked": conv.title_locked,
        "created_at": conv.created_at,
        "updated_at": conv.updated_at,
        "active_leaf": local[leaf[-1].id] if leaf else None,
        "messages": [_message_json(m, local) for m in msgs],
    }


def _message_json(m: StoredMessage, local: dict[int, int]) -> dict[str, Any]:
    return {
        "id": local[m.id],
        "parent": None if m.parent_id is None else local[m.parent_id],
        "role": m.role,
        "content": m.content,
        "reasoning": m.reasoning,
        "status": m.status,
        "model": m.model,
        "thinking": m.thinking,
        "effort": m.effort,
        "finish_reason": m.finish_reason,
        "usage": None if m.usage is None else asdict(m.usage),
        "context": [asdict(c) for c in m.context],
        "edits": [asdict(e) for e in m.edits],
        "error": m.error,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
        "tool_calls": [asdict(c) for c in m.tool_calls],
        "tool_call_id": m.tool_call_id,
        "outcome": None if m.outcome is None else asdict(m.outcome),
        "approval": None if m.approval is None else asdict(m.approval),
        "checkpoints": [asdict(c) for c in m.checkpoints],
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def from_json(conn: sqlite3.Connection, data: dict[str, Any], project_id: int) -> int:
    """Recreate an exported conversation in ``project_id``; returns its new id."""
    if data.get("format") != JSON_FORMAT or not isinstance(data.get("messages"), list):
        raise StoreError("This file is not a dsdesk conversation export.")
    if int(data.get("version", 0)) > JSON_VERSION:
        raise StoreError("This conversation was exported by a newer dsdesk.")
    cur = conn.execute(
        "INSERT INTO conversations(project_id, title, title_locked, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            project_id,
            str(data.get("title", "")),
            int(bool(data.get("title_locked"))),
            float(data["created_at"]),
            float(data["updated_at"]),
        ),
    )
    conversation_id = int(cur.lastrowid or 0)
    ids: dict[int, int] = {}
    for m in data["messages"]:
        parent = m.get("parent")
        if parent is not None and parent not in ids:
            raise StoreError("The export is damaged: a message comes before its parent.")
        status = m.get("status", "done")
        usage = usage_from_json(json.dumps(m["usage"])) if m.get("usage") else None
        thinking = m.get("thinking")
        cur = conn.execute(
            "INSERT INTO messages(conversation_id, parent_id, role, content, reasoning, status,"
            " model, thinking, effort, finish_reason, usage, context, edits, error, created_at,"
            " updated_at, tool_calls, tool_call_id, agent)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                conversation_id,
                None if parent is None else ids[parent],
                m["role"],
                m.get("content", ""),
                m.get("reasoning"),
                status if status in FINAL_STATUSES else "interrupted",
                m.get("model"),
                None if thinking is None else int(bool(thinking)),
                m.get("effort"),
                m.get("finish_reason"),
                usage_to_json(usage),
                items_to_json(context_from_json(json.dumps(m.get("context") or []))),
                items_to_json(edits_from_json(json.dumps(m.get("edits") or []))),
                m.get("error"),
                float(m.get("created_at", data["created_at"])),
                float(m.get("updated_at", data["updated_at"])),
                calls_to_json(calls_from_json(json.dumps(m.get("tool_calls") or []))),
                m.get("tool_call_id"),
                agent_to_json(
                    agent_from_json(
                        json.dumps(
                            {k: m.get(k) for k in ("outcome", "approval", "checkpoints")},
                        )
                    )
                ),
            ),
        )
        ids[int(m["id"])] = int(cur.lastrowid or 0)
    leaf = data.get("active_leaf")
    conn.execute(
        "UPDATE conversations SET active_leaf_id = ? WHERE id = ?",
        (ids.get(int(leaf)) if leaf is not None else None, conversation_id),
    )
    return conversation_id
