"""Checkpoints in a private git store: edits and command changes restored, the user's own files
kept, restores undoable, the user's repository untouched, no program of the project's run."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from dsdesk.agent.checkpoint import (
    CheckpointError,
    CheckpointStore,
    Kind,
    TurnCheckpoints,
)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def tree(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every file under ``root`` but .git: (kind and mode, content)."""
    out: dict[str, tuple[str, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = ("link", os.readlink(path).encode())
            else:
                out[rel] = (oct(stat.S_IMODE(path.stat().st_mode)), path.read_bytes())
    return out


def git_dir_bytes(git_dir: Path) -> dict[str, bytes]:
    return {
        p.relative_to(git_dir).as_posix(): p.read_bytes()
        for p in sorted(git_dir.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "a.txt").write_text("alpha\n")
    (project / "src" / "b.py").write_text("print('b')\n")
    (project / "run.sh").write_text("#!/bin/sh\necho run\n")
    (project / "run.sh").chmod(0o755)
    (project / "link").symlink_to("a.txt")
    return project


@pytest.fixture
def store(root: Path, tmp_path: Path) -> CheckpointStore:
    return CheckpointStore(root, tmp_path / "data")


def agent_turn(root: Path) -> None:
    """What an agent does in a turn: an edit and a command's worth of changes."""
    (root / "a.txt").write_text("alpha, edited by the agent\n")
    subprocess.run(
        "rm src/b.py && echo gen > gen.txt && mkdir -p out/deep && echo y > out/deep/y "
        "&& chmod -x run.sh",
        shell=True,
        cwd=root,
        check=True,
    )


def test_restore_puts_back_edits_and_command_changes_and_keeps_user_files(
    root: Path, store: CheckpointStore
) -> None:
    original = tree(root)
    cp = store.snapshot("turn 1")
    agent_turn(root)
    store.snapshot("after run_command", Kind.AGENT)
    (root / "notes.txt").write_text("the user's own notes\n")  # no agent snapshot saw it

    assert store.changed_since(cp) == [
        "a.txt", "gen.txt", "notes.txt", "out/deep/y", "run.sh", "src/b.py",
    ]  # fmt: skip
    plan = store.preview(cp)
    assert plan.overwrite == ("a.txt", "run.sh")
    assert plan.recreate == ("src/b.py",)
    assert plan.remove == ("gen.txt", "out/deep/y")
    assert plan.keep == ("notes.txt",)
    assert plan.changes == 5

    store.restore(cp)
    after = tree(root)
    assert after.pop("notes.txt") == ("0o644", b"the user's own notes\n")
    assert after == original  # contents, exec bit and the symlink back; gen.txt, out/ gone
    assert not (root / "out").exists()


def test_restore_is_undoable(root: Path, store: CheckpointStore) -> None:
    cp = store.snapshot("turn 1")
    agent_turn(root)
    store.snapshot("after", Kind.AGENT)
    (root / "notes.txt").write_text("mine\n")
    before_restore = tree(root)
    backup = store.restore(cp)
    assert backup.kind is Kind.BACKUP
    assert tree(root) != before_restore
    undo_backup = store.restore(backup)
    assert tree(root) == before_restore  # gen.txt and out/ are back, b.py gone again
    store.restore(undo_backup)  # and the undo can be undone
    assert "gen.txt" not in tree(root) and "src/b.py" in tree(root)
    kinds = [c.kind for c in store.checkpoints()]
    assert kinds == [Kind.TURN, Kind.AGENT, Kind.BACKUP, Kind.RESTORED] * 1 + [
        Kind.BACKUP, Kind.RESTORED, Kind.BACKUP, Kind.RESTORED,
    ]  # fmt: skip


def test_files_the_user_made_between_turns_survive(root: Path, store: CheckpointStore) -> None:
    cp1 = store.snapshot("turn 1")
    (root / "agent.txt").write_text("by the agent\n")
    store.snapshot("after turn 1", Kind.AGENT)
    (root / "user.txt").write_text("by the user, between turns\n")
    store.snapshot("turn 2")
    (root / "agent2.txt").write_text("by the agent again\n")
    store.snapshot("after turn 2", Kind.AGENT)
    plan = store.preview(cp1)
    assert plan.remove == ("agent.txt", "agent2.txt") and plan.keep == ("user.txt",)
    store.restore(cp1)
    assert sorted(tree(root)) == ["a.txt", "link", "run.sh", "src/b.py", "user.txt"]


def test_the_users_git_repository_is_untouched(
    root: Path, store: CheckpointStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "u@example.com")
    git("config", "user.name", "U")
    git("add", "-A")
    git("commit", "-qm", "initial")
    (root / "a.txt").write_text("staged change\n")
    git("add", "a.txt")  # something in the user's index
    # The user's environment pointing git at their repo must not leak into ours.
    monkeypatch.setenv("GIT_DIR", str(root / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(root / ".git" / "index"))
    before = git_dir_bytes(root / ".git")

    cp = store.snapshot("turn")
    agent_turn(root)
    store.snapshot("after", Kind.AGENT)
    store.changed_since(cp)
    store.preview(cp)
    backup = store.restore(cp)
    store.restore(backup)

    assert git_dir_bytes(root / ".git") == before  # index, HEAD, refs, config, objects
    assert not store.git_dir.is_relative_to(root)


def test_gitattributes_and_the_projects_git_config_run_nothing_and_change_no_byte(
    root: Path, tmp_path: Path, store: CheckpointStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    pwned = tmp_path / "pwned"
    evil = f"touch {pwned}"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    with (root / ".git" / "config").open("a") as f:  # a cloned repo can't ship this, but still
        f.write(f'[filter "evil"]\n\tclean = {evil}\n\tsmudge = {evil}\n\trequired = true\n')
        f.write(f'[diff "evil"]\n\ttextconv = {evil}\n[core]\n\tfsmonitor = {evil}\n')
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(f'[filter "evil"]\n\tclean = {evil}\n')
    monkeypatch.setenv("HOME", str(home))
    (root / ".gitattributes").write_text(
        "* filter=evil diff=evil text eol=crlf ident\nutf16.txt working-tree-encoding=UTF-16\n"
    )
    (root / "crlf.txt").write_bytes(b"one\r\ntwo\r\n")
    (root / "lf.txt").write_bytes(b"one\ntwo\n")
    (root / "ident.txt").write_bytes(b"$Id$\n")
    (root / "utf16.txt").write_bytes("é\n".encode("utf-16"))
    original = tree(root)

    cp = store.snapshot("turn")
    for name in ("crlf.txt", "lf.txt", "ident.txt", "utf16.txt"):
        (root / name).write_bytes(b"changed by the agent\n")
    store.snapshot("after", Kind.AGENT)
    assert set(store.preview(cp).overwrite) == {"crlf.txt", "lf.txt", "ident.txt", "utf16.txt"}
    store.restore(cp)

    assert tree(root) == original  # byte for byte: no CRLF normalisation, no $Id$ expansion
    assert not pwned.exists()


def test_big_files_are_left_out_and_never_overwritten(root: Path, tmp_path: Path) -> None:
    store = CheckpointStore(root, tmp_path / "data", max_file_bytes=1000)
    (root / "big.bin").write_bytes(b"x" * 2000)
    (root / "grows.txt").write_text("small\n")
    cp = store.snapshot("turn")
    assert cp.skipped == ("big.bin",)
    listed = store._git.run("ls-tree", "-r", "--name-only", cp.id).decode().split()
    assert "big.bin" not in listed and "grows.txt" in listed

    (root / "big.bin").write_bytes(b"y" * 3000)
    (root / "grows.txt").write_bytes(b"z" * 5000)  # its new content can't be backed up
    (root / "new-big.bin").write_bytes(b"n" * 5000)
    store.snapshot("after", Kind.AGENT)
    assert store.changed_since(cp) == ["grows.txt", "new-big.bin"]
    plan = store.preview(cp)
    assert plan.too_large == ("grows.txt",) and plan.changes == 0
    store.restore(cp)
    assert (root / "grows.txt").read_bytes() == b"z" * 5000  # left alone, not lost
    assert (root / "big.bin").read_bytes() == b"y" * 3000
    assert (root / "new-big.bin").exists()


def test_ignored_files_are_not_covered_or_touched(root: Path, store: CheckpointStore) -> None:
    (root / ".gitignore").write_text("build/\n*.log\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".git" / "info" / "exclude").write_text("local.env\n")  # the user's own ignores
    (root / "local.env").write_text("TOKEN=1\n")
    store = CheckpointStore(root, store.git_dir.parent.parent)
    cp = store.snapshot("turn")
    listed = store._git.run("ls-tree", "-r", "--name-only", cp.id).decode().split()
    assert "local.env" not in listed and ".gitignore" in listed
    (root / "build").mkdir()
    (root / "build" / "out.o").write_text("obj\n")
    (root / "run.log").write_text("log\n")
    store.snapshot("after", Kind.AGENT)
    assert store.changed_since(cp) == []
    store.restore(cp)
    assert (root / "build" / "out.o").exists() and (root / "run.log").exists()


def test_restore_never_writes_through_a_symlink_out_of_the_project(
    root: Path, tmp_path: Path, store: CheckpointStore
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    cp = store.snapshot("turn")
    shutil.rmtree(root / "src")
    (root / "src").symlink_to(outside)  # the agent's doing, but no agent snapshot saw it
    with pytest.raises(CheckpointError, match=r"src/b\.py"):
        store.restore(cp)
    assert list(outside.iterdir()) == []  # nothing written through the link

    cp2 = store.snapshot("turn 2")
    (root / "src").unlink()
    (root / "src").mkdir()
    (root / "src" / "b.py").write_text("again\n")
    store.snapshot("after", Kind.AGENT)
    (root / "src").rename(root / "src-moved")
    (root / "src").symlink_to(outside)
    store.snapshot("after 2", Kind.AGENT)
    store.restore(cp2)  # the link was the agent's: removed, so nothing is in the way
    assert (root / "src").is_symlink() and list(outside.iterdir()) == []


def test_snapshots_when_nothing_changed_and_the_list(root: Path, store: CheckpointStore) -> None:
    assert store.checkpoints() == []
    first = store.snapshot("one")
    second = store.snapshot("two", Kind.AGENT)
    assert store.changed_since(first) == []
    assert store.preview(second).changes == 0
    tree_of = store._git.run("rev-parse", f"{first.id}^{{tree}}", f"{second.id}^{{tree}}")
    assert len(set(tree_of.split())) == 1
    listed = store.checkpoints()
    assert [(c.id, c.label, c.kind) for c in listed] == [
        (first.id, "one", Kind.TURN),
        (second.id, "two", Kind.AGENT),
    ]
    assert listed[0].created_at == pytest.approx(first.created_at)
    assert store.get(second.id) == listed[1]
    with pytest.raises(CheckpointError):
        store.get("0" * 40)


def test_odd_file_names(root: Path, store: CheckpointStore) -> None:
    names = ["*.py", ":colon", "sp ace ", "new\nline", "ü.txt", "#hash", "!bang", "[x]"]
    for name in names:
        (root / name).write_text(name)
    cp = store.snapshot("turn")
    for name in names:
        (root / name).write_text("changed")
    (root / "agent*.txt").write_text("made")
    store.snapshot("after", Kind.AGENT)
    assert sorted(store.preview(cp).overwrite) == sorted(names)
    store.restore(cp)
    for name in names:
        assert (root / name).read_text() == name
    assert not (root / "agent*.txt").exists()


def test_turn_checkpoints_for_the_loop(root: Path, store: CheckpointStore) -> None:
    turns = TurnCheckpoints(store)
    first = asyncio.run(turns.snapshot("turn 1"))
    (root / "x.txt").write_text("x")
    after = asyncio.run(turns.after("after run_command"))
    assert [c.id for c in store.checkpoints()] == [first, after]
    assert store.preview(store.get(first)).remove == ("x.txt",)


def test_a_git_killed_mid_way_does_not_block_the_store(root: Path, store: CheckpointStore) -> None:
    store.snapshot("one")
    (store.git_dir / "dsdesk-index.lock").write_text("")  # left by a SIGKILLed `git add`
    (root / "a.txt").write_text("changed\n")
    cp = store.snapshot("two", Kind.AGENT)
    assert store.changed_since(store.checkpoints()[0]) == ["a.txt"]
    assert cp.kind is Kind.AGENT
