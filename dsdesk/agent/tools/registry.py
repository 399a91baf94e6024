"""The tool set the loop offers, its schemas for the request, and running one call safely.

``tool_schemas`` is byte-stable: tools in the fixed ``TOOL_ORDER`` (others after, by name), each
schema copied in its defined key order, so the same tools always serialise to the same JSON —
the prompt cache starts at the tool list, and a reordered list is a full miss.

``run_call`` never raises for anything the model did: an unknown tool, arguments that are not a
JSON object or do not fit the schema, a ``ToolError`` or an unexpected failure all come back as
an error result the model can act on. Output is cut by ``output.fit`` unless the tool bounds its
own (a ``pages_itself = True`` attribute: read_file, read_output).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dsdesk.agent.tools.base import Tool, ToolContext, ToolError, ToolResult
from dsdesk.agent.tools.edit import EditFile, WriteFile
from dsdesk.agent.tools.files import ListDir, ReadFile
from dsdesk.agent.tools.output import EMPTY_OUTPUT, fit
from dsdesk.agent.tools.read_output import ReadOutput
from dsdesk.agent.tools.search import GlobFiles, Grep

__all__ = [
    "TOOL_ORDER",
    "check_args",
    "default_tools",
    "parse_arguments",
    "run_call",
    "schemas_json",
    "tool_schemas",
]

log = logging.getLogger(__name__)

TOOL_ORDER = (
    "read_file",
    "list_dir",
    "glob",
    "grep",
    "edit_file",
    "write_file",
    "run_command",
    "read_output",
)


def default_tools() -> list[Tool]:
    """The built-in tools, in ``TOOL_ORDER``."""
    return [
        ReadFile(),
        ListDir(),
        GlobFiles(),
        Grep(),
        EditFile(),
        WriteFile(),
        # run_command: ``RunCommand`` from tools/shell.py (issue 12, §2/§4) goes here.
        ReadOutput(),
    ]


def _order(tools: Iterable[Tool]) -> list[Tool]:
    by_name: dict[str, Tool] = {}
    for t in tools:
        if t.name in by_name:
            raise ValueError(f"two tools are named {t.name!r}")
        by_name[t.name] = t
    rank = {name: k for k, name in enumerate(TOOL_ORDER)}
    return sorted(by_name.values(), key=lambda t: (rank.get(t.name, len(rank)), t.name))


def _plain(value: Any) -> Any:
    """A JSON-ready deep copy (mappings as dicts, sequences as lists), key order kept."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def tool_schemas(tools: Iterable[Tool]) -> list[dict[str, Any]]:
    """The request's ``tools`` list (OpenAI format), in the fixed order."""
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": _plain(t.parameters),
            },
        }
        for t in _order(tools)
    ]


def schemas_json(tools: Iterable[Tool]) -> str:
    """``tool_schemas`` as compact JSON: identical tools give identical bytes."""
    return json.dumps(tool_schemas(tools), ensure_ascii=False, separators=(",", ":"))


_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _type_ok(value: Any, kind: str) -> bool:
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False  # JSON true is not 1
    return isinstance(value, _TYPES.get(kind, (object,)))


def check_args(schema: Mapping[str, Any], args: Mapping[str, Any]) -> str | None:
    """Why ``args`` do not fit ``schema`` (the subset our tools use: required, property types,
    minimum, enum, additionalProperties false), or None. ``null`` counts as absent."""
    props: Mapping[str, Any] = schema.get("properties", {})
    names = ", ".join(props) or "none"
    for key in schema.get("required", ()):
        if args.get(key) is None:
            return f"missing required argument `{key}` (the arguments are: {names})"
    for key, value in args.items():
        spec = props.get(key)
        if spec is None:
            if schema.get("additionalProperties", True) is False:
                return f"unknown argument `{key}` (the arguments are: {names})"
            continue
        if value is None:
            continue
        kind = spec.get("type")
        if isinstance(kind, str) and not _type_ok(value, kind):
            got = type(value).__name__ if not isinstance(value, str) else "string"
            return f"argument `{key}` must be {_article(kind)} {kind}, not {got} {value!r:.60}"
        if "minimum" in spec and isinstance(value, (int, float)) and value < spec["minimum"]:
            return f"argument `{key}` must be at least {spec['minimum']}, not {value}"
        if "enum" in spec and value not in spec["enum"]:
            allowed = ", ".join(map(str, spec["enum"]))
            return f"argument `{key}` must be one of {allowed}, not {value!r:.60}"
    return None


def _article(kind: str) -> str:
    return "an" if kind[0] in "aeiou" else "a"


def _error(text: str) -> ToolResult:
    return ToolResult(text, summary="error", is_error=True)


def parse_arguments(arguments_json: str) -> dict[str, Any] | str:
    """The call's arguments object, or why it is not one."""
    if not arguments_json.strip():
        return {}  # a call without arguments may come as ""
    try:
        value = json.loads(arguments_json)
        if isinstance(value, str):  # double-encoded: '"{\"path\": ...}"'
            value = json.loads(value)
    except json.JSONDecodeError as exc:
        return f"the arguments are not valid JSON ({exc.msg} at position {exc.pos})"
    if not isinstance(value, dict):
        return f"the arguments must be a JSON object, not {type(value).__name__}"
    return value


async def run_call(
    tools: Sequence[Tool], name: str, arguments_json: str, ctx: ToolContext
) -> ToolResult:
    """Run the model's call of ``name`` with ``arguments_json``; never raises but for
    cancellation. The result's text is what goes back to the model."""
    tool = next((t for t in tools if t.name == name), None)
    if tool is None:
        known = ", ".join(t.name for t in _order(tools))
        return _error(f"There is no tool named `{name}`. The tools are: {known}.")
    args = parse_arguments(arguments_json)
    if isinstance(args, str):
        return _error(f"{name}: {args}. Call it again with a JSON object of arguments.")
    problem = check_args(tool.parameters, args)
    if problem is not None:
        return _error(f"{name}: {problem}.")
    try:
        result = await tool.run(args, ctx)
    except ToolError as exc:
        return _error(exc.message or EMPTY_OUTPUT)
    except Exception as exc:  # a bug in a tool must not end the turn; the model is told
        log.exception("tool %s failed", name)
        return _error(f"{name} failed unexpectedly ({type(exc).__name__}: {exc}).")
    if getattr(tool, "pages_itself", False):
        text = result.text or EMPTY_OUTPUT
    else:
        text = fit(result.text, ctx.outputs)
    return result if text == result.text else dataclasses.replace(result, text=text)
