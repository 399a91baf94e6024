"""``read_output``: the model pages through an output that was cut (kept in ``ctx.outputs``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsdesk.agent.tools.base import Effect, ToolContext, ToolError, ToolResult
from dsdesk.agent.tools.output import page

__all__ = ["ReadOutput"]


class ReadOutput:
    name = "read_output"
    description = (
        "Read more of a tool output that was cut (the note in it names its id, e.g. out_3): "
        "returns its lines from `offset` (a line number, default 1), as many as fit, and says "
        "where to continue."
    )
    parameters: Mapping[str, Any] = {
        "type": "object",
        "properties": {
            "id": {"type": "string", "description": "The output's id, e.g. out_3"},
            "offset": {"type": "integer", "minimum": 1, "description": "First line (1-based)"},
        },
        "required": ["id"],
        "additionalProperties": False,
    }
    effect = Effect.READ
    pages_itself = True  # a page is within the output bounds already

    def describe(self, args: Mapping[str, Any]) -> str:
        return f"read_output {args.get('id', '')} from line {args.get('offset') or 1}"

    async def run(self, args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        out_id = str(args["id"]).strip()
        text = ctx.outputs.get(out_id)
        if text is None:
            raise ToolError(
                f"There is no output {out_id!r} (only the last {ctx.outputs.max_items} cut "
                "outputs are kept); run the call again if you need it."
            )
        offset = int(args.get("offset") or 1)
        p = page(text, offset)
        if not p.body:
            raise ToolError(f"{out_id} has {p.total:,} lines; offset {offset:,} is past its end.")
        if p.next_offset is None:
            note = f"[lines {p.first:,}–{p.last:,} of {p.total:,}; the end of {out_id}]"
        else:
            note = (
                f"[lines {p.first:,}–{p.last:,} of {p.total:,}; continue with "
                f'read_output(id="{out_id}", offset={p.next_offset})]'
            )
        sep = "" if p.body.endswith("\n") else "\n"
        return ToolResult(f"{p.body}{sep}{note}", summary=f"lines {p.first}–{p.last} of {p.total}")
