"""The path jail (symlinks resolved, nothing outside the root or in .git) and atomic writes (the
original is byte for byte intact on any failure, a crash included; no temp file left)."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from dsdesk.core.errors import EditError
from dsdesk.workspace.atomic import TEMP_SUFFIX, atomic_write, make_parents, remove_file
from dsdesk.workspace.jail import rel_to_root, resolve_in_project

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX symlinks/permissions")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("a = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    (tmp_path / "outside.txt").write_text("secret\n")
    (tmp_path / "outdir").mkdir()
    return root


def _reason(root: Path, rel: str) -> str:
    with pytest.raises(EditError) as info:
        resolve_in_project(root, rel)
    assert info.value.user_message
    return info.value.reason


# -- jail --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rel", ["src/a.py", "./src/a.py", "src\\a.py", " src/a.py ", "src//a.py"])
def test_paths_inside_resolve_to_the_file(project: Path, rel: str) -> None:
    assert resolve_in_project(project, rel) == (project / "src" / "a.py").resolve()


def test_new_files_and_harmless_dotdot_are_fine(project: Path) -> None:
    assert resolve_in_project(project, "new/dir/b.py") == project.resolve() / "new/dir/b.py"
    assert resolve_in_project(project, "src/../README.md") == project.resolve() / "README.md"
    path = resolve_in_project(project, "src\\sub\\c.py")
    assert rel_to_root(project, path) == "src/sub/c.py"


@pytest.mark.parametrize(
    "rel",
    [
        "../outside.txt",
        "src/../../outside.txt",
        "..\\outside.txt",
        "/etc/passwd",
        "C:\\Windows\\win.ini",
        "C:foo",
        "\\\\server\\share\\x",
        "",
        "   ",
        ".",
        "./",
        "a\x00b",
    ],
)
def test_paths_outside_are_refused(project: Path, rel: str) -> None:
    assert _reason(project, rel) == "outside_project"


@pytest.mark.parametrize(
    "rel",
    [".git/config", "./.git/HEAD", "sub/.git/x", "a/b/.git", ".GIT/config", "src\\.git\\hooks"],
)
def test_git_folders_are_refused_at_any_depth(project: Path, rel: str) -> None:
    assert _reason(project, rel) == "inside_git"


@posix_only
def test_symlinks_pointing_out_are_refused(project: Path) -> None:
    outside = project.parent / "outside.txt"
    (project / "link.txt").symlink_to(outside)
    (project / "linkdir").symlink_to(project.parent / "outdir", target_is_directory=True)
    (project / "dangling").symlink_to(project.parent / "not-yet")
    (project / "relative").symlink_to("../outside.txt")
    for rel in ("link.txt", "linkdir/new.py", "dangling", "relative"):
        assert _reason(project, rel) == "outside_project", rel
    assert outside.read_text() == "secret\n"


@posix_only
def test_symlinks_into_git_are_refused_and_inside_links_resolve(project: Path) -> None:
    (project / "cfg").symlink_to(project / ".git" / "config")
    assert _reason(project, "cfg") == "inside_git"
    (project / "alias.py").symlink_to("src/a.py")
    assert resolve_in_project(project, "alias.py") == (project / "src/a.py").resolve()


@posix_only
def test_symlinked_root_and_loops(tmp_path: Path, project: Path) -> None:
    via = tmp_path / "via-link"
    via.symlink_to(project, target_is_directory=True)
    assert resolve_in_project(via, "src/a.py") == (project / "src/a.py").resolve()
    (project / "loop1").symlink_to(project / "loop2")
    (project / "loop2").symlink_to(project / "loop1")
    assert _reason(project, "loop1/x") == "outside_project"


# -- atomic writes -----------------------------------------------------------------------------


def _temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_atomic_write_creates_and_replaces(tmp_path: Path) -> None:
    f = tmp_path / "f.txt"
    atomic_write(f, b"one")
    assert f.read_bytes() == b"one"
    atomic_write(f, b"two\x00bytes")
    assert f.read_bytes() == b"two\x00bytes"
    atomic_write(f, b"")
    assert f.read_bytes() == b""
    assert _temps(tmp_path) == []


@posix_only
@pytest.mark.parametrize("mode", [0o640, 0o755, 0o600, 0o4755])
def test_permissions_are_preserved(tmp_path: Path, mode: int) -> None:
    f = tmp_path / "script.sh"
    f.write_bytes(b"#!/bin/sh\n")
    os.chmod(f, mode)
    atomic_write(f, b"#!/bin/sh\necho hi\n")
    assert stat.S_IMODE(f.stat().st_mode) == mode
    atomic_write(f, b"x", mode=0o644)
    assert stat.S_IMODE(f.stat().st_mode) == 0o644


@posix_only
def test_new_file_mode_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "new.txt", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


@posix_only
def test_symlink_is_written_through(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_bytes(b"old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    atomic_write(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"


def _enospc(*_a: object, **_k: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("func", ["write", "fsync", "replace", "chmod"])
def test_disk_full_leaves_the_original_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, func: str
) -> None:
    f = tmp_path / "data.txt"
    original = b"original \xe9 bytes\r\n" * 100
    f.write_bytes(original)
    monkeypatch.setattr(os, func, _enospc)
    with pytest.raises(EditError) as info:
        atomic_write(f, b"new content" * 1000)
    monkeypatch.undo()
    assert info.value.reason == "write_failed"
    assert "No space left on device" in info.value.user_message
    assert f.read_bytes() == original
    assert _temps(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.txt"]


def test_disk_full_on_a_new_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "write", _enospc)
    with pytest.raises(EditError):
        atomic_write(tmp_path / "new.txt", b"x")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_short_writes_are_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write

    def dribble(fd: int, data: bytes | memoryview) -> int:
        return real_write(fd, bytes(data[:7]))

    monkeypatch.setattr(os, "write", dribble)
    atomic_write(tmp_path / "f", b"0123456789" * 50)
    monkeypatch.undo()
    assert (tmp_path / "f").read_bytes() == b"0123456789" * 50


def test_read_only_file_is_refused_with_a_plain_message(tmp_path: Path) -> None:
    f = tmp_path / "ro.txt"
    f.write_bytes(b"keep me")
    os.chmod(f, 0o444)
    try:
        with pytest.raises(EditError) as info:
            atomic_write(f, b"changed", rel="docs/ro.txt")
        assert info.value.reason == "write_failed"
        assert info.value.user_message == (
            "docs/ro.txt is read-only (permission denied); it was not changed."
        )
        assert f.read_bytes() == b"keep me"
        assert _temps(tmp_path) == []
    finally:
        os.chmod(f, 0o644)


def test_permission_denied_on_the_folder_is_write_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Root ignores folder permissions, so the refusal the OS would give is simulated.
    f = tmp_path / "a.txt"
    f.write_bytes(b"keep")
    real_open = os.open

    def deny(path: object, flags: int, *a: object, **k: object) -> int:
        if flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_open(path, flags, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(EditError) as info:
        atomic_write(f, b"changed")
    monkeypatch.undo()
    assert info.value.reason == "write_failed"
    assert (
        info.value.user_message
        == "a.txt could not be written (Permission denied); nothing was changed."
    )
    assert f.read_bytes() == b"keep"


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores modes")
def test_real_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    f = folder / "a.txt"
    f.write_bytes(b"keep")
    os.chmod(folder, 0o555)
    try:
        with pytest.raises(EditError) as info:
            atomic_write(f, b"changed")
        assert info.value.reason == "write_failed"
        assert f.read_bytes() == b"keep"
    finally:
        os.chmod(folder, 0o755)


def test_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EditError) as info:
        atomic_write(tmp_path, b"x")
    assert info.value.reason == "write_failed"


_CRASH_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from dsdesk.workspace.atomic import atomic_write

    target, marker = Path(sys.argv[1]), Path(sys.argv[2])
    real_replace = os.replace

    def pause_then_replace(src, dst):
        # The temp file is written and fsynced; stop right before the rename and wait to be
        # killed.
        marker.write_text(str(src))
        time.sleep(60)
        real_replace(src, dst)

    os.replace = pause_then_replace
    atomic_write(target, b"NEW CONTENT " * 10000)
    """
)


