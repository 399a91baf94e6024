"""``dsdesk apply`` and ``dsdesk undo``, run in-process on a temporary project."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dsdesk.cli import COMMANDS, main
from dsdesk.config.paths import data_dir
from dsdesk.workspace.journal import journal_dir

GOOD = """Two changes.

src/util.py
```python
<<<<<<< SEARCH
def helper(x):
    return x + 1
=======
def helper(x):
    return x + 2
>>>>>>> REPLACE
```

`src/new_mod.py`:
```python
VALUE = 42
```
"""

MIXED = """src/util.py
```python
<<<<<<< SEARCH
def helpr(y):
    return y + 1
=======
def helper(y):
    return y
>>>>>>> REPLACE
```

src/app.py
```python
<<<<<<< SEARCH
    return 0
=======
    return 1
>>>>>>> REPLACE
```
"""

OUTSIDE = """../outside.txt
```
<<<<<<< SEARCH
do not touch
=======
touched
>>>>>>> REPLACE
```
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "proj"
    (r / "src").mkdir(parents=True)
    (r / "src" / "app.py").write_bytes(b"def main():\r\n    print('hi')\r\n    return 0\r\n")
    (r / "src" / "util.py").write_bytes(b"def helper(x):\n    return x + 1\n")
    (tmp_path / "outside.txt").write_bytes(b"do not touch\n")
    return r


def reply(tmp_path: Path, text: str, name: str = "reply.md") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_commands_are_registered() -> None:
    assert {"apply", "undo"} <= COMMANDS.keys()


