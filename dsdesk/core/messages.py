"""Conversation messages as dsdesk keeps them (everything the server sent, reasoning included)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True, slots=True)
class ToolCallRecord:
    """A finished tool call the assistant made."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Message:
    """One turn. ``reasoning`` is kept for display even when it is not sent back."""

    role: Role
    content: str = ""
    reasoning: str | None = None
    tool_calls: tuple[ToolCallRecord, ...] = field(default_factory=tuple)
    tool_call_id: str | None = None  # for role == "tool"

    @staticmethod
    def system(text: str) -> Message:
        return Message("system", text)

    @staticmethod
    def user(text: str) -> Message:
        return Message("user", text)

    @staticmethod
    def assistant(
        text: str,
        reasoning: str | None = None,
        tool_calls: tuple[ToolCallRecord, ...] = (),
    ) -> Message:
        return Message("assistant", text, reasoning, tool_calls)

    @staticmethod
    def tool(tool_call_id: str, text: str) -> Message:
        return Message("tool", text, tool_call_id=tool_call_id)
