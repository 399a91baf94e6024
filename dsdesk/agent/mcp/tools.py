"""MCP tools as agent tools: ``mcp__<server>__<tool>``, their effect, and their results as text.

Names follow the function-name rule of the OpenAI/DeepSeek API (``[a-zA-Z0-9_-]{1,64}``):
other characters become ``_``; a name that is too long, or that two tools would share after
that, is cut and given a short hash of the real names, so it stays the same from run to run.

Annotations feed the approval defaults: ``readOnlyHint`` makes a tool a READ (runs like
read_file); anything else is EXTERNAL, and ``destructive`` unless the server says
``destructiveHint: false`` — the MCP default for a tool without hints is destructive, and a
destructive tool asks in every mode unless the user allowed that very tool.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from dsdesk.agent.mcp.state import McpCallError, ServerState, Status
from dsdesk.agent.tools.base import Effect, ToolContext, ToolError, ToolResult

if TYPE_CHECKING:
    import mcp_types as types

__all__ = ["MAX_NAME", "Caller", "McpTool", "make_tools", "result_text", "tool_name"]

MAX_NAME = 64
_BAD = re.compile(r"[^a-zA-Z0-9_-]")
_MAX_DESCRIPTION = 2000
_MAX_TEXT = 4 * 1024 * 1024  # before the registry's head + tail cut: never hold more


class Caller(Protocol):
    async def call(self, server: str, tool: str, args: dict[str, Any]) -> types.CallToolResult: ...


def tool_name(server: str, tool: str, taken: set[str]) -> str:
    """The model-facing name of ``tool`` on ``server``, unique among ``taken`` (updated)."""
    name = f"mcp__{_BAD.sub('_', server)}__{_BAD.sub('_', tool)}"
    if len(name) > MAX_NAME or name in taken:
        digest = hashlib.sha256(f"{server}\0{tool}".encode()).hexdigest()[:8]
        name = f"{name[: MAX_NAME - 9]}_{digest}"
    taken.add(name)
    return name


@dataclass(eq=False)
class McpTool:
    name: str
    description: str
    parameters: Mapping[str, Any]
    effect: Effect
    server: str
    tool: str
    destructive: bool
    caller: Caller = field(repr=False)
    source: str = ""  # the server, as configured (for approval questions)

    async def run(self, args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            result = await self.caller.call(self.server, self.tool, dict(args))
        except McpCallError as exc:
            raise ToolError(str(exc)) from None
        text, summary = result_text(result)
        return ToolResult(text, summary=summary, is_error=bool(result.is_error))

    def describe(self, args: Mapping[str, Any]) -> str:
        shown = json.dumps(dict(args), ensure_ascii=False, separators=(", ", ": "))
        if len(shown) > 100:
            shown = shown[:99] + "…"
        return f"{self.server} › {self.tool} {shown}"


def hints(tool: types.Tool) -> tuple[bool, bool]:
    """(read_only, destructive) as the spec defines their defaults."""
    a = tool.annotations
    read_only = bool(a is not None and a.read_only_hint)
    destructive = not read_only and (a is None or a.destructive_hint is not False)
    return read_only, destructive


def make_tools(states: Sequence[ServerState], caller: Caller) -> list[McpTool]:
    """Agent tools for the running servers' tools, named in server then tool order."""
    taken: set[str] = set()
    out: list[McpTool] = []
    for state in states:
        if state.status is not Status.RUNNING:
            continue
        for t in state.tools:
            read_only, destructive = hints(t)
            out.append(
                McpTool(
                    name=tool_name(state.name, t.name, taken),
                    description=_description(state.name, t),
                    parameters=_schema(t.input_schema),
                    effect=Effect.READ if read_only else Effect.EXTERNAL,
                    server=state.name,
                    tool=t.name,
                    destructive=destructive,
                    caller=caller,
                    source=state.config.describe(),
                )
            )
    return out


def _description(server: str, tool: types.Tool) -> str:
    text = (tool.description or tool.title or "").strip()
    if len(text) > _MAX_DESCRIPTION:
        text = text[: _MAX_DESCRIPTION - 1] + "…"
    return f"[MCP server {server}] {text}" if text else f"[MCP server {server}] {tool.name}"


def _schema(schema: Any) -> dict[str, Any]:
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        return {"type": "object", "properties": {}}
    return dict(schema)


def result_text(result: types.CallToolResult) -> tuple[str, str]:
    import mcp_types as types  # a result exists: the SDK is loaded already

    """The text the model gets and a summary for people. Text parts are kept; images, audio
    and binary resources are named with their type and size, never pasted in."""
    parts: list[str] = []
    others = 0
    for c in result.content:
        if isinstance(c, types.TextContent):
            parts.append(c.text)
        elif isinstance(c, types.ImageContent | types.AudioContent):
            others += 1
            kind = "image" if isinstance(c, types.ImageContent) else "audio"
            parts.append(f"[{kind} {c.mime_type}, {_size(len(c.data) * 3 // 4)}: not shown]")
        elif isinstance(c, types.ResourceLink):
            parts.append(f"[resource link {c.uri}" + (f" ({c.name})]" if c.name else "]"))
        elif isinstance(c, types.EmbeddedResource):
            r = c.resource
            if isinstance(r, types.TextResourceContents):
                parts.append(f"[resource {r.uri}]\n{r.text}")
            else:
                others += 1
                mime, size = r.mime_type or "binary", _size(len(r.blob) * 3 // 4)
                parts.append(f"[resource {r.uri}, {mime}, {size}: not shown]")
        else:
            others += 1
            parts.append(f"[{getattr(c, 'type', type(c).__name__)} content: not shown]")
        if sum(len(p) for p in parts) > _MAX_TEXT:
            parts.append("[… the rest of this result was dropped: it was larger than 4 MB]")
            break
    if not any(isinstance(c, types.TextContent) for c in result.content):
        structured = result.structured_content
        if structured is not None:
            parts.append(json.dumps(structured, ensure_ascii=False)[:_MAX_TEXT])
    text = "\n".join(parts)
    lines = text.count("\n") + 1 if text else 0
    summary = ("error · " if result.is_error else "") + f"{lines} lines"
    if others:
        summary += f" · {others} non-text part{'s' if others > 1 else ''}"
    return text, summary


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.0f} kB" if n < 1024 * 1024 else f"{n >> 20} MB"
