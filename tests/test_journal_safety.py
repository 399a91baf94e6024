"""A tampered or damaged undo journal never acts outside the project, never half-applies an
entry and never crashes with a traceback; temp files and folders left by a kill are cleaned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
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


# -- a kill mid-apply: temp files and created folders ------------------------------------------

_CRASH_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from dsdesk.core.edits_parse import EditBlock
    from dsdesk.workspace.edit_plan import apply_plan, plan_edits
    from dsdesk.workspace.journal import UndoJournal

    root, data, marker = (Path(a) for a in sys.argv[1:4])
    rel, search, replace = sys.argv[4:7]
    real_replace = os.replace

    def pause(src, dst):
        if Path(dst).name == Path(rel).name:
            marker.write_text("paused")
            time.sleep(60)
        real_replace(src, dst)

    os.replace = pause
    kind = "search_replace" if search else "whole_file"
    block = EditBlock(0, rel, search, replace, kind, 1)
    apply_plan(plan_edits(root, [block]), UndoJournal(root, data), label="crash")
    """
)


def kill_mid_apply(root: Path, data: Path, rel: str, search: str, replace: str) -> None:
    """Apply one block in a child process and kill it as it is about to replace ``rel``."""
    marker = root.parent / "paused"
    repo = Path(__file__).resolve().parent.parent
    args = [str(root), str(data), str(marker), rel, search, replace]
    child = subprocess.Popen(
        [sys.executable, "-c", _CRASH_CHILD, *args],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    try:
        end = time.monotonic() + 30
        while not marker.exists():
            assert time.monotonic() < end and child.poll() is None
            time.sleep(0.02)
        child.kill()
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".dsdesk-tmp"))


DECOYS = [
    ".a.txt.zzzzzzzz.dsdesk-tmp",  # not hex
    ".a.txt.0123ABCD.dsdesk-tmp",  # not the lowercase hex dsdesk writes
    ".a.txt.0123abc.dsdesk-tmp",  # seven digits
    "a.txt.0123abcd.dsdesk-tmp",  # not hidden
    "..0123abcd.dsdesk-tmp",  # no name
    ".a.txt.0123abcd.dsdesk-tmp.bak",
    ".a.txt.0123abcd.dsdesk-tmpx",
]


def plant_decoys(folder: Path, outside: Path) -> None:
    for name in DECOYS:
        (folder / name).write_bytes(b"the user's\n")
    (folder / ".d.0123abcd.dsdesk-tmp").mkdir()  # a folder, not a temp file
    (folder / ".l.0123abcd.dsdesk-tmp").symlink_to(outside)  # a link, not a temp file


def decoys_intact(folder: Path) -> bool:
    return (
        all((folder / name).read_bytes() == b"the user's\n" for name in DECOYS)
        and (folder / ".d.0123abcd.dsdesk-tmp").is_dir()
        and (folder / ".l.0123abcd.dsdesk-tmp").is_symlink()
    )


@posix_only
@pytest.mark.parametrize("then", ["apply", "undo"])
def test_temp_file_left_by_a_kill_is_removed_by_the_next_apply_or_undo(
    root: Path, data: Path, tmp_path: Path, then: str
) -> None:
    (root / "b.txt").write_bytes(b"beta\n")
    kill_mid_apply(root, data, "a.txt", "alpha\n", "CRASHED\n")
    (left,) = temps(root)
    assert left.startswith(".a.txt.")
    plant_decoys(root, tmp_path / "outside" / "keep.txt")
    j = UndoJournal(root, data)
    if then == "apply":
        apply(root, j, change("b.txt", "beta\n", "BETA\n"))
    else:
        j.undo_last()
    assert left not in temps(root)
    assert decoys_intact(root)
    assert (root / "a.txt").read_bytes() == b"alpha\n"


@posix_only
def test_a_kill_mid_apply_leaves_no_created_folder_after_undo(root: Path, data: Path) -> None:
    kill_mid_apply(root, data, "made/deep/new.txt", "", "new\n")
    assert temps(root / "made" / "deep")  # the folders exist, holding the torn write's temp
    j = UndoJournal(root, data)
    assert [cs.dirs for cs in j.history()] == [("made", "made/deep")]  # journaled first
    j.undo_last()
    assert not (root / "made").exists()
