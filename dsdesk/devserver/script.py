"""Scripted agent sessions: a TOML file of replies, one per chat request, in order.

```toml
[defaults]                 # optional
delay = 0.02               # seconds between streamed chunks
chunk_size = 3             # characters per reasoning/content chunk

[[reply]]
reasoning = "Let me look at the project first."
tool_calls = [{ name = "list_dir", arguments = { path = "." } }]

[[reply]]
expect_tool_result = "README.md"   # optional: the request must carry a result containing this
content = "The project has a README."

[[reply]]
error = 503                # an HTTP error instead of an answer (message, retry_after optional)
```

Arguments given as a table are sent as JSON (`{"path": "."}`); a string is sent as it is (even
invalid JSON, to test how a client copes). Ids are generated V4-style when a call has none. A
reply with tool calls finishes with "tool_calls"; others with "stop" unless `finish_reason`
says otherwise. After the last reply the simulator answers "(end of script)".
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .replies import Reply

__all__ = ["END_OF_SCRIPT", "ScriptError", "end_of_script_reply", "load_script", "parse_script"]

END_OF_SCRIPT = "(end of script)"
FINISH_REASONS = ("stop", "length", "content_filter", "insufficient_system_resource")
_TEXT_KEYS = {
    "reasoning",
    "content",
    "tool_calls",
    "finish_reason",
    "delay",
    "chunk_size",
    "expect_tool_result",
}
_ERROR_KEYS = {"error", "message", "retry_after", "expect_tool_result"}
_CALL_KEYS = {"name", "arguments", "id"}
_DEFAULT_KEYS = {"delay", "chunk_size"}
_HEADER = re.compile(r"^\s*\[\[\s*reply\s*\]\]")


class ScriptError(ValueError):
    """A script that cannot be played; the message names the file, the reply and its line."""


def end_of_script_reply(delay: float = 0.0) -> Reply:
    """What the simulator answers once every scripted reply was used: a plain final answer,
    so an agent loop ends cleanly instead of failing on an error it would retry."""
    return Reply.text(
        END_OF_SCRIPT, "The script has no more replies.", chunk_delay=delay, label="end of script"
    )


def load_script(path: str | Path, *, delay: float = 0.0) -> list[Reply]:
    """The replies of a script file; `delay` (seconds between chunks) unless the file sets one.

    Raises ScriptError (a ValueError) with a message naming the file and the faulty reply,
    OSError if the file cannot be read.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScriptError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    return parse_script(text, source=str(path), delay=delay)