def test_apply_text_output_writes_and_undo_restores(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(root)
    assert main(["apply", "--root", str(root), reply(tmp_path, GOOD)]) == 0
    out = capsys.readouterr().out
    assert "[1] src/util.py: applied (exact)" in out
    assert "[2] src/new_mod.py: applied (create)" in out
    assert "2 of 2 blocks applied; wrote src/util.py, src/new_mod.py" in out
    assert (root / "src/util.py").read_bytes() == b"def helper(x):\n    return x + 2\n"
    assert (root / "src/new_mod.py").read_bytes() == b"VALUE = 42\n"
    assert journal_dir(root, data_dir()).joinpath("index.json").is_file()

    assert main(["undo", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "undid dsdesk apply reply.md" in out
    assert "src/util.py (restored)" in out and "src/new_mod.py (removed)" in out
    assert files(root) == before
    assert main(["undo", "--root", str(root)]) == 1
    assert "nothing to undo" in capsys.readouterr().err


def test_failures_are_named_with_closest_lines_and_exit_1(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--root", str(root), reply(tmp_path, MIXED)]) == 1
    out = capsys.readouterr().out
    assert "[1] src/util.py: failed (not_found) — " in out
    assert "closest lines in the file:" in out
    assert "1 | def helper(x):" in out
    assert "[2] src/app.py: applied (exact)" in out
    assert "1 of 2 blocks applied" in out
    assert (
        root / "src/app.py"
    ).read_bytes() == b"def main():\r\n    print('hi')\r\n    return 1\r\n"
    assert (root / "src/util.py").read_bytes() == b"def helper(x):\n    return x + 1\n"


def test_json_output_has_one_object_per_block(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--json", "--root", str(root), reply(tmp_path, MIXED)]) == 1
    lines = capsys.readouterr().out.splitlines()
    objs = [json.loads(line) for line in lines]
    assert len(objs) == 2
    for obj in objs:
        assert {"file", "status", "level", "reason", "message", "index"} <= obj.keys()
    first, second = objs
    assert first["file"] == "src/util.py" and first["index"] == 0
    assert (first["status"], first["level"], first["reason"]) == ("failed", None, "not_found")
    assert first["message"] and any("def helper(x):" in t for _n, t in first["closest"])
    assert second == {
        "index": 1,
        "file": "src/app.py",
        "status": "applied",
        "level": "exact",
        "reason": None,
        "message": second["message"],
        "closest": [],
    }


def test_dry_run_writes_nothing(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(root)
    assert main(["apply", "--dry-run", "--diff", "--root", str(root), reply(tmp_path, GOOD)]) == 0
    out = capsys.readouterr().out
    assert "[1] src/util.py: matches (exact)" in out
    assert "dry run: nothing was written" in out
    assert "+++ b/src/util.py" in out and "+    return x + 2" in out
    assert files(root) == before
    assert not data_dir().exists()


def test_reply_from_stdin(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD))
    assert main(["apply", "--root", str(root), "-"]) == 0
    assert "x + 2" in (root / "src/util.py").read_text()
    assert main(["undo", "--list", "--root", str(root)]) == 0
    assert "dsdesk apply (stdin)" in capsys.readouterr().out


def test_path_outside_the_root_is_refused(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.txt"
    assert main(["apply", "--root", str(root), reply(tmp_path, OUTSIDE)]) == 1
    out = capsys.readouterr().out
    assert "[1] ../outside.txt: failed (outside_project)" in out
    assert outside.read_bytes() == b"do not touch\n"
    assert main(["apply", "--json", "--root", str(root), reply(tmp_path, OUTSIDE)]) == 1
    (obj,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert obj["reason"] == "outside_project"
    assert outside.read_bytes() == b"do not touch\n"


def test_usage_errors_exit_2(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--root", str(root), str(tmp_path / "missing.md")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["apply", "--root", str(tmp_path / "nope"), reply(tmp_path, GOOD)]) == 2
    assert "not a folder" in capsys.readouterr().err
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe\x00bad")
    assert main(["apply", "--root", str(root), str(tmp_path / "bad.md")]) == 2
    assert main(["undo", "--root", str(root), "-n", "0"]) == 2
    with pytest.raises(SystemExit) as info:
        main(["apply"])
    assert info.value.code == 2
    assert files(root)["src/util.py"] == b"def helper(x):\n    return x + 1\n"


def test_reply_without_edits_exits_1(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--root", str(root), reply(tmp_path, "Just prose, no edits.\n")]) == 1
    assert "holds no edits" in capsys.readouterr().err


def test_write_failure_is_reported_per_block_and_nothing_is_written(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = root / "src/app.py"
    os.chmod(app, 0o444)
    before = files(root)
    try:
        assert main(["apply", "--json", "--root", str(root), reply(tmp_path, MIXED)]) == 1
    finally:
        os.chmod(app, 0o644)
    objs = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(o["status"], o["reason"]) for o in objs] == [
        ("failed", "not_found"),
        ("failed", "write_failed"),
    ]
    assert "read-only" in objs[1]["message"]
    assert files(root) == before


def test_undo_refuses_over_later_changes_unless_forced(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", "--root", str(root), reply(tmp_path, GOOD)]) == 0
    (root / "src/util.py").write_text("user work\n")
    assert main(["undo", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "src/util.py was changed after the edit was applied" in err and "--force" in err
    assert (root / "src/util.py").read_text() == "user work\n"
    assert main(["undo", "--force", "--root", str(root)]) == 0
    assert (root / "src/util.py").read_bytes() == b"def helper(x):\n    return x + 1\n"
    assert not (root / "src/new_mod.py").exists()


def test_undo_n_takes_back_several_applies(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(root)
    assert main(["apply", "--root", str(root), reply(tmp_path, GOOD, "one.md")]) == 0
    assert main(["apply", "--root", str(root), reply(tmp_path, MIXED, "two.md")]) == 1
    capsys.readouterr()
    assert main(["undo", "--list", "--root", str(root)]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert "dsdesk apply two.md" in listing[0] and "dsdesk apply one.md" in listing[1]
    assert main(["undo", "-n", "2", "--root", str(root)]) == 0
    assert files(root) == before


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_apply_commit_in_a_git_repo(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }.items():
        monkeypatch.setenv(key, value)

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        ).stdout

    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "start")
    assert main(["apply", "--commit", "--root", str(root), reply(tmp_path, GOOD)]) == 0
    assert git("log", "--format=%s", "-1").strip() == "dsdesk apply reply.md"
    assert sorted(git("show", "--name-only", "--format=", "HEAD").split()) == [
        "src/new_mod.py",
        "src/util.py",
    ]
    assert git("status", "--porcelain") == ""


def test_dry_run_json_says_would_apply_not_applied(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = files(root)
    args = ["apply", "--json", "--root", str(root), reply(tmp_path, MIXED)]
    assert main([*args, "--dry-run"]) == 1
    dry = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["status"] for o in dry] == ["failed", "would_apply"]
    assert files(root) == before
    assert main(args) == 1  # for real, the same block is reported as written
    assert [json.loads(x)["status"] for x in capsys.readouterr().out.splitlines()] == [
        "failed",
        "applied",
    ]
