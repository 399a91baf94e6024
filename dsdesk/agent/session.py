"""What stays fixed for an agent session: tools, rules, sandbox, checkpoints, the approver.

The tool list, the system prompt and ``reasoning_effort`` are the start of every request: a
change mid-session is a full prompt-cache miss, so they are chosen once per session and a change
is announced (``Conversation.note_tools_changed``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dsdesk.agent.events import Answer, Approval, AwaitingApproval
from dsdesk.agent.policy import CallFacts, Policy, Rule
from dsdesk.agent.tools.base import Tool, ToolContext, ToolResult

__all__ = [
    "AgentSession",
    "Approver",
    "Checkpointer",
    "ToolRunner",
    "deny_all",
]

Approver = Callable[[AwaitingApproval], Awaitable[Approval]]
ToolRunner = Callable[[Sequence[Tool], str, str, ToolContext], Awaitable[ToolResult]]


class Checkpointer(Protocol):
    """``snapshot``: the project before the first change of a turn (returns its id);
    ``after``: once files may have changed, so a restore knows what the agent created."""

    def snapshot(self, label: str) -> Awaitable[str]: ...

    def after(self, label: str) -> Awaitable[str]: ...


async def deny_all(request: AwaitingApproval) -> Approval:
    """The approver when nobody can be asked (no terminal): never hang, say why."""
    return Approval(
        Answer.DENY,
        "dsdesk runs without a terminal here, so calls that need approval are refused. "
        "Work with what is allowed, or tell the user what you would need.",
    )


FactsFn = Callable[[Tool, Mapping[str, Any], ToolContext], CallFacts]


@dataclass(slots=True)
class AgentSession:
    tools: tuple[Tool, ...]
    schemas: tuple[dict[str, Any], ...]  # the ``tools`` request field, fixed for the session
    ctx: ToolContext
    policy: Policy
    runner: ToolRunner
    facts: FactsFn
    approver: Approver = deny_all
    checkpoints: Checkpointer | None = None
    save_rules: Callable[[list[Rule]], None] | None = None  # persists "always" answers
    detail: Callable[[Tool, Mapping[str, Any], ToolContext], str] | None = None
    by_name: dict[str, Tool] = field(init=False)

    def __post_init__(self) -> None:
        self.by_name = {t.name: t for t in self.tools}
