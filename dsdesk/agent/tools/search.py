"""``glob`` and ``grep``: finding files and lines across the project.

Both walk with the file tree's listing code (gitignore honoured, ``.git`` hidden) in a worker
thread, so the event loop never waits on the disk; a cancelled call or one past ``DEADLINE_S``
stops the walk at the next file. Results come in path order (then line order): the same call
gives the same bytes, which keeps the loop's repeated-call check and the prompt cache honest
(sorting by mtime, as some peers do, would reorder them whenever a file is saved).
"""

from __future__ import annotations

import asyncio
import codecs
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from dsdesk.agent.tools.base import Effect, ToolContext, ToolError, ToolResult
from dsdesk.agent.tools.paths import resolve, shown
from dsdesk.agent.tools.walk import Glob, Stopped, walk_files
from dsdesk.core.errors import EditError
from dsdesk.workspace.ignore import IgnoreRules
from dsdesk.workspace.textfile import BINARY_SNIFF, MAX_BYTES, decode_text

__all__ = ["GlobFiles", "Grep"]

GLOB_LIMIT = 250  # as grep: a list that usually fits the output bounds, never cut in the middle
GREP_LIMIT = 250  # matches shown
COUNT_LIMIT = 100_000  # matches counted before giving up on an exact "N more"
LINE_CHARS = 300
DEADLINE_S = 30.0
_T = TypeVar("_T")
_UNICODE_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


async def _in_thread(work: Callable[[threading.Event], _T]) -> _T:
    """``work(stop)`` in a worker thread; cancelling the call sets ``stop`` so the thread ends
    soon instead of walking on unseen."""
    stop = threading.Event()
    try:
        return await asyncio.to_thread(work, stop)
    finally:
        stop.set()


def _deadline(stop: threading.Event) -> Callable[[], None]:
    """A check to call per file: raises Stopped once cancelled or past ``DEADLINE_S``."""
    end = time.monotonic() + DEADLINE_S

    def check() -> None:
        if stop.is_set() or time.monotonic() > end:
            raise Stopped

    return check


class GlobFiles:
    name = "glob"
    description = (
        "Find project files by name pattern; paths relative to the project root, sorted, at "
        "most 250. A pattern without / matches file names at any depth (`*.py`, "
        "`test_*.py`); one with / matches from the root (`src/*.py` directly in src, "
        "`src/**/*.py` at any depth, `**/*.{ts,tsx}`). Files ignored by .gitignore are left out."
    )
    parameters: Mapping[str, Any] = {
        "type": "object",
        "properties": {"pattern": {"type": "string", "description": "Glob pattern"}},
        "required": ["pattern"],
        "additionalProperties": False,
    }
    effect = Effect.READ

    def describe(self, args: Mapping[str, Any]) -> str:
        return f"glob {args.get('pattern', '')}"

    async def run(self, args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        pattern = str(args["pattern"])
        if not pattern.strip():
            raise ToolError("The pattern is empty; e.g. **/*.py.")
        glob = Glob(pattern)
        base, rel = resolve(ctx.root, glob.base(), folder_ok=True)
        root = ctx.root.resolve()

        def work(stop: threading.Event) -> tuple[list[str], bool]:
            if not base.is_dir():
                return [], False
            check = _deadline(stop)
            found: list[str] = []
            try:
                for e in walk_files(root, rel, IgnoreRules(root), stop):
                    check()
                    if glob.matches(e.rel_path):
                        found.append(e.rel_path)
            except Stopped:
                return sorted(found), True
            return sorted(found), False

        found, stopped = await _in_thread(work)
        if not found:
            tail = f" (stopped after {DEADLINE_S:.0f} s)" if stopped else ""
            return ToolResult(f"No files match {pattern}{tail}.", summary="no files")
        rows = found[:GLOB_LIMIT]
        if len(found) > GLOB_LIMIT:
            rows.append(f"[… {len(found) - GLOB_LIMIT:,} more files not shown; narrow the pattern]")
        if stopped:
            rows.append(f"[stopped after {DEADLINE_S:.0f} s; the list may be incomplete]")
        n = len(found)
        return ToolResult("\n".join(rows), summary=f"{n:,} file{'s' if n != 1 else ''}")


@dataclass(slots=True)
class _Hits:
    rows: list[str] = field(default_factory=list)
    total: int = 0
    files: int = 0
    large: int = 0  # files over MAX_BYTES, not searched
    stopped: bool = False
    capped: bool = False  # counting stopped at COUNT_LIMIT


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.MULTILINE)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        raise ToolError(
            f"Invalid regular expression{where}: {exc.msg} (Python re syntax; escape special "
            "characters like ( [ . * with a backslash to match them literally)."
        ) from None


