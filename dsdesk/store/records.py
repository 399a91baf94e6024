"""The store's record types (frozen dataclasses) and their conversion from database rows."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from dsdesk.core.errors import DsdeskError
from dsdesk.core.events import Usage
from dsdesk.core.messages import ToolCallRecord

Role = Literal["system", "user", "assistant", "tool"]
Status = Literal["streaming", "done", "stopped", "error", "interrupted"]
FINAL_STATUSES: tuple[Status, ...] = ("done", "stopped", "error", "interrupted")
CallStatus = Literal["done", "failed", "denied", "cancelled"]  # agent.events.ToolStatus values
ApprovalAnswer = Literal["once", "session", "always", "deny", "stop"]  # agent.events.Answer


class StoreError(DsdeskError):
    """The conversation history could not be read or written."""


@dataclass(frozen=True, slots=True)
class Project:
    id: int
    root: str  # the project folder, as given (resolved by the caller)
    name: str
    created_at: float


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    project_id: int
    title: str
    created_at: float
    updated_at: float
    active_leaf_id: int | None  # last message of the active path (None: no message yet)
    deleted_at: float | None = None  # set while the conversation is in the trash
    title_locked: bool = False  # the user renamed it: automatic titles no longer apply


@dataclass(frozen=True, slots=True)
class ContextItem:
    """Something that was in the model's context when a prompt was sent."""

    rel_path: str
    kind: str = "file"  # "file" | "folder" | "instructions" | any other label
    tokens: int | None = None


