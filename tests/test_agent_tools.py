"""The agent's read tools (read_file, list_dir, glob, grep), the jail every path goes through,
and the registry: schemas, argument checking, errors as results, output cutting."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from dsdesk.agent.tools import files as files_mod
from dsdesk.agent.tools.base import Effect, ToolContext, ToolError, ToolResult
from dsdesk.agent.tools.output import MAX_OUTPUT_BYTES
from dsdesk.agent.tools.registry import (
    TOOL_ORDER,
    default_tools,
    run_call,
    schemas_json,
    tool_schemas,
)
from dsdesk.agent.tools.walk import Glob
from tests.agent_tools_helpers import call, make_project, raw_call


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    root = make_project(tmp_path / "proj")
    return ToolContext(root=root, data_dir=tmp_path / "data")


# -- the jail ---------------------------------------------------------------------------------


@pytest.fixture
def outside_link(ctx: ToolContext, tmp_path: Path) -> str:
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "key.txt").write_text("hunter2\n")
    os.symlink(tmp_path / "secret", ctx.root / "leak")
    return "leak/key.txt"


BAD_PATHS = ["/etc/passwd", "../secret/key.txt", "src/../../secret/key.txt", ".git/config"]


@pytest.mark.parametrize("path", BAD_PATHS)
@pytest.mark.parametrize(
    ("tool", "extra"),
    [
        ("read_file", {}),
        ("list_dir", {}),
        ("grep", {"pattern": "x"}),
        ("edit_file", {"old_string": "a", "new_string": "b"}),
        ("write_file", {"content": "x"}),
    ],
)
def test_every_tool_refuses_paths_outside_the_project_or_in_git(
    ctx: ToolContext, tool: str, extra: dict[str, Any], path: str
) -> None:
    r = call(ctx, tool, path=path, **extra)
    assert r.is_error
    assert (
        "outside the project" in r.text or "inside .git/" in r.text or "not a file path" in r.text
    )
    assert "hunter2" not in r.text


def test_a_symlink_leaving_the_project_is_refused_for_reads(
    ctx: ToolContext, outside_link: str
) -> None:
    r = call(ctx, "read_file", path=outside_link)
    assert r.is_error and "outside the project" in r.text
    assert call(ctx, "list_dir", path="leak").is_error
    assert "hunter2" not in call(ctx, "grep", pattern="hunter").text
    assert call(ctx, "glob", pattern="**/*.txt").text.startswith("No files match")


# -- read_file --------------------------------------------------------------------------------


def test_read_file_numbers_lines_and_records_what_was_seen(ctx: ToolContext) -> None:
    r = call(ctx, "read_file", path="./src/util.py")
    assert not r.is_error
    assert r.text == "     1\tdef helper(x):\n     2\t    return x * 2\n"
    st = (ctx.root / "src/util.py").stat()
    assert ctx.read_files == {"src/util.py": (st.st_size, st.st_mtime_ns)}


def test_read_file_ranges_say_how_to_continue(ctx: ToolContext) -> None:
    (ctx.root / "big.txt").write_text("".join(f"row {i}\n" for i in range(1, 8124)))
    r = call(ctx, "read_file", path="big.txt")
    assert r.text.startswith("     1\trow 1\n")
    assert r.text.endswith("[lines 1–2,000 of 8,123; continue with offset=2001]")
    r = call(ctx, "read_file", path="big.txt", offset=8120, limit=10)
    assert r.text.startswith("  8120\trow 8120\n") and r.text.endswith(
        "[lines 8,120–8,123 of 8,123]"
    )
    r = call(ctx, "read_file", path="big.txt", offset=9000)
    assert r.is_error and "past its end" in r.text


def test_read_file_window_is_bounded_and_long_lines_cut(ctx: ToolContext) -> None:
    (ctx.root / "wide.txt").write_text(("y" * 5_000 + "\n") * 100)
    r = call(ctx, "read_file", path="wide.txt")
    assert "[line cut: 5,000 characters]" in r.text
    assert len(r.text) <= files_mod.READ_CHARS + 200
    assert "the rest did not fit in one read; continue with offset=" in r.text


def test_read_file_refuses_binary_missing_and_oversize(
    ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = call(ctx, "read_file", path="logo.png")
    assert r.is_error and "binary" in r.text
    r = call(ctx, "read_file", path="nope.py")
    assert r.is_error and "does not exist" in r.text
    r = call(ctx, "read_file", path="src")
    assert r.is_error and "folder" in r.text
    monkeypatch.setattr(files_mod, "MAX_BYTES", 10)
    r = call(ctx, "read_file", path="src/app.py")
    assert r.is_error and "too large to read" in r.text and "grep" in r.text
    assert ctx.read_files == {}


def test_read_file_empty_file(ctx: ToolContext) -> None:
    (ctx.root / "empty.txt").write_text("")
    r = call(ctx, "read_file", path="empty.txt")
    assert not r.is_error and "empty" in r.text
    assert "empty.txt" in ctx.read_files


# -- list_dir ---------------------------------------------------------------------------------


def test_list_dir_folders_first_gitignore_and_git_hidden(ctx: ToolContext) -> None:
    r = call(ctx, "list_dir", path=".")
    rows = r.text.split("\n")
    assert rows[:2] == ["docs/", "src/"]
    names = [row.split("  ")[0] for row in rows]
    assert "README.md" in names and "logo.png" in names
    assert not {"build/", ".git/", "debug.log"} & set(names)
    assert "README.md  14 B" in rows
    assert call(ctx, "list_dir", path="src").text.split("\n")[0] == "web/"


def test_list_dir_refusals(ctx: ToolContext) -> None:
    assert "is a file" in call(ctx, "list_dir", path="README.md").text
    assert "does not exist" in call(ctx, "list_dir", path="nope").text
    assert "ignored by .gitignore" in call(ctx, "list_dir", path="build").text


# -- glob -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "hit"),
    [
        ("*.py", "a/b/c.py", True),
        ("*.py", "c.pyc", False),
        ("src/*.py", "src/a.py", True),
        ("src/*.py", "src/x/a.py", False),
        ("src/**/*.py", "src/a.py", True),
        ("src/**/*.py", "src/x/y/a.py", True),
        ("**/*.{ts,tsx}", "web/v.tsx", True),
        ("**/*.{ts,tsx}", "web/v.js", False),
        ("test_?.py", "tests/test_1.py", True),
        ("[ab].txt", "a.txt", True),
        ("[!ab].txt", "a.txt", False),
        ("docs/**", "docs/x/y.md", True),
        ("./src/*.py", "src/a.py", True),
    ],
)
def test_glob_patterns(pattern: str, path: str, hit: bool) -> None:
    assert Glob(pattern).matches(path) is hit


def test_glob_finds_files_sorted_without_ignored_ones(ctx: ToolContext) -> None:
    r = call(ctx, "glob", pattern="*.py")
    assert r.text == "src/app.py\nsrc/util.py"
    assert (
        call(ctx, "glob", pattern="src/**/*.{ts,tsx}").text == "src/web/page.ts\nsrc/web/view.tsx"
    )
    assert call(ctx, "glob", pattern="*.zzz").text == "No files match *.zzz."
    assert call(ctx, "glob", pattern=".git/*").is_error


def test_glob_caps_its_list(ctx: ToolContext) -> None:
    many = ctx.root / "many"
    many.mkdir()
    for i in range(520):
        (many / f"f{i:03}.txt").write_text("")
    r = call(ctx, "glob", pattern="many/*.txt")
    rows = r.text.split("\n")
    assert rows[0] == "many/f000.txt" and rows[249] == "many/f249.txt"
    assert rows[250:] == ["[… 270 more files not shown; narrow the pattern]"]
    assert r.summary == "520 files"


# -- grep -------------------------------------------------------------------------------------


def test_grep_prints_path_line_text_honouring_gitignore(ctx: ToolContext) -> None:
    r = call(ctx, "grep", pattern=r"main\(")
    assert r.text == "docs/guide.md:3: Use main() to start.\nsrc/app.py:4: def main():"
    assert r.summary == "2 matches in 2 files"
    # build/ and *.log are ignored, .git/ hidden, logo.png binary: none of their "main"s
    assert call(ctx, "grep", pattern="main", glob="*.py").text == "src/app.py:4: def main():"


def test_grep_in_a_path_and_anchors(ctx: ToolContext) -> None:
    assert call(ctx, "grep", pattern="^def", path="src/util.py").text == (
        "src/util.py:1: def helper(x):"
    )
    assert call(ctx, "grep", pattern="^    return", path="src").text == (
        "src/app.py:6:     return 0\nsrc/util.py:2:     return x * 2"
    )
    r = call(ctx, "grep", pattern="nothing here")
    assert r.text == "No matches for /nothing here/ in the project." and not r.is_error
    assert call(ctx, "grep", pattern="x", path="missing").is_error


def test_grep_reports_regex_errors_with_their_position(ctx: ToolContext) -> None:
    r = call(ctx, "grep", pattern="foo(bar")
    assert r.is_error
    assert "Invalid regular expression at position 3: missing ), unterminated subpattern" in r.text


def test_grep_caps_matches_and_cuts_long_lines(ctx: ToolContext) -> None:
    (ctx.root / "hits.txt").write_text("".join(f"hit {i}\n" for i in range(1, 401)))
    (ctx.root / "wide.txt").write_text("a" * 1_000 + "needle" + "b" * 1_000 + "\n")
    r = call(ctx, "grep", pattern=r"^hit \d+$")
    rows = r.text.split("\n")
    assert rows[0] == "hits.txt:1: hit 1" and rows[249] == "hits.txt:250: hit 250"
    assert rows[250] == "[… 150 more matches not shown; narrow the search with path or glob]"
    wide = call(ctx, "grep", pattern="needle").text
    assert "needle" in wide and len(wide) < 350 and wide.startswith("wide.txt:1: …")


def test_grep_reads_utf16_text_and_skips_binary(ctx: ToolContext) -> None:
    (ctx.root / "wide16.txt").write_bytes("\ufeffzebra\n".encode("utf-16-le"))
    assert call(ctx, "grep", pattern="zebra").text == "wide16.txt:1: zebra"
    assert "logo.png" not in call(ctx, "grep", pattern="main").text


# -- registry ---------------------------------------------------------------------------------


def test_schemas_are_in_a_fixed_order_and_byte_identical(ctx: ToolContext) -> None:
    tools = default_tools()
    schemas = tool_schemas(tools)
    names = [s["function"]["name"] for s in schemas]
    assert names == [n for n in TOOL_ORDER if n != "run_command"]
    shuffled = list(tools)
    random.Random(1).shuffle(shuffled)
    assert schemas_json(shuffled) == schemas_json(default_tools())
    for s in schemas:
        assert s["type"] == "function"
        fn = s["function"]
        assert fn["description"] and fn["parameters"]["additionalProperties"] is False
        assert set(fn["parameters"]["required"]) <= set(fn["parameters"]["properties"])
    assert json.loads(schemas_json(tools)) == schemas


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("read_file", '{"path": "a.py"', "not valid JSON (Expecting ',' delimiter at position"),
        ("read_file", '["a.py"]', "must be a JSON object, not list"),
        ("read_file", "{}", "missing required argument `path`"),
        ("read_file", '{"path": 3}', "argument `path` must be a string, not int"),
        ("read_file", '{"path": "a", "offset": "10"}', "`offset` must be an integer, not string"),
        ("read_file", '{"path": "a", "offset": true}', "`offset` must be an integer"),
        ("read_file", '{"path": "a", "offset": 0}', "`offset` must be at least 1"),
        ("read_file", '{"file_path": "a"}', "missing required argument `path`"),
        (
            "edit_file",
            '{"path": "a", "old_string": "x", "new_string": "y", "all": true}',
            "unknown",
        ),
        ("nope", "{}", "There is no tool named `nope`. The tools are: read_file, list_dir"),
    ],
)
def test_invalid_calls_come_back_as_error_results(
    ctx: ToolContext, name: str, arguments: str, message: str
) -> None:
    r = raw_call(ctx, name, arguments)
    assert r.is_error and message in r.text, r.text


def test_double_encoded_and_empty_arguments(ctx: ToolContext) -> None:
    assert not raw_call(ctx, "read_file", json.dumps(json.dumps({"path": "README.md"}))).is_error
    assert not raw_call(ctx, "list_dir", '{"path": "."}').is_error
    r = raw_call(ctx, "read_file", "")
    assert r.is_error and "missing required argument `path`" in r.text


class _Fake:
    description = "test"
    parameters: Mapping[str, Any] = {"type": "object", "properties": {}}
    effect = Effect.EXECUTE

    def __init__(self, name: str, text: str = "", exc: Exception | None = None) -> None:
        self.name = name
        self._text = text
        self._exc = exc

    def describe(self, args: Mapping[str, Any]) -> str:
        return self.name

    async def run(self, args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        if self._exc is not None:
            raise self._exc
        return ToolResult(self._text, summary="ran", exit_code=0)


def test_tool_failures_are_results_and_output_is_cut(ctx: ToolContext) -> None:
    import asyncio

    big = "".join(f"log {i}\n" for i in range(3_000))
    tools = [
        *default_tools(),
        _Fake("loud", big),
        _Fake("quiet"),
        _Fake("refuses", exc=ToolError("no, because")),
        _Fake("buggy", exc=KeyError("k")),
    ]

    def run(name: str, args: str = "{}") -> ToolResult:
        return asyncio.run(run_call(tools, name, args, ctx))

    assert run("quiet").text == "(no output)"
    r = run("refuses")
    assert r.is_error and r.text == "no, because"
    r = run("buggy")
    assert r.is_error and "buggy failed unexpectedly (KeyError" in r.text
    r = run("loud")
    assert r.exit_code == 0 and r.summary == "ran"
    assert len(r.text.encode()) < MAX_OUTPUT_BYTES + 200
    assert r.text.startswith("log 0\n") and r.text.endswith("log 2999\n")
    assert 'read_output(id="out_1", offset=129)' in r.text
    page = run("read_output", '{"id": "out_1", "offset": 129}')
    assert page.text.startswith("log 128\n")
    assert page.text.endswith('continue with read_output(id="out_1", offset=385)]')
    last = run("read_output", '{"id": "out_1", "offset": 2990}')
    assert last.text.endswith("log 2999\n[lines 2,990–3,000 of 3,000; the end of out_1]")
    assert run("read_output", '{"id": "out_9"}').is_error


def test_grep_runs_off_the_event_loop_and_stops_when_cancelled(
    ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import threading

    from dsdesk.agent.tools import search

    loop_ran = threading.Event()
    files_seen: list[str] = []

    def slow_grep_file(*args: Any) -> None:
        files_seen.append(args[3])
        # Only a free event loop can set this: a grep on the loop thread would wait in vain.
        assert loop_ran.wait(5)

    monkeypatch.setattr(search, "_grep_file", slow_grep_file)

    async def main() -> None:
        task = asyncio.ensure_future(run_call(default_tools(), "grep", '{"pattern": "x"}', ctx))
        await asyncio.sleep(0.05)
        task.cancel()
        loop_ran.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.2)  # the worker notices the stop at its next file

    asyncio.run(main())
    assert len(files_seen) == 1  # the walk stopped at the next file after the cancel
