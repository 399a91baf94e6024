"""``read_file`` and ``list_dir``: looking at the project, one file or one folder at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from dsdesk.agent.tools.base import Effect, ToolContext, ToolError, ToolResult
from dsdesk.agent.tools.output import human_size
from dsdesk.agent.tools.paths import resolve, shown
from dsdesk.core.errors import EditError
from dsdesk.workspace.edit_plan import Fingerprint
from dsdesk.workspace.ignore import IgnoreRules
from dsdesk.workspace.listing import list_dir
from dsdesk.workspace.textfile import MAX_BYTES, decode_text, read_file_bytes

__all__ = ["ListDir", "ReadFile", "numbered"]

READ_LIMIT = 2_000  # lines per read by default
# A window is also cut at this many bytes: a read is the model's own request, so it is not cut
# to head + tail like other output, but it must not swallow the context either (~16k tokens).
READ_CHARS = 64_000
LINE_CHARS = 2_000  # longer lines are cut (minified code): the rest is rarely what is wanted
LIST_LIMIT = 1_000


def numbered(lines: list[str], first: int) -> list[str]:
    """``cat -n`` style: the 1-based number right-aligned in 6 columns, a tab, the line."""
    return [f"{first + k:>6}\t{line}" for k, line in enumerate(lines)]


def _cut_line(line: str) -> str:
    if len(line) <= LINE_CHARS:
        return line
    return f"{line[:LINE_CHARS]}… [line cut: {len(line):,} characters]"


def _opt_int(args: Mapping[str, Any], key: str, default: int) -> int:
    value = args.get(key)
    return default if value is None else int(value)


class ReadFile:
    name = "read_file"
    description = (
        "Read a text file of the project, with line numbers (cat -n style, 1-based). `path` is "
        "relative to the project root. Reads up to 2000 lines from `offset` (a line number, "
        "default 1); `limit` sets how many. A long file is read in ranges: the result says how "
        "to continue. Lines over 2000 characters are cut. You must read a file before "
        "edit_file or write_file can change it. Binary files and files over 8 MB are refused."
    )
    parameters: Mapping[str, Any] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "File path relative to the project root"},
            "offset": {"type": "integer", "minimum": 1, "description": "First line (1-based)"},
            "limit": {"type": "integer", "minimum": 1, "description": "Number of lines"},
        },
        "required": ["path"],
        "additionalProperties": False,
    }
    effect = Effect.READ
    pages_itself = True  # its window is bounded here; head + tail would drop the middle asked for

    def describe(self, args: Mapping[str, Any]) -> str:
        start = _opt_int(args, "offset", 1)
        limit = args.get("limit")
        span = (
            f" {start}–{start + int(limit) - 1}" if limit else (f" {start}–" if start > 1 else "")
        )
        return f"read_file {args.get('path', '')}{span}"

    async def run(self, args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        path, rel = resolve(ctx.root, str(args["path"]))
        offset = _opt_int(args, "offset", 1)
        limit = _opt_int(args, "limit", READ_LIMIT)

        def read() -> tuple[str, Fingerprint]:
            try:
                data, st = read_file_bytes(path, MAX_BYTES, rel=rel)
                return decode_text(data, rel).text, (st.st_size, st.st_mtime_ns)
            except EditError as exc:
                raise ToolError(_read_refusal(exc)) from None

        text, fp = await asyncio.to_thread(read)
        ctx.read_files[rel] = fp  # what the model saw, for edit_file's read-before-write rule
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        total = len(lines)
        if total == 0:
            return ToolResult(f"{rel} is empty (0 lines).", summary="empty")
        if offset > total:
            raise ToolError(f"{rel} has {total:,} lines; offset {offset:,} is past its end.")
        out: list[str] = []
        used = 0
        end = offset - 1
        for line in lines[offset - 1 : offset - 1 + limit]:
            row = f"{end + 1:>6}\t{_cut_line(line)}\n"
            used += len(row)  # characters: close enough to bytes for a budget
            if used > READ_CHARS and out:
                break
            out.append(row)
            end += 1
        body = "".join(out)
        if offset == 1 and end == total:
            return ToolResult(body, summary=f"{total:,} lines")
        note = f"[lines {offset:,}–{end:,} of {total:,}"
        if end < total:
            why = "" if end - offset + 1 >= limit else "; the rest did not fit in one read"
            note += f"{why}; continue with offset={end + 1}"
        return ToolResult(body + note + "]", summary=f"lines {offset}–{end} of {total:,}")


def _read_refusal(exc: EditError) -> str:
    if exc.reason == "too_large":
        return (
            f"{exc.user_message} Search it with grep, or look at parts of it with run_command "
            "(head, tail, sed -n)."
        ).replace("too large to edit", "too large to read")
    if exc.reason == "binary":
        return exc.user_message.replace("it is not edited", "it cannot be read as text")
    return exc.user_message


class ListDir:
    name = "list_dir"
    description = (
        "List a folder of the project: sub-folders (with a trailing /) first, then files with "
        'their sizes. `path` is relative to the project root ("." for the root). Files '
        "ignored by .gitignore and the .git folder are not shown."
    )
    parameters: Mapping[str, Any] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "Folder relative to the project root"},
        },
        "required": ["path"],
        "additionalProperties": False,
    }
    effect = Effect.READ

    def describe(self, args: Mapping[str, Any]) -> str:
        return f"list_dir {args.get('path', '.') or '.'}"

    async def run(self, args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        path, rel = resolve(ctx.root, str(args.get("path", ".")), folder_ok=True)
        if not path.is_dir():
            what = "does not exist" if not path.exists() else "is a file, not a folder"
            raise ToolError(f"{shown(rel)} {what}.")
        root = ctx.root.resolve()
        rules = IgnoreRules(root)
        if rel and rules.is_ignored(rel, is_dir=True):
            raise ToolError(f"{rel} is ignored by .gitignore; its contents are not listed.")
        entries = await asyncio.to_thread(list_dir, root, rel, rules)
        if not entries:
            return ToolResult(f"{shown(rel)}/ is empty.", summary="empty")
        rows: list[str] = []
        for e in entries[:LIST_LIMIT]:
            if e.is_dir:
                rows.append(f"{e.name}/")
            elif e.kind == "symlink":
                rows.append(f"{e.name}  (symlink leading outside the project, or broken)")
            else:
                rows.append(f"{e.name}  {human_size(e.size)}")
        if len(entries) > LIST_LIMIT:
            rows.append(f"[… {len(entries) - LIST_LIMIT:,} more entries not shown; use glob]")
        n = len(entries)
        return ToolResult("\n".join(rows), summary=f"{n:,} entr{'y' if n == 1 else 'ies'}")
