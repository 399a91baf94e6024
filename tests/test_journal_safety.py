"""A tampered or damaged undo journal never acts outside the project, never half-applies an
entry and never crashes with a traceback; temp files and folders left by a kill are cleaned."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dsdesk.cli import main
from dsdesk.core.edits_parse import EditBlock
from dsdesk.core.errors import EditError
from dsdesk.workspace.edit_plan import apply_plan, plan_edits
from dsdesk.workspace.journal import UndoJournal

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX symlinks and SIGKILL")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "proj"
    r.mkdir()
    (r / "a.txt").write_bytes(b"alpha\n")
    (tmp_path / "outside" / "x").mkdir(parents=True)
    (tmp_path / "outside" / "keep.txt").write_bytes(b"not yours\n")
    return r


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def apply(root: Path, journal: UndoJournal, *blocks: EditBlock, label: str = "edit") -> None:
    plan = plan_edits(root, list(blocks))
    assert plan.all_applied, plan.outcomes
    apply_plan(plan, journal, label=label)


def change(rel: str, search: str, replace: str) -> EditBlock:
    return EditBlock(0, rel, search, replace, "search_replace", 1)


def create(rel: str, text: str) -> EditBlock:
    return EditBlock(0, rel, "", text, "whole_file", 1)


def tamper(journal: UndoJournal, how: Callable[[dict[str, Any]], None], k: int = -1) -> None:
    """Edit the k-th change set of the index by hand."""
    index = journal.dir / "index.json"
    body = json.loads(index.read_text())
    how(body["change_sets"][k])
    index.write_text(json.dumps(body))


def outside_paths(tmp_path: Path, root: Path, leaf: str) -> list[str]:
    """``outside/leaf`` named four ways: "..", absolute, through a linked folder, dodging."""
    (root / "link").symlink_to(tmp_path / "outside", target_is_directory=True)
    far = tmp_path / "outside" / leaf
    return [f"../outside/{leaf}", str(far), f"link/{leaf}", f"made/../../outside/{leaf}"]


# -- paths -------------------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("k", range(4))
def test_dirs_outside_the_project_are_never_removed(
    root: Path, data: Path, tmp_path: Path, k: int
) -> None:
    bad = outside_paths(tmp_path, root, "x")[k]
    j = UndoJournal(root, data)
    apply(root, j, create("made/new.txt", "new\n"), label="make a folder")
    tamper(j, lambda e: e["dirs"].append(bad))
    with pytest.raises(EditError) as info:
        j.undo_last()
    message = info.value.user_message
    assert '"make a folder"' in message and "damaged" in message and bad in message
    assert (tmp_path / "outside" / "x").is_dir()  # not removed
    assert (root / "made" / "new.txt").read_bytes() == b"new\n"  # not half-applied either
    assert j.history() == []  # set aside


@posix_only
@pytest.mark.parametrize("k", range(4))
def test_file_paths_outside_the_project_are_never_touched(
    root: Path, data: Path, tmp_path: Path, k: int
) -> None:
    bad = outside_paths(tmp_path, root, "keep.txt")[k]
    j = UndoJournal(root, data)
    apply(root, j, change("a.txt", "alpha\n", "ALPHA\n"), create("b.txt", "b\n"))

    def point_out(e: dict[str, Any]) -> None:
        e["files"][1]["path"] = bad  # b.txt, created: undo would delete it

    tamper(j, point_out)
    with pytest.raises(EditError) as info:
        j.undo_last()
    assert "damaged" in info.value.user_message and bad in info.value.user_message
    assert (tmp_path / "outside" / "keep.txt").read_bytes() == b"not yours\n"
    assert (root / "a.txt").read_bytes() == b"ALPHA\n"  # the valid file of the entry neither
    assert j.history() == []  # set aside


# -- shapes ------------------------------------------------------------------------------------

DAMAGE: dict[str, Callable[[dict[str, Any]], None]] = {
    "created is text": lambda e: e.update(created="yesterday"),
    "created missing": lambda e: e.pop("created"),
    "id is a number": lambda e: e.update(id=7),
    "files is text": lambda e: e.update(files="a.txt"),
    "dirs is text": lambda e: e.update(dirs="made"),
    "a dir is a number": lambda e: e.update(dirs=[1]),
    "path is a number": lambda e: e["files"][0].update(path=5),
    "mode is text": lambda e: e["files"][0].update(mode="rw-r--r--"),
    "mode is too big": lambda e: e["files"][0].update(mode=2**40),
    "before is a number": lambda e: e["files"][0].update(before=5),
    "before is a path": lambda e: e["files"][0].update(before="../../../../etc/passwd"),
    "after is missing": lambda e: e["files"][0].pop("after"),
    "a file is a list": lambda e: e["files"].append(["a.txt"]),
    "not an object": lambda e: (e.clear(), e.update(x=1)),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_damaged_entry_is_reported_and_skipped_never_half_applied(
    root: Path, data: Path, damage: str
) -> None:
    j = UndoJournal(root, data)
    apply(root, j, change("a.txt", "alpha\n", "one\n"), label="first")
    apply(root, j, change("a.txt", "one\n", "two\n"), create("b.txt", "b\n"), label="second")
    tamper(j, DAMAGE[damage])
    with pytest.raises(EditError) as info:
        j.undo_last()
    assert "damaged" in info.value.user_message
    assert (root / "a.txt").read_bytes() == b"two\n" and (root / "b.txt").exists()
    # Set aside, kept for inspection; the valid entry before it is still usable.
    assert list(j.dir.glob("*damaged*.json"))
    assert [cs.label for cs in j.history()] == ["first"]
    (root / "a.txt").write_bytes(b"one\n")  # as the first change left it
    assert [cs.label for cs in j.undo_last()] == ["first"]
    assert (root / "a.txt").read_bytes() == b"alpha\n"


def test_an_older_damaged_entry_does_not_block_newer_ones(root: Path, data: Path) -> None:
    j = UndoJournal(root, data)
    apply(root, j, change("a.txt", "alpha\n", "one\n"), label="first")
    apply(root, j, change("a.txt", "one\n", "two\n"), label="second")
    tamper(j, lambda e: e.update(dirs="x"), k=0)
    assert [cs.label for cs in j.undo_last()] == ["second"]
    assert (root / "a.txt").read_bytes() == b"one\n"
    apply(root, j, change("a.txt", "one\n", "three\n"), label="third")  # recording works too
    assert [cs.label for cs in j.history()] == ["third"]


def test_cli_undo_reports_a_damaged_entry_and_exits_1(
    root: Path, data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DSDESK_HOME", str(data.parent / "home"))
    assert main(["apply", "--root", str(root), _reply(root, "a.txt", "alpha", "ALPHA")]) == 0
    from dsdesk.config.paths import data_dir

    j = UndoJournal(root, data_dir())
    tamper(j, lambda e: e.update(created="yesterday", dirs=["../outside/x"]))
    capsys.readouterr()
    assert main(["undo", "--list", "--root", str(root)]) == 0
    listed = capsys.readouterr()
    assert "nothing to undo" in listed.out and "damaged" in listed.err
    assert main(["undo", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dsdesk undo: ") and "damaged" in err and "Traceback" not in err
    assert (root / "a.txt").read_bytes() == b"ALPHA\n"
    assert (root.parent / "outside" / "x").is_dir()


def _reply(root: Path, rel: str, search: str, replace: str) -> str:
    path = root.parent / "reply.md"
    path.write_text(
        f"{rel}\n```\n<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n```\n"
    )
    return str(path)