def _wait_for(cond: Callable[[], bool], timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_crash_before_the_replace_leaves_the_original(tmp_path: Path) -> None:
    target = tmp_path / "file.txt"
    original = b"line one\r\nline two\r\n" * 500
    target.write_bytes(original)
    marker = tmp_path / "paused"
    repo = Path(__file__).resolve().parent.parent
    child = subprocess.Popen(
        [sys.executable, "-c", _CRASH_CHILD, str(target), str(marker)],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    try:
        _wait_for(lambda: marker.exists() and marker.read_text() != "")
        child.kill()  # SIGKILL: no cleanup code runs
        assert child.wait(timeout=30) == -9
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert target.read_bytes() == original
    # The temp file was complete, and is all a crash leaves behind.
    temp = Path(marker.read_text())
    assert temp.parent == tmp_path and temp.read_bytes() == b"NEW CONTENT " * 10000


def test_remove_file_and_make_parents(tmp_path: Path) -> None:
    f = tmp_path / "gone.txt"
    f.write_bytes(b"x")
    remove_file(f)
    remove_file(f)  # already gone is fine
    assert not f.exists()
    created = make_parents(tmp_path / "a" / "b" / "c.txt", tmp_path)
    assert created == [tmp_path / "a", tmp_path / "a" / "b"]
    assert make_parents(tmp_path / "a" / "b" / "d.txt", tmp_path) == []
