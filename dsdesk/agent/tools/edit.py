"""``edit_file`` and ``write_file``: changes through the same engine as reviewed edits (the
matching ladder, atomic writes, the undo journal), under one extra rule from DeepSeek's own
harness: a file that exists is only changed if the model read it in this conversation and it
has not changed on disk since (``ctx.read_files``), so an edit is never made against a memory.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsdesk.agent.tools.base import Effect, ToolContext, ToolError, ToolResult
from dsdesk.agent.tools.files import numbered
from dsdesk.agent.tools.paths import resolve
from dsdesk.core.diff_hunks import diff_hunks, unified_diff
from dsdesk.core.edits_match import MatchLevel
from dsdesk.core.edits_parse import EditBlock
from dsdesk.core.errors import EditError
from dsdesk.workspace.edit_plan import (
    BlockOutcome,
    EditPlan,
    FileChange,
    Fingerprint,
    apply_plan,
    fingerprint,
    plan_edits,
)
from dsdesk.workspace.journal import UndoJournal
from dsdesk.workspace.textfile import (
    MAX_BYTES,
    NEW_FILE,
    decode_text,
    final_text,
    normalise_newlines,
    read_file_bytes,
)

__all__ = ["EditFile", "WriteFile"]

SNIPPET_LINES = 30  # of the edited region, shown back with line numbers
_CONTEXT = 2


@dataclass(frozen=True, slots=True)
class _Done:
    rel: str
    old: str | None  # None: created
    new: str
    change_set_id: str
    fingerprint: Fingerprint | None
    how: str = ""  # the ladder level, when not exact


def _not_read(rel: str) -> ToolError:
    return ToolError(
        f"{rel} has not been read in this conversation; read it with read_file first (files "
        "are only changed after you have seen them)."
    )


def _changed(rel: str) -> ToolError:
    return ToolError(
        f"{rel} changed on disk since you last read it; read it again with read_file, then "
        "redo the edit against its current text."
    )


def _write(root: Path, data_dir: Path, plan: EditPlan, label: str) -> str:
    try:
        cs = apply_plan(plan, UndoJournal(root, data_dir), label=label)
    except EditError as exc:
        if exc.reason == "file_changed":
            raise _changed(exc.path or label) from None
        raise ToolError(exc.user_message) from None
    return cs.id


def _closest(o: BlockOutcome) -> str:
    if not o.closest:
        return ""
    rows = "\n".join(f"{n:>6}\t{text}" for n, text in o.closest)
    return f"\nThe closest lines in the file are:\n{rows}"


def _refusal(rel: str, o: BlockOutcome) -> ToolError:
    if o.reason == "file_changed":
        return _changed(rel)
    if o.reason == "ambiguous":
        return ToolError(
            f"old_string matches more than one place in {rel}: {o.message} Include more "
            f"surrounding lines in old_string so it matches exactly one.{_closest(o)}"
        )
    if o.reason == "not_found":
        return ToolError(
            f"old_string was not found in {rel}: {o.message} Copy it exactly from the file "
            f"(whole lines, same indentation; read_file again if unsure).{_closest(o)}"
        )
    return ToolError(o.message)


def _line_block(text: str, old: str, new: str) -> tuple[str, str] | None:
    """For an ``old`` found exactly once inside ``text`` but not on whole lines (a fragment of
    a line, as models used to str_replace tools send): the whole lines around it, before and
    after. Exact and unique, so no guess; the ladder then matches those lines exactly."""
    if not old.strip() or text.count(old) != 1:
        return None
    start = text.index(old)
    end = start + len(old)
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    last = len(text) if last < 0 else last
    return text[first:last], text[first:start] + new + text[end:last]


def _edit(root: Path, data_dir: Path, rel: str, seen: Fingerprint, old: str, new: str) -> _Done:
    plan = plan_edits(root, [EditBlock(0, rel, old, new, "search_replace", 0)], {rel: seen})
    outcome = plan.outcomes[0]
    if outcome.status != "applied" and outcome.reason == "not_found":
        try:
            data, st = read_file_bytes(root / rel, MAX_BYTES, rel=rel)
            if (st.st_size, st.st_mtime_ns) != seen:
                raise _changed(rel)
            fragment = _line_block(decode_text(data, rel).text, old, new)
        except EditError:
            fragment = None
        if fragment is not None:
            block = EditBlock(0, rel, fragment[0], fragment[1], "search_replace", 0)
            retry = plan_edits(root, [block], {rel: seen})
            if retry.outcomes[0].status == "applied":
                plan, outcome = retry, retry.outcomes[0]
    if outcome.status != "applied":
        raise _refusal(rel, outcome)
    if not plan.changes:
        raise ToolError(f"The edit leaves {rel} unchanged.")
    change = plan.changes[0]
    cs_id = _write(root, data_dir, plan, f"edit_file {rel}")
    how = outcome.message if outcome.level not in (MatchLevel.EXACT, None) else ""
    assert change.new_text is not None
    return _Done(rel, change.old_text, change.new_text, cs_id, fingerprint(root / rel), how)


def _replace_whole(
    root: Path, data_dir: Path, rel: str, seen: Fingerprint | None, content: str
) -> _Done:
    """Create ``rel`` or replace all of it (a plan of one whole-file change: the ladder has
    nothing to match, but the write, its re-check and the journal are apply_plan's)."""
    path = root / rel
    try:
        data, st = read_file_bytes(path, MAX_BYTES, rel=rel)
    except EditError as exc:
        if exc.reason != "file_missing" or path.exists():
            raise ToolError(exc.user_message) from None
        text = final_text(NEW_FILE, content)
        change = FileChange(rel, None, text, None, None, None)
    else:
        if seen is None:
            raise _not_read(rel)
        if (st.st_size, st.st_mtime_ns) != seen:
            raise _changed(rel)
        try:
            tf = decode_text(data, rel)
        except EditError as exc:
            raise ToolError(exc.user_message) from None
        text = final_text(tf, content)
        if text == tf.text:
            raise ToolError(f"{rel} already has this content; nothing was written.")
        digest = hashlib.sha256(data).hexdigest()
        change = FileChange(rel, tf.text, text, tf, seen, digest)
    plan = EditPlan(root, (change,), ())
    cs_id = _write(root, data_dir, plan, f"write_file {rel}")
    return _Done(rel, change.old_text, text, cs_id, fingerprint(path))


def _lines(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}–{last}"


def _span_report(done: _Done) -> str:
    """What changed, in lines, and the new lines around it with their numbers, so the model
    knows the file's current state without reading it again."""
    old = done.old or ""
    hunks = diff_hunks(old, done.new)
    if not hunks:
        return ""
    first, last = hunks[0], hunks[-1]
    o1, o2 = first.old_start + 1, last.old_start + len(last.old_lines)
    n1, n2 = first.new_start + 1, last.new_start + len(last.new_lines)
    if o2 < o1:
        what = f"inserted {_lines(n1, n2)}"
    elif n2 < n1:
        what = f"deleted {_lines(o1, o2)} (nothing in their place)"
    elif (o1, o2) == (n1, n2):
        what = f"replaced {_lines(o1, o2)}"
    else:
        what = f"replaced {_lines(o1, o2)}, now {_lines(n1, n2)}"
    lines = done.new.split("\n")
    if lines[-1] == "":
        lines.pop()  # the "line" after a final newline
    lo = max(first.new_start - _CONTEXT, 0)
    hi = min(last.new_start + len(last.new_lines) + _CONTEXT, len(lines))
    if hi - lo > SNIPPET_LINES:
        return f"{what}."
    return f"{what}:\n" + "\n".join(numbered(lines[lo:hi], lo + 1))


def _result(done: _Done, verb: str) -> ToolResult:
    how = f" ({done.how})" if done.how else ""
    report = _span_report(done)
    text = f"{verb} {done.rel}{how}: {report}" if report else f"{verb} {done.rel}{how}."
    diff = unified_diff(done.old or "", done.new, done.rel)
    added = sum(1 for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++"))
    removed = sum(1 for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---"))
    return ToolResult(
        text,
        summary=f"+{added} −{removed}",
        changed=(done.rel,),
        change_set_id=done.change_set_id,
        diff=diff,
    )


class EditFile:
    name = "edit_file"
    description = (
        "Replace text in a project file: `old_string` must be copied exactly from the file "
        "(whole lines, with their indentation, without the line-number prefix read_file shows) "
        "and must match exactly one place; include surrounding lines to make it unique. "
        "`new_string` replaces it. The file must have been read with read_file in this "
        "conversation and not changed since. Every edit is journaled and can be undone."
    )
    parameters: Mapping[str, Any] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "File path relative to the project root"},
            "old_string": {"type": "string", "description": "Exact text to replace"},
            "new_string": {"type": "string", "description": "Text to put in its place"},
        },
        "required": ["path", "old_string", "new_string"],
        "additionalProperties": False,
    }
    effect = Effect.EDIT

    def describe(self, args: Mapping[str, Any]) -> str:
        return f"edit_file {args.get('path', '')}"

    async def run(self, args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        path, rel = resolve(ctx.root, str(args["path"]))
        old = normalise_newlines(str(args["old_string"]))
        new = normalise_newlines(str(args["new_string"]))
        if not old.strip():
            raise ToolError(
                "old_string is empty; to create a file or replace all of it, use write_file."
            )
        if old == new:
            raise ToolError("old_string and new_string are the same; nothing to change.")
        seen = ctx.read_files.get(rel)
        if seen is None:
            if not path.exists():
                raise ToolError(f"{rel} does not exist; create it with write_file.")
            raise _not_read(rel)
        root = ctx.root.resolve()
        done = await asyncio.to_thread(_edit, root, ctx.data_dir, rel, seen, old, new)
        if done.fingerprint is not None:
            ctx.read_files[rel] = done.fingerprint  # its own edit is no reason to read again
        return _result(done, "Edited")


class WriteFile:
    name = "write_file"
    description = (
        "Create a new file with `content`, or replace all of an existing file (which must have "
        "been read with read_file in this conversation and not changed since; for changes to "
        "part of a file prefer edit_file). `path` is relative to the project root; missing "
        "folders are created. Journaled and undoable."
    )
    parameters: Mapping[str, Any] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "File path relative to the project root"},
            "content": {"type": "string", "description": "The whole new content of the file"},
        },
        "required": ["path", "content"],
        "additionalProperties": False,
    }
    effect = Effect.EDIT

    def describe(self, args: Mapping[str, Any]) -> str:
        return f"write_file {args.get('path', '')}"

    async def run(self, args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        _path, rel = resolve(ctx.root, str(args["path"]))
        content = str(args["content"])
        if len(content) > MAX_BYTES:
            raise ToolError(f"The content is too large ({len(content):,} characters).")
        root = ctx.root.resolve()
        seen = ctx.read_files.get(rel)
        done = await asyncio.to_thread(_replace_whole, root, ctx.data_dir, rel, seen, content)
        if done.fingerprint is not None:
            ctx.read_files[rel] = done.fingerprint
        if done.old is None:
            n = done.new.count("\n") + (not done.new.endswith("\n") and bool(done.new))
            return _created(done, n)
        return _result(done, "Replaced all of")


def _created(done: _Done, n: int) -> ToolResult:
    base = _result(done, "Created")
    text = f"Created {done.rel} ({n:,} line{'s' if n != 1 else ''})."
    return ToolResult(
        text,
        summary=f"new · {n:,} line{'s' if n != 1 else ''}",
        changed=base.changed,
        change_set_id=base.change_set_id,
        diff=base.diff,
    )
