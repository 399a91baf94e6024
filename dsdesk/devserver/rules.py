"""What DeepSeek rejects in a chat request, with the API's own 400 texts (see errors.py).

Two kinds, checked in the real server's order: the body must deserialize (roles, the shape of
`tools`: serde errors naming a path and a line/column), then the conversation must make sense
(assistant content, tool-call pairing, unique ids, reasoning passed back, tool_choice).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from . import errors

_WS = " \t\n\r"
PathStep = str | int


def deserialize_error(request: dict[str, Any], body: str) -> str | None:
    """The serde-style message for a body the real API cannot deserialize, else None."""
    found = _roles(request.get("messages") or []) or _tools(request)
    if found is None:
        return None
    path, detail = found
    line, column = position(body, value_end(body, path))
    return errors.DESERIALIZE.format(detail=detail, line=line, column=column)


def semantic_error(request: dict[str, Any], thinking: bool) -> str | None:
    """The 400 message for a well-formed request that breaks a tool-calling rule, else None."""
    messages = [m for m in request.get("messages") or [] if isinstance(m, dict)]
    choice = request.get("tool_choice")
    if thinking and choice is not None and choice not in ("auto", "none"):
        return errors.THINKING_TOOL_CHOICE
    for message in messages:
        if (
            message.get("role") == "assistant"
            and message.get("content") is None
            and not message.get("tool_calls")
        ):
            return errors.CONTENT_OR_TOOL_CALLS
    return (
        _duplicate_id(request.get("messages") or [])
        or _pairing(messages)
        or (errors.REASONING_NOT_PASSED_BACK if thinking and _reasoning_missing(messages) else None)
    )


def prefix_error(request: dict[str, Any], beta: bool) -> str | None:
    """Chat prefix completion: ``"prefix": true`` only on the last message, an assistant's,
    and only on the beta path (``beta`` False: the plain path, or a server that refuses it)."""
    messages = [m for m in request.get("messages") or [] if isinstance(m, dict)]
    marked = [i for i, m in enumerate(messages) if m.get("prefix") is True]
    if not marked:
        return None
    last = len(messages) - 1
    if marked != [last] or messages[last].get("role") != "assistant":
        return errors.PREFIX_NOT_LAST_ASSISTANT
    return None if beta else errors.PREFIX_NEEDS_BETA


# -- deserialization ----------------------------------------------------------------------------


def _kind(value: Any) -> str:
    # serde's words for an unexpected JSON value ("invalid type: map, expected ...").
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f"string {json.dumps(value)}"
    return "sequence" if isinstance(value, list) else "map"


def _roles(messages: Any) -> tuple[tuple[PathStep, ...], str] | None:
    if not isinstance(messages, list):
        return None
    expected = ", ".join(f"`{r}`" for r in errors.ROLES)
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        if "role" not in message:
            return ("messages", i), f"messages[{i}]: missing field `role`"
        role = message["role"]
        if role not in errors.ROLES:
            what = f"unknown variant `{role}`" if isinstance(role, str) else _kind(role)
            detail = f"messages[{i}].role: {what}, expected one of {expected}"
            return ("messages", i, "role"), detail
    return None


def _tools(request: dict[str, Any]) -> tuple[tuple[PathStep, ...], str] | None:
    tools = request.get("tools")
    if tools is None:
        return None
    if not isinstance(tools, list):
        return ("tools",), f"tools: invalid type: {_kind(tools)}, expected a sequence"
    for i, tool in enumerate(tools):
        at = f"tools[{i}]"
        if not isinstance(tool, dict):
            return ("tools", i), f"{at}: invalid type: {_kind(tool)}, expected struct Tool"
        for key in ("type", "function"):
            if key not in tool:
                return ("tools", i), f"{at}: missing field `{key}`"
        if tool["type"] != "function":
            kind = tool["type"]
            what = f"unknown variant `{kind}`" if isinstance(kind, str) else _kind(kind)
            return ("tools", i, "type"), f"{at}.type: {what}, expected `function`"
        function = tool["function"]
        if not isinstance(function, dict):
            detail = f"{at}.function: invalid type: {_kind(function)}, expected struct Function"
            return ("tools", i, "function"), detail
        if "name" not in function:
            return ("tools", i, "function"), f"{at}.function: missing field `name`"
        if not isinstance(function["name"], str):
            name = _kind(function["name"])
            detail = f"{at}.function.name: invalid type: {name}, expected a string"
            return ("tools", i, "function", "name"), detail
    return None


def value_end(text: str, path: Sequence[PathStep]) -> int | None:
    """Offset just past the JSON value at `path` (keys and list indexes) in `text`, if found."""
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    try:
        for step in path:
            child = _child(text, pos, step, decoder)
            if child is None:
                return None
            pos = child
        return int(decoder.raw_decode(text, pos)[1])
    except (ValueError, IndexError):
        return None


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def _child(text: str, pos: int, step: PathStep, decoder: json.JSONDecoder) -> int | None:
    # `pos` is at an object or array; the start of its member `step`.
    if text[pos] != ("{" if isinstance(step, str) else "["):
        return None
    pos = _skip(text, pos + 1)
    index = 0
    while text[pos] not in "}]":
        if isinstance(step, str):
            key, pos = decoder.raw_decode(text, pos)
            pos = _skip(text, _skip(text, pos) + 1)  # past the colon
            if key == step:
                return pos
        elif index == step:
            return pos
        pos = _skip(text, decoder.raw_decode(text, pos)[1])
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
        index += 1
    return None


def position(text: str, end: int | None) -> tuple[int, int]:
    """serde_json's "line L column C" for an offset: 1-based line, bytes read on that line."""
    end = len(text) if end is None else end
    start = text.rfind("\n", 0, end) + 1
    return text.count("\n", 0, end) + 1, len(text[start:end].encode())


