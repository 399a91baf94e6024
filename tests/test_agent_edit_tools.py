"""edit_file and write_file: the edit engine (ladder, ambiguity refused with the closest lines,
atomic write, undo journal) under the read-before-write rule."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dsdesk.agent.tools.base import ToolContext
from dsdesk.workspace.atomic import TEMP_SUFFIX
from dsdesk.workspace.journal import UndoJournal
from tests.agent_tools_helpers import call, make_project

APP = "src/app.py"


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    root = make_project(tmp_path / "proj")
    return ToolContext(root=root, data_dir=tmp_path / "data")


def _journal(ctx: ToolContext) -> UndoJournal:
    return UndoJournal(ctx.root, ctx.data_dir)


def _text(ctx: ToolContext, rel: str = APP) -> str:
    return (ctx.root / rel).read_text()


def test_edit_refuses_a_file_never_read(ctx: ToolContext) -> None:
    r = call(ctx, "edit_file", path=APP, old_string="    print('hello')\n", new_string="")
    assert r.is_error and "has not been read in this conversation" in r.text
    assert "read_file" in r.text
    r = call(ctx, "edit_file", path="src/new.py", old_string="a", new_string="b")
    assert r.is_error and "does not exist; create it with write_file" in r.text


def test_edit_refuses_a_file_changed_since_it_was_read(ctx: ToolContext) -> None:
    call(ctx, "read_file", path=APP)
    (ctx.root / APP).write_text(_text(ctx) + "# someone else\n")
    r = call(ctx, "edit_file", path=APP, old_string="    return 0\n", new_string="    return 1\n")
    assert r.is_error and "changed on disk since you last read it" in r.text
    assert "return 0" in _text(ctx) and _journal(ctx).history() == []


def test_edit_refuses_an_ambiguous_match_with_the_closest_lines(ctx: ToolContext) -> None:
    (ctx.root / "dup.py").write_text("a = 1\nx = 0\nb = 2\nx = 0\n")
    call(ctx, "read_file", path="dup.py")
    r = call(ctx, "edit_file", path="dup.py", old_string="x = 0", new_string="x = 9")
    assert r.is_error and "matches more than one place in dup.py" in r.text
    assert "     2\tx = 0\n     4\tx = 0" in r.text
    assert _text(ctx, "dup.py") == "a = 1\nx = 0\nb = 2\nx = 0\n"


def test_edit_refuses_no_match_with_the_closest_lines(ctx: ToolContext) -> None:
    call(ctx, "read_file", path=APP)
    r = call(
        ctx, "edit_file", path=APP, old_string="def mian():\n    print('helo')", new_string="x"
    )
    assert r.is_error and "old_string was not found in src/app.py" in r.text
    assert "The closest lines in the file are:" in r.text and "def main():" in r.text


def test_edit_applies_atomically_journaled_and_undoable(ctx: ToolContext) -> None:
    before = _text(ctx)
    call(ctx, "read_file", path=APP)
    r = call(
        ctx,
        "edit_file",
        path=APP,
        old_string="    print('hello')\n",
        new_string="    print('hello')\n    print('world')\n",
    )
    assert not r.is_error, r.text
    assert r.text.startswith("Edited src/app.py: inserted line 6:\n")
    assert "     6\t    print('world')" in r.text
    assert r.changed == (APP,) and r.summary == "+1 −0"
    assert (
        r.diff.startswith("--- a/src/app.py\n+++ b/src/app.py\n")
        and "+    print('world')" in r.diff
    )
    assert "print('world')" in _text(ctx)
    assert not [p for p in (ctx.root / "src").iterdir() if p.name.endswith(TEMP_SUFFIX)]
    history = _journal(ctx).history()
    assert [cs.id for cs in history] == [r.change_set_id]
    assert history[0].label == "edit_file src/app.py"
    _journal(ctx).undo_last()
    assert _text(ctx) == before


def test_consecutive_edits_need_no_second_read(ctx: ToolContext) -> None:
    call(ctx, "read_file", path=APP)
    r1 = call(ctx, "edit_file", path=APP, old_string="import os", new_string="import sys")
    r2 = call(ctx, "edit_file", path=APP, old_string="    return 0", new_string="    return 2")
    assert not r1.is_error and not r2.is_error, (r1.text, r2.text)
    assert "replaced line 6" in r2.text
    assert _text(ctx).startswith("import sys\n") and "return 2" in _text(ctx)
    st = (ctx.root / APP).stat()
    assert ctx.read_files[APP] == (st.st_size, st.st_mtime_ns)
    assert len(_journal(ctx).history()) == 2


def test_a_unique_fragment_of_a_line_is_edited_in_place(ctx: ToolContext) -> None:
    call(ctx, "read_file", path=APP)
    r = call(ctx, "edit_file", path=APP, old_string="'hello'", new_string="'bye'")
    assert not r.is_error, r.text
    assert "    print('bye')\n" in _text(ctx)
    (ctx.root / "two.py").write_text("f(1)\ng(1)\n")
    call(ctx, "read_file", path="two.py")
    r = call(ctx, "edit_file", path="two.py", old_string="(1)", new_string="(2)")
    assert r.is_error and _text(ctx, "two.py") == "f(1)\ng(1)\n"


def test_edit_keeps_crlf_and_reports_a_looser_match(ctx: ToolContext) -> None:
    (ctx.root / "win.txt").write_bytes(b"one  \r\ntwo\r\nthree\r\n")
    call(ctx, "read_file", path="win.txt")
    r = call(ctx, "edit_file", path="win.txt", old_string="one\ntwo\n", new_string="one\n2\n")
    assert not r.is_error, r.text
    assert "ignoring trailing whitespace" in r.text
    assert (ctx.root / "win.txt").read_bytes() == b"one  \r\n2\r\nthree\r\n"


def test_edit_refusals_for_empty_or_identical_strings(ctx: ToolContext) -> None:
    call(ctx, "read_file", path=APP)
    assert "use write_file" in call(ctx, "edit_file", path=APP, old_string="", new_string="x").text
    same = call(ctx, "edit_file", path=APP, old_string="import os", new_string="import os")
    assert same.is_error and "the same" in same.text


def test_edit_through_a_symlink_inside_the_project_uses_the_real_path(ctx: ToolContext) -> None:
    os.symlink(ctx.root / "src", ctx.root / "alias")
    call(ctx, "read_file", path="alias/util.py")
    assert "src/util.py" in ctx.read_files
    r = call(ctx, "edit_file", path="src/util.py", old_string="x * 2", new_string="x * 3")
    assert not r.is_error and r.changed == ("src/util.py",)


def test_write_file_creates_a_new_file_with_its_folders_undoably(ctx: ToolContext) -> None:
    r = call(ctx, "write_file", path="pkg/sub/new.py", content="a = 1\nb = 2")
    assert not r.is_error, r.text
    assert r.text == "Created pkg/sub/new.py (2 lines)."
    assert _text(ctx, "pkg/sub/new.py") == "a = 1\nb = 2\n"  # a new file gets a final newline
    assert r.changed == ("pkg/sub/new.py",) and r.change_set_id and "+b = 2" in r.diff
    assert "pkg/sub/new.py" in ctx.read_files  # it may edit what it wrote
    _journal(ctx).undo_last()
    assert not (ctx.root / "pkg").exists()


def test_write_file_replaces_only_a_file_it_read(ctx: ToolContext) -> None:
    r = call(ctx, "write_file", path=APP, content="print('new')\n")
    assert r.is_error and "has not been read" in r.text
    call(ctx, "read_file", path=APP)
    (ctx.root / APP).write_text("changed\n")
    r = call(ctx, "write_file", path=APP, content="print('new')\n")
    assert r.is_error and "changed on disk" in r.text
    call(ctx, "read_file", path=APP)
    r = call(ctx, "write_file", path=APP, content="print('new')\n")
    assert not r.is_error, r.text
    assert r.text.startswith("Replaced all of src/app.py: replaced line 1:")
    assert _text(ctx) == "print('new')\n"
    _journal(ctx).undo_last()
    assert _text(ctx) == "changed\n"
    assert call(ctx, "write_file", path="src", content="x").is_error