def parse_script(text: str, *, source: str = "<script>", delay: float = 0.0) -> list[Reply]:
    """The replies of a script given as text (see the module doc for the format)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScriptError(f"{source}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"defaults", "reply"}
    if unknown:
        raise ScriptError(f"{source}: unknown top-level key {_names(unknown)} (use [[reply]])")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ScriptError(f"{source}: [defaults] must be a table")
    _check_keys(defaults, _DEFAULT_KEYS, f"{source}: [defaults]")
    try:
        default_delay = _number(defaults, "delay", delay) or 0.0
        default_size = _chunk_size(defaults, 3)
    except ScriptError as exc:
        raise ScriptError(f"{source}: [defaults]: {exc}") from None
    entries = data.get("reply")
    if not isinstance(entries, list) or not entries:
        raise ScriptError(f"{source}: no replies: add [[reply]] tables")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if _HEADER.match(line)]
    replies = []
    for index, entry in enumerate(entries):
        label = f"reply {index + 1}"
        if len(lines) == len(entries):
            label += f" (line {lines[index]})"
        try:
            replies.append(_reply(entry, default_delay, default_size, label))
        except ScriptError as exc:
            raise ScriptError(f"{source}: {label}: {exc}") from None
    return replies


def _reply(entry: Any, delay: float, chunk_size: int, label: str) -> Reply:
    if not isinstance(entry, dict):
        raise ScriptError("must be a table")
    expect = _optional(entry, "expect_tool_result", str, "a string")
    if "error" in entry:
        _check_keys(entry, _ERROR_KEYS, "an error reply")
        status = entry["error"]
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
            raise ScriptError(f"error must be an HTTP status from 400 to 599, not {status!r}")
        retry_after = _number(entry, "retry_after", None)
        message = _optional(entry, "message", str, "a string")
        reply = Reply.error(status, message=message, retry_after=retry_after)
        return dataclasses.replace(reply, expect_tool_result=expect, label=label)
    _check_keys(entry, _TEXT_KEYS, "a reply")
    reasoning = _optional(entry, "reasoning", str, "a string")
    content = _optional(entry, "content", str, "a string")
    calls = [_call(i, c) for i, c in enumerate(_list(entry, "tool_calls"))]
    if reasoning is None and content is None and not calls:
        raise ScriptError("empty: give content, reasoning, tool_calls or error")
    finish = _optional(entry, "finish_reason", str, "a string")
    if calls and finish not in (None, "tool_calls"):
        raise ScriptError(f"finish_reason {finish!r} with tool_calls (they finish the reply)")
    if not calls and finish is not None and finish not in FINISH_REASONS:
        raise ScriptError(f"finish_reason must be one of {_names(FINISH_REASONS)}, not {finish!r}")
    return Reply.text(
        content or "",
        reasoning or "",
        finish_reason=finish or "stop",
        chunk_size=_chunk_size(entry, chunk_size),
        tool_calls=calls or None,
        expect_tool_result=expect,
        label=label,
        chunk_delay=_number(entry, "delay", delay) or 0.0,
    )


def _call(index: int, call: Any) -> dict[str, str]:
    where = f"tool_calls[{index}]"
    if not isinstance(call, dict):
        raise ScriptError(f"{where} must be a table like {{ name = ..., arguments = {{...}} }}")
    _check_keys(call, _CALL_KEYS, where)
    name = call.get("name")
    if not isinstance(name, str) or not name:
        raise ScriptError(f"{where} needs a name (a string)")
    arguments = call.get("arguments", {})
    if isinstance(arguments, dict):
        # tomllib gives dates and times as objects JSON cannot hold: name them rather than guess.
        try:
            arguments = json.dumps(arguments, ensure_ascii=False)
        except TypeError as exc:
            raise ScriptError(f"{where}.arguments: {exc}") from None
    elif not isinstance(arguments, str):
        raise ScriptError(f"{where}.arguments must be a table or a string")
    result = {"name": name, "arguments": arguments}
    call_id = call.get("id")
    if call_id is not None:
        if not isinstance(call_id, str) or not call_id:
            raise ScriptError(f"{where}.id must be a non-empty string")
        result["id"] = call_id
    return result


def _check_keys(table: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = set(table) - known
    if unknown:
        raise ScriptError(f"{where}: unknown key {_names(unknown)}; known: {_names(known)}")


def _names(keys: Any) -> str:
    return ", ".join(repr(k) for k in sorted(keys))


def _optional(table: Mapping[str, Any], key: str, kind: type, what: str) -> Any:
    value = table.get(key)
    if value is not None and not isinstance(value, kind):
        raise ScriptError(f"{key} must be {what}, not {value!r}")
    return value


def _list(table: Mapping[str, Any], key: str) -> list[Any]:
    value = table.get(key, [])
    if not isinstance(value, list):
        raise ScriptError(f"{key} must be an array, e.g. [{{ name = ..., arguments = {{...}} }}]")
    return value


def _chunk_size(table: Mapping[str, Any], default: int) -> int:
    size = table.get("chunk_size", default)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ScriptError(f"chunk_size must be a whole number of at least 1, not {size!r}")
    return size


def _number(table: Mapping[str, Any], key: str, default: float | None) -> float | None:
    value = table.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScriptError(f"{key} must be a number of seconds, not {value!r}")
    if value < 0:
        raise ScriptError(f"{key} must not be negative, not {value!r}")
    return float(value)