def _snippet(line: str, m: re.Match[str] | None) -> str:
    """The line, or ``LINE_CHARS`` of it around the match."""
    if len(line) <= LINE_CHARS:
        return line
    start = 0 if m is None or m.start() < LINE_CHARS // 2 else m.start() - LINE_CHARS // 3
    piece = line[start : start + LINE_CHARS]
    return ("…" if start else "") + piece + ("…" if start + LINE_CHARS < len(line) else "")


def _text(path: Path, rel: str) -> str | None:
    """The file's text, None for binary or unreadable files; read once."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if data.startswith(_UNICODE_BOMS):  # UTF-16 is full of NULs yet text
        try:
            return decode_text(data, rel).text
        except EditError:
            return None
    if b"\x00" in data[:BINARY_SNIFF]:
        return None
    return data.decode("utf-8", errors="replace")


class Grep:
    name = "grep"
    description = (
        "Search file contents with a Python regular expression, line by line; prints "
        "`path:line: text` for each matching line (at most 250; long lines cut). `path`: a "
        "file or folder relative to the project root (default: the whole project). `glob`: "
        "only files matching it (`*.py`, `src/**/*.ts`). Binary files and files ignored by "
        ".gitignore are skipped."
    )
    parameters: Mapping[str, Any] = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "Python regular expression"},
            "path": {"type": "string", "description": "File or folder to search in"},
            "glob": {"type": "string", "description": "Only files matching this glob"},
        },
        "required": ["pattern"],
        "additionalProperties": False,
    }
    effect = Effect.READ

    def describe(self, args: Mapping[str, Any]) -> str:
        where = f" in {args['path']}" if args.get("path") else ""
        only = f" ({args['glob']})" if args.get("glob") else ""
        return f"grep /{args.get('pattern', '')}/{where}{only}"

    async def run(self, args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        pattern = str(args["pattern"])
        if not pattern:
            raise ToolError("The pattern is empty.")
        rx = _compile(pattern)
        target, rel = resolve(ctx.root, str(args.get("path") or "."), folder_ok=True)
        if not target.exists():
            raise ToolError(f"{shown(rel)} does not exist.")
        glob = Glob(str(args["glob"])) if args.get("glob") else None
        root = ctx.root.resolve()
        # A whole-file search first skips files without a match cheaply; patterns whose meaning
        # differs between one line and a whole text (\A, \Z, lookarounds) go line by line only.
        whole = not any(t in pattern for t in ("\\A", "\\Z", "(?"))

        def work(stop: threading.Event) -> _Hits:
            hits = _Hits()
            check = _deadline(stop)
            try:
                if target.is_file():
                    _grep_file(rx, whole, target, rel, hits)
                    return hits
                for e in walk_files(root, rel, IgnoreRules(root), stop):
                    check()
                    if glob is not None and not glob.matches(e.rel_path):
                        continue
                    if e.size > MAX_BYTES:
                        hits.large += 1
                        continue
                    _grep_file(rx, whole, root / e.rel_path, e.rel_path, hits)
                    if hits.total >= COUNT_LIMIT:
                        hits.capped = True
                        break
            except Stopped:
                hits.stopped = True
            return hits

        hits = await _in_thread(work)
        return _grep_result(pattern, rel, hits)


def _grep_file(rx: re.Pattern[str], whole: bool, path: Path, rel: str, hits: _Hits) -> None:
    text = _text(path, rel)
    if text is None or (whole and rx.search(text) is None):
        return
    found = False
    for i, raw in enumerate(text.split("\n")):
        line = raw.removesuffix("\r")
        m = rx.search(line)
        if m is None:
            continue
        found = True
        hits.total += 1
        if len(hits.rows) < GREP_LIMIT:
            hits.rows.append(f"{rel}:{i + 1}: {_snippet(line, m)}")
    hits.files += found


def _grep_result(pattern: str, rel: str, hits: _Hits) -> ToolResult:
    notes: list[str] = []
    more = hits.total - len(hits.rows)
    if more > 0:
        many = f"more than {more:,}" if hits.capped else f"{more:,}"
        notes.append(f"[… {many} more matches not shown; narrow the search with path or glob]")
    if hits.large:
        notes.append(f"[{hits.large:,} files over {MAX_BYTES // 2**20} MB were not searched]")
    if hits.stopped:
        notes.append(f"[stopped after {DEADLINE_S:.0f} s; results are incomplete]")
    if not hits.rows:
        where = rel or "the project"
        text = "\n".join([f"No matches for /{pattern}/ in {where}.", *notes])
        return ToolResult(text, summary="no matches")
    s = "es" if hits.total != 1 else ""
    files = f"{hits.files:,} file{'s' if hits.files != 1 else ''}"
    summary = f"{hits.total:,}{'+' if hits.capped else ''} match{s} in {files}"
    return ToolResult("\n".join(hits.rows + notes), summary=summary)