# -- conversation rules ---------------------------------------------------------------------


def _calls(message: dict[str, Any]) -> Iterator[Any]:
    for call in message.get("tool_calls") or ():
        yield call.get("id") if isinstance(call, dict) else None


def _duplicate_id(messages: list[Any]) -> str | None:
    # Ids must be unique across the whole history: among the calls, and among the results.
    calls: set[Any] = set()
    results: set[Any] = set()
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        if message.get("role") == "assistant":
            ids = list(_calls(message))
            seen = calls
        elif message.get("role") == "tool":
            ids = [message.get("tool_call_id")]
            seen = results
        else:
            continue
        for call_id in ids:
            if call_id in seen:
                shown = call_id if isinstance(call_id, str) else ""
                return errors.TOOL_CALL_ID_DUPLICATE.format(id=shown, index=index)
            seen.add(call_id)
    return None


def _pairing(messages: list[dict[str, Any]]) -> str | None:
    """Every call answered by one tool message, right after its assistant message, in order;
    no tool message anywhere else. (The order rule is stricter than anything reported.)"""
    i = 0
    while i < len(messages):
        message = messages[i]
        if message.get("role") == "tool":
            return errors.TOOL_WITHOUT_CALL
        i += 1
        if message.get("role") != "assistant":
            continue
        ids = list(_calls(message))
        for expected in ids:
            if i >= len(messages) or messages[i].get("role") != "tool":
                return errors.TOOL_RESULTS_MISSING
            got = messages[i].get("tool_call_id")
            if got != expected:
                return errors.TOOL_RESULTS_MISSING if got in ids else errors.TOOL_WITHOUT_CALL
            i += 1
    return None


def _reasoning_missing(messages: list[dict[str, Any]]) -> bool:
    # A tool-calling assistant turn must carry its reasoning_content back (even "").
    return any(
        m.get("role") == "assistant" and m.get("tool_calls") and "reasoning_content" not in m
        for m in messages
    )
