"""Putting an agent session together for a project: tools, rules, sandbox, checkpoints.

One place decides what a session is made of, for the window and ``dsdesk agent`` alike. The
stored rules come from dsdesk's data dir, never from the project (a cloned repository cannot
widen what the agent may do).
"""

from __future__ import annotations

import difflib
import json
import posixpath
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsdesk.agent.checkpoint import CheckpointStore, TurnCheckpoints
from dsdesk.agent.mcp.rules import load_tool_rules
from dsdesk.agent.mcp.tools import McpTool
from dsdesk.agent.policy import CallFacts, Mode, Policy, Rule, load_rules, save_rules
from dsdesk.agent.sandbox import sandbox_status
from dsdesk.agent.session import AgentSession
from dsdesk.agent.tools.base import Effect, Tool, ToolContext
from dsdesk.agent.tools.command_risk import command_parts, command_risk
from dsdesk.agent.tools.registry import default_tools, run_call, tool_schemas
from dsdesk.agent.tools.shell import RunCommand
from dsdesk.workspace.jail import normalise_rel

__all__ = ["SessionOptions", "build_session", "call_detail", "call_facts"]

_DETAIL_LINES = 60


@dataclass(frozen=True, slots=True)
class SessionOptions:
    root: Path
    data_dir: Path
    mode: Mode
    network: bool = False  # commands may use the network (the sandbox shares it)
    sandboxed: bool | None = None  # known already (the window probes once); None: probe now
    # Tools of MCP servers (``mcp.tools.make_tools``), taken once: the list is fixed for the
    # session, so a server that changes its tools cannot change the prompt's start.
    mcp_tools: tuple[Tool, ...] = ()


def build_session(opts: SessionOptions) -> tuple[AgentSession, list[str]]:
    """The session and notes for the user (unreadable rules, no sandbox, no checkpoints)."""
    notes: list[str] = []
    rules, problems = load_rules(opts.data_dir, opts.root)
    notes += problems
    user_rules: list[Rule] = []
    if opts.mcp_tools:
        user_rules, problems = load_tool_rules(opts.data_dir)
        notes += problems
    sandboxed = opts.sandboxed
    if sandboxed is None:
        status = sandbox_status()
        sandboxed = status.available
        if not sandboxed:
            notes.append(f"unsandboxed: {status.reason}")
    tools: list[Tool] = [*default_tools(), RunCommand(), *opts.mcp_tools]
    checkpoints = None
    if shutil.which("git"):
        checkpoints = TurnCheckpoints(CheckpointStore(opts.root, opts.data_dir))
    else:
        notes.append("no checkpoints: git is not installed")
    ctx = ToolContext(
        root=opts.root, data_dir=opts.data_dir, sandbox=sandboxed, network=opts.network
    )
    session = AgentSession(
        tools=tuple(tools),
        schemas=tuple(tool_schemas(tools)),
        ctx=ctx,
        policy=Policy(opts.mode, sandboxed, rules=rules, user_rules=user_rules),
        runner=run_call,
        facts=call_facts,
        checkpoints=checkpoints,
        save_rules=lambda rs: save_rules(opts.data_dir, opts.root, rs),
        detail=call_detail,
    )
    return session, notes


def call_facts(tool: Tool, args: Mapping[str, Any], ctx: ToolContext) -> CallFacts:
    """What the policy judges: the path of a file tool, the parts and risks of a command;
    for an MCP tool only its name (rules are per tool) and whether it is destructive."""
    if isinstance(tool, McpTool):
        return CallFacts(tool.name, tool.effect, "", destructive=tool.destructive)
    if tool.effect is Effect.EXECUTE:
        command = str(args.get("command", ""))
        risks = {str(r) for r in command_risk(command, ctx.root)}
        if "$(" in command or "`" in command:
            # A nested command is not judged part by part reliably: it always asks.
            risks.add("runs a nested command")
        return CallFacts(tool.name, tool.effect, command, command_parts(command), frozenset(risks))
    path = args.get("path")
    if isinstance(path, str):
        # Rules match the project path, however the model spelled it ("./a/../secrets/x").
        return CallFacts(tool.name, tool.effect, posixpath.normpath(normalise_rel(path)))
    return CallFacts(tool.name, tool.effect, str(args.get("pattern") or ""))


def call_detail(tool: Tool, args: Mapping[str, Any], ctx: ToolContext) -> str:
    """Exactly what a call will run or change, for the approval question."""
    if isinstance(tool, McpTool):
        args_json = json.dumps(dict(args), ensure_ascii=False, indent=2)
        kind = "destructive" if tool.destructive else "not read-only"
        return _cap(
            f"MCP server {tool.server} ({tool.source})\ntool {tool.tool} ({kind}), "
            f"arguments:\n{args_json}"
        )
    if tool.effect is Effect.EXECUTE:
        where = "in the sandbox" if ctx.sandbox else "UNSANDBOXED"
        net = "network allowed" if ctx.network else "no network"
        return f"$ {args.get('command', '')}\n({where}, {net}, in {ctx.root})"
    path = str(args.get("path", ""))
    if tool.name == "edit_file":
        old = str(args.get("old_string", "")).splitlines()
        new = str(args.get("new_string", "")).splitlines()
        diff = difflib.unified_diff(old, new, f"a/{path}", f"b/{path}", lineterm="", n=2)
        return _cap("\n".join(diff))
    if tool.name == "write_file":
        content = str(args.get("content", ""))
        n = content.count("\n") + (0 if content.endswith("\n") or not content else 1)
        return _cap(f"write {path} ({n} lines):\n{content}")
    return tool.describe(args)


def _cap(text: str) -> str:
    lines = text.splitlines()
    if len(lines) <= _DETAIL_LINES:
        return text
    return "\n".join(lines[:_DETAIL_LINES]) + f"\n… {len(lines) - _DETAIL_LINES} more lines"
