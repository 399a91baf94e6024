"""Small tools and a session builder for the loop's tests (the real tools have their own)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsdesk.agent.events import Answer, Approval, AwaitingApproval
from dsdesk.agent.policy import CallFacts, Mode, Policy
from dsdesk.agent.session import AgentSession
from dsdesk.agent.tools.base import Effect, Tool, ToolContext, ToolResult
from dsdesk.agent.tools.registry import parse_arguments


@dataclass
class FakeTool:
    name: str
    effect: Effect
    reply: str = "ok"
    description: str = "a test tool"
    parameters: Mapping[str, Any] = field(
        default_factory=lambda: {"type": "object", "properties": {"path": {"type": "string"}}}
    )
    ran: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0

    async def run(self, args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        self.ran.append(dict(args))
        if ctx.on_output is not None:
            ctx.on_output(f"running {self.name}\n")
        if self.delay:
            await asyncio.sleep(self.delay)
        return ToolResult(self.reply, summary=f"{self.name} done")

    def describe(self, args: Mapping[str, Any]) -> str:
        return f"{self.name} {args.get('path', '')}".strip()


async def run_fake(
    tools: Sequence[Tool], name: str, arguments: str, ctx: ToolContext
) -> ToolResult:
    tool = next(t for t in tools if t.name == name)
    parsed = parse_arguments(arguments)
    args = parsed if isinstance(parsed, dict) else {}
    return await tool.run(args, ctx)


def facts(tool: Tool, args: Mapping[str, Any], ctx: ToolContext) -> CallFacts:
    subject = str(args.get("path") or args.get("command") or "")
    return CallFacts(tool.name, tool.effect, subject)


class Approvals:
    """Answers approval questions from a list, recording what was asked."""

    def __init__(self, *answers: Approval) -> None:
        self.answers = list(answers)
        self.asked: list[AwaitingApproval] = []

    async def __call__(self, q: AwaitingApproval) -> Approval:
        self.asked.append(q)
        return self.answers.pop(0) if self.answers else Approval(Answer.DENY)


def session(
    tmp_path: Path, tools: Sequence[FakeTool], mode: Mode = Mode.AUTO_EDIT, approver: Any = None
) -> AgentSession:
    schemas = tuple(
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": dict(t.parameters),
            },
        }
        for t in tools
    )
    kw = {"approver": approver} if approver else {}
    return AgentSession(
        tools=tuple(tools),
        schemas=schemas,
        ctx=ToolContext(root=tmp_path, data_dir=tmp_path / "data"),
        policy=Policy(mode, sandboxed=True),
        runner=run_fake,
        facts=facts,
        **kw,
    )


def call(cid: str, name: str, **args: Any) -> dict[str, str]:
    return {"id": cid, "name": name, "arguments": json.dumps(args)}
