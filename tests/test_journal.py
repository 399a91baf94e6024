"""The undo journal: write-ahead, persistent across restarts, exact restores, refusals when a
file changed since, bounded history with blob pruning; optional git commits."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dsdesk.core.edits_parse import EditBlock
from dsdesk.core.errors import EditError
from dsdesk.workspace import journal as journal_mod
from dsdesk.workspace.edit_plan import apply_plan, plan_edits
from dsdesk.workspace.git_commit import commit_change_set
from dsdesk.workspace.journal import (
    ChangeSet,
    FileSnapshot,
    UndoJournal,
    journal_dir,
    new_change_set,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "proj"
    r.mkdir()
    (r / "a.txt").write_bytes(b"alpha\r\n")
    (r / "b.txt").write_bytes(b"beta\n")
    return r


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def edit(root: Path, journal: UndoJournal, rel: str, search: str, replace: str) -> ChangeSet:
    block = EditBlock(0, rel, search, replace, "search_replace", 1)
    plan = plan_edits(root, [block])
    assert plan.all_applied, plan.outcomes
    return apply_plan(plan, journal, label=f"{rel}: {search!r} -> {replace!r}")


def test_storage_layout_and_restart(root: Path, data: Path) -> None:
    j = UndoJournal(root, data)
    cs = edit(root, j, "a.txt", "alpha\n", "ALPHA\n")
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    folder = data / "projects" / key / "journal"
    assert j.dir == folder == journal_dir(root, data)
    index = json.loads((folder / "index.json").read_text())
    assert index["version"] == 1 and index["root"] == str(root.resolve())
    (entry,) = index["change_sets"]
    before_digest = hashlib.sha256(b"alpha\r\n").hexdigest()
    assert entry["files"][0]["before"] == before_digest
    assert (folder / "blobs" / before_digest).read_bytes() == b"alpha\r\n"
    # A new journal object (a restart) reads it back.
    again = UndoJournal(root, data).history()
    assert again == [cs]
    assert again[0].files[0] == FileSnapshot("a.txt", b"alpha\r\n", b"ALPHA\r\n", cs.files[0].mode)


def test_same_content_is_stored_once(root: Path, data: Path) -> None:
    j = UndoJournal(root, data)
    edit(root, j, "a.txt", "alpha\n", "x\n")
    edit(root, j, "a.txt", "x\n", "alpha\n")  # back to the first bytes
    blobs = sorted(p.name for p in (j.dir / "blobs").iterdir())
    expected = sorted({hashlib.sha256(b).hexdigest() for b in (b"alpha\r\n", b"x\r\n")})
    assert blobs == expected


def test_undo_restores_exactly_after_a_restart(root: Path, data: Path) -> None:
    edit(root, UndoJournal(root, data), "a.txt", "alpha\n", "changed\nmore\n")
    assert (root / "a.txt").read_bytes() == b"changed\r\nmore\r\n"
    (undone,) = UndoJournal(root, data).undo_last()
    assert (root / "a.txt").read_bytes() == b"alpha\r\n"
    assert undone.files[0].rel_path == "a.txt"
    assert UndoJournal(root, data).history() == []
    assert UndoJournal(root, data).undo_last() == []


def test_undo_several_sets_touching_the_same_file(root: Path, data: Path) -> None:
    j = UndoJournal(root, data)
    edit(root, j, "a.txt", "alpha\n", "one\n")
    edit(root, j, "b.txt", "beta\n", "BETA\n")
    edit(root, j, "a.txt", "one\n", "two\n")
    assert len(j.undo_last(2)) == 2
    assert (root / "a.txt").read_bytes() == b"one\r\n"
    assert (root / "b.txt").read_bytes() == b"beta\n"
    assert len(j.undo_last(10)) == 1  # only one left
    assert (root / "a.txt").read_bytes() == b"alpha\r\n" and (
        root / "b.txt"
    ).read_bytes() == b"beta\n"


def test_undo_recreates_deleted_files_with_their_mode_and_removes_created_ones(
    root: Path, data: Path
) -> None:
    os.chmod(root / "b.txt", 0o600)
    j = UndoJournal(root, data)
    blocks = [
        EditBlock(0, "b.txt", "", "", "whole_file", 1, delete=True),
        EditBlock(1, "made/here.txt", "", "hello\n", "whole_file", 2),
    ]
    apply_plan(plan_edits(root, blocks), j)
    assert not (root / "b.txt").exists() and (root / "made/here.txt").exists()
    j.undo_last()
    assert (root / "b.txt").read_bytes() == b"beta\n"
    if sys.platform != "win32":
        assert stat.S_IMODE((root / "b.txt").stat().st_mode) == 0o600
    assert not (root / "made").exists()


def test_undo_refuses_when_a_file_changed_since_unless_forced(root: Path, data: Path) -> None:
    j = UndoJournal(root, data)
    edit(root, j, "b.txt", "beta\n", "BETA\n")
    edit(root, j, "a.txt", "alpha\n", "ALPHA\n")
    (root / "b.txt").write_bytes(b"the user's own work\n")
    with pytest.raises(EditError) as info:
        j.undo_last(2)
    assert info.value.reason == "file_changed" and "b.txt" in info.value.user_message
    # Checked before anything was written: a.txt is not undone either.
    assert (root / "a.txt").read_bytes() == b"ALPHA\r\n"
    assert len(j.history()) == 2
    j.undo_last(2, force=True)
    assert (root / "a.txt").read_bytes() == b"alpha\r\n"
    assert (root / "b.txt").read_bytes() == b"beta\n"


def test_a_recreated_file_blocks_undoing_its_creation(root: Path, data: Path) -> None:
    j = UndoJournal(root, data)
    apply_plan(plan_edits(root, [EditBlock(0, "n.txt", "", "new\n", "whole_file", 1)]), j)
    (root / "n.txt").write_bytes(b"rewritten\n")
    with pytest.raises(EditError):
        j.undo_last()
    assert (root / "n.txt").read_bytes() == b"rewritten\n"


def test_history_is_capped_and_unused_blobs_are_pruned(
    root: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_mod, "MAX_CHANGE_SETS", 3)
    j = UndoJournal(root, data)
    for k in range(6):
        edit(root, j, "a.txt", f"{'alpha' if k == 0 else k - 1}\n", f"{k}\n")
    history = j.history()
    assert len(history) == 3
    assert [cs.files[0].after for cs in history] == [b"3\r\n", b"4\r\n", b"5\r\n"]
    used = {hashlib.sha256(f"{k}\r\n".encode()).hexdigest() for k in range(2, 6)}
    assert {p.name for p in (j.dir / "blobs").iterdir()} == used


def test_damaged_index_is_reported_and_never_blocks_new_edits(root: Path, data: Path) -> None:
    j = UndoJournal(root, data)
    edit(root, j, "a.txt", "alpha\n", "one\n")
    (j.dir / "index.json").write_text("{not json")
    with pytest.raises(EditError) as info:
        j.undo_last()
    assert "damaged" in info.value.user_message
    assert (root / "a.txt").read_bytes() == b"one\r\n"
    edit(root, j, "a.txt", "one\n", "two\n")  # moved aside, a new index started
    assert len(j.history()) == 1
    assert list(j.dir.glob("index.damaged-*.json"))


def test_missing_or_corrupt_blob_is_reported(root: Path, data: Path) -> None:
    j = UndoJournal(root, data)
    cs = edit(root, j, "a.txt", "alpha\n", "one\n")
    digest = hashlib.sha256(cs.files[0].before or b"").hexdigest()
    (j.dir / "blobs" / digest).write_bytes(b"tampered")
    with pytest.raises(EditError) as info:
        j.undo_last()
    assert "does not match" in info.value.user_message
    assert (root / "a.txt").read_bytes() == b"one\r\n"
    assert j.history() == []  # the entry is set aside: it can never be undone
    cs = edit(root, j, "b.txt", "beta\n", "two\n")
    (j.dir / "blobs" / hashlib.sha256(b"beta\n").hexdigest()).unlink()
    with pytest.raises(EditError) as info:
        j.undo_last()
    assert "is missing" in info.value.user_message
    assert (root / "b.txt").read_bytes() == b"two\n"


def test_a_set_recorded_but_never_written_undoes_as_a_no_op(root: Path, data: Path) -> None:
    # What a crash between the journal write and the file writes leaves behind.
    j = UndoJournal(root, data)
    j.record(
        new_change_set("crashed", (FileSnapshot("a.txt", b"alpha\r\n", b"never written", 0o644),))
    )
    mtime = (root / "a.txt").stat().st_mtime_ns
    assert [cs.label for cs in j.undo_last()] == ["crashed"]
    assert (root / "a.txt").read_bytes() == b"alpha\r\n"
    assert (root / "a.txt").stat().st_mtime_ns == mtime  # not even rewritten


_CRASH_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from dsdesk.core.edits_parse import EditBlock
    from dsdesk.workspace.edit_plan import apply_plan, plan_edits
    from dsdesk.workspace.journal import UndoJournal

    root, data, marker = (Path(a) for a in sys.argv[1:4])
    real_replace = os.replace

    def pause(src, dst):
        if Path(dst).name == "a.txt":
            marker.write_text("paused")
            time.sleep(60)
        real_replace(src, dst)

    os.replace = pause
    block = EditBlock(0, "a.txt", "alpha\\n", "CRASHED\\n", "search_replace", 1)
    apply_plan(plan_edits(root, [block]), UndoJournal(root, data), label="crash")
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_mid_apply_the_file_is_intact_and_the_journal_knows(root: Path, data: Path) -> None:
    marker = root.parent / "paused"
    repo = Path(__file__).resolve().parent.parent
    child = subprocess.Popen(
        [sys.executable, "-c", _CRASH_CHILD, str(root), str(data), str(marker)],
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
    assert (root / "a.txt").read_bytes() == b"alpha\r\n"
    j = UndoJournal(root, data)
    assert [cs.label for cs in j.history()] == ["crash"]  # write-ahead
    j.undo_last()
    assert (root / "a.txt").read_bytes() == b"alpha\r\n" and j.history() == []


def test_concurrent_journals_on_one_project_serialise(root: Path, data: Path) -> None:
    j1, j2 = UndoJournal(root, data), UndoJournal(root, data)
    with j1.locked(), j1.locked():  # reentrant
        pass
    edit(root, j1, "a.txt", "alpha\n", "1\n")
    edit(root, j2, "b.txt", "beta\n", "2\n")
    assert len(j1.history()) == 2


# -- optional git commits ---------------------------------------------------------------------

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,  # no user config: no signing, no hooks path, no autocrlf
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(root: Path, *args: str) -> str:
    res = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    )
    return res.stdout


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


@needs_git
def test_commit_change_set_commits_only_its_files(root: Path, data: Path, git_env: None) -> None:
    _git(root, "init", "-q")
    (root / ".gitignore").write_text("ignored.txt\n")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "start")
    (root / "b.txt").write_bytes(b"staged by the user\n")
    _git(root, "add", "b.txt")
    j = UndoJournal(root, data)
    blocks = [
        EditBlock(0, "a.txt", "alpha\n", "ALPHA\n", "search_replace", 1),
        EditBlock(1, "new.txt", "", "new\n", "whole_file", 2),
        EditBlock(2, "ignored.txt", "", "x\n", "whole_file", 3),
    ]
    cs = apply_plan(plan_edits(root, blocks), j, label="dsdesk apply")
    sha = commit_change_set(root, cs, "dsdesk: apply")
    assert sha and _git(root, "rev-parse", "HEAD").strip() == sha
    committed = _git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(committed) == ["a.txt", "new.txt"]
    assert _git(root, "diff", "--cached", "--name-only").split() == ["b.txt"]  # still staged
    # Undo, then commit the undo: the created file's removal is committed too.
    (undone,) = j.undo_last()
    assert commit_change_set(root, undone, "dsdesk: undo")
    assert _git(root, "ls-files", "new.txt") == ""
    shown = subprocess.run(
        ["git", "-C", str(root), "show", "HEAD:a.txt"], capture_output=True, check=True
    )
    assert shown.stdout == b"alpha\r\n"


@needs_git
def test_commit_outside_a_repository_does_nothing(root: Path, git_env: None) -> None:
    cs = new_change_set("x", (FileSnapshot("a.txt", b"a", b"b", 0o644),))
    assert commit_change_set(root, cs, "msg") is None