@dataclass(frozen=True, slots=True)
class AppliedEdit:
    """A change the user applied from an answer (``change_set_id`` names the undo journal entry)."""

    rel_path: str
    change_set_id: str | None = None
    added: int = 0
    removed: int = 0


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """What came of a tool call (kept on the tool message that answers it)."""

    status: CallStatus
    title: str = ""  # the one-line description: "read_file src/app.py 1–120", "$ pytest -x"
    summary: str = ""  # "120 lines", "exit 1 · 3.2 s", "denied: reason"
    seconds: float = 0.0
    changed: tuple[str, ...] = ()  # files the call changed (project-relative)


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    """The user's answer when a call had to ask (kept on the tool message of that call)."""

    answer: ApprovalAnswer
    reason: str = ""  # typed for the model with a denial
    why: str = ""  # why it asked: "deletes recursively", "mode read-only", …


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A snapshot of the project taken before the first change of a turn (kept on the
    assistant message whose calls made it)."""

    id: str
    label: str


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    conversation_id: int
    parent_id: int | None  # None: a first prompt (several roots = edited first prompts)
    role: Role
    content: str
    reasoning: str | None
    status: Status
    model: str | None
    thinking: bool | None  # thinking mode of the request that produced an answer
    effort: str | None  # reasoning effort ("high", "max", ...) when thinking
    finish_reason: str | None
    usage: Usage | None
    context: tuple[ContextItem, ...] = field(default_factory=tuple)
    edits: tuple[AppliedEdit, ...] = field(default_factory=tuple)
    error: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    # Agent turns: the calls an assistant message made, the call a tool message answers, what
    # came of that call and how it was approved, and the checkpoints a round made.
    tool_calls: tuple[ToolCallRecord, ...] = field(default_factory=tuple)
    tool_call_id: str | None = None
    outcome: ToolOutcome | None = None
    approval: ApprovalRecord | None = None
    checkpoints: tuple[Checkpoint, ...] = field(default_factory=tuple)


MESSAGE_COLUMNS = (
    "id, conversation_id, parent_id, role, content, reasoning, status, model, thinking, effort, "
    "finish_reason, usage, context, edits, error, created_at, updated_at, tool_calls, "
    "tool_call_id, agent"
)
CONVERSATION_COLUMNS = (
    "id, project_id, title, created_at, updated_at, active_leaf_id, deleted_at, title_locked"
)


def usage_to_json(usage: Usage | None) -> str | None:
    return None if usage is None else json.dumps(asdict(usage), sort_keys=True)


def usage_from_json(text: str | None) -> Usage | None:
    if not text:
        return None
    d = json.loads(text)
    return Usage(
        prompt_tokens=int(d.get("prompt_tokens", 0)),
        completion_tokens=int(d.get("completion_tokens", 0)),
        cache_hit_tokens=int(d.get("cache_hit_tokens", 0)),
        cache_miss_tokens=int(d.get("cache_miss_tokens", 0)),
        reasoning_tokens=int(d.get("reasoning_tokens", 0)),
    )


def items_to_json(items: tuple[ContextItem, ...] | tuple[AppliedEdit, ...]) -> str | None:
    return json.dumps([asdict(i) for i in items], sort_keys=True) if items else None


def context_from_json(text: str | None) -> tuple[ContextItem, ...]:
    return tuple(ContextItem(**_known(d, ContextItem)) for d in json.loads(text or "[]"))


def edits_from_json(text: str | None) -> tuple[AppliedEdit, ...]:
    return tuple(AppliedEdit(**_known(d, AppliedEdit)) for d in json.loads(text or "[]"))


def calls_to_json(calls: tuple[ToolCallRecord, ...]) -> str | None:
    return json.dumps([asdict(c) for c in calls]) if calls else None


def calls_from_json(text: str | None) -> tuple[ToolCallRecord, ...]:
    return tuple(
        ToolCallRecord(str(d.get("id", "")), str(d.get("name", "")), str(d.get("arguments", "")))
        for d in json.loads(text or "[]")
    )


@dataclass(frozen=True, slots=True)
class AgentRecord:
    """The ``agent`` column: a call's outcome and approval, a round's checkpoints."""

    outcome: ToolOutcome | None = None
    approval: ApprovalRecord | None = None
    checkpoints: tuple[Checkpoint, ...] = ()


NO_AGENT_RECORD = AgentRecord()


def agent_to_json(record: AgentRecord) -> str | None:
    d: dict[str, Any] = {}
    if record.outcome is not None:
        d["outcome"] = asdict(record.outcome)
    if record.approval is not None:
        d["approval"] = asdict(record.approval)
    if record.checkpoints:
        d["checkpoints"] = [asdict(c) for c in record.checkpoints]
    return json.dumps(d, sort_keys=True) if d else None


def agent_from_json(text: str | None) -> AgentRecord:
    d = json.loads(text or "{}")
    outcome = approval = None
    if isinstance(d.get("outcome"), dict):
        o = _known(d["outcome"], ToolOutcome)
        o["changed"] = tuple(o.get("changed") or ())
        outcome = ToolOutcome(**o)
    if isinstance(d.get("approval"), dict):
        approval = ApprovalRecord(**_known(d["approval"], ApprovalRecord))
    checkpoints = tuple(Checkpoint(**_known(c, Checkpoint)) for c in d.get("checkpoints") or ())
    return AgentRecord(outcome, approval, checkpoints)


def _known(d: dict[str, Any], cls: type[Any]) -> dict[str, Any]:
    """Drop keys a newer dsdesk may have written, so older records still load."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in d.items() if k in names}


def message_from_row(r: sqlite3.Row | tuple[Any, ...]) -> StoredMessage:
    thinking = r[8]
    agent = agent_from_json(r[19])
    return StoredMessage(
        id=r[0],
        conversation_id=r[1],
        parent_id=r[2],
        role=r[3],
        content=r[4],
        reasoning=r[5],
        status=r[6],
        model=r[7],
        thinking=None if thinking is None else bool(thinking),
        effort=r[9],
        finish_reason=r[10],
        usage=usage_from_json(r[11]),
        context=context_from_json(r[12]),
        edits=edits_from_json(r[13]),
        error=r[14],
        created_at=r[15],
        updated_at=r[16],
        tool_calls=calls_from_json(r[17]),
        tool_call_id=r[18],
        outcome=agent.outcome,
        approval=agent.approval,
        checkpoints=agent.checkpoints,
    )


def conversation_from_row(r: sqlite3.Row | tuple[Any, ...]) -> Conversation:
    return Conversation(
        id=r[0],
        project_id=r[1],
        title=r[2],
        created_at=r[3],
        updated_at=r[4],
        active_leaf_id=r[5],
        deleted_at=r[6],
        title_locked=bool(r[7]),
    )


def project_from_row(r: sqlite3.Row | tuple[Any, ...]) -> Project:
    return Project(id=r[0], root=r[1], name=r[2], created_at=r[3])
