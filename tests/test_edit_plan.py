"""Planning (nothing written) and applying (atomic, journalled, re-checked right before writing)
an answer's edits."""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path

import pytest

from dsdesk.core.edits_match import MatchLevel
from dsdesk.core.edits_parse import EditBlock, parse_edits
from dsdesk.core.errors import EditError
from dsdesk.workspace.atomic import TEMP_SUFFIX, atomic_write
from dsdesk.workspace.edit_plan import apply_plan, fingerprint, plan_edits
from dsdesk.workspace.journal import ChangeSet, UndoJournal

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX symlinks/permissions")


def sr(path: str, search: str, replace: str, index: int = 0) -> EditBlock:
    return EditBlock(index, path, search, replace, "search_replace", 1)


def renumber(*blocks: EditBlock) -> list[EditBlock]:
    return [
        EditBlock(i, b.path, b.search, b.replace, b.kind, b.line, b.delete)
        for i, b in enumerate(blocks)
    ]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "proj"
    (r / "src").mkdir(parents=True)
    (r / "src" / "app.py").write_bytes(b"def main():\r\n    print('hi')\r\n    return 0\r\n")
    (r / "src" / "util.py").write_bytes(b"def helper(x):\n    return x + 1\n")
    (r / ".git").mkdir()
    (r / ".git" / "HEAD").write_bytes(b"ref: refs/heads/main\n")
    (tmp_path / "outside.txt").write_bytes(b"do not touch\n")
    return r


@pytest.fixture
def journal(root: Path, tmp_path: Path) -> UndoJournal:
    return UndoJournal(root, tmp_path / "data")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def no_temps(folder: Path) -> bool:
    return not [p for p in folder.rglob("*") if p.name.endswith(TEMP_SUFFIX)]


def test_plan_writes_nothing_and_apply_writes_keeping_crlf(
    root: Path, journal: UndoJournal
) -> None:
    before = snapshot(root)
    blocks = renumber(sr("src/app.py", "    print('hi')\n", "    print('hello')\n    log()\n"))
    plan = plan_edits(root, blocks)
    assert snapshot(root) == before
    (o,) = plan.outcomes
    assert (o.status, o.level, o.reason) == ("applied", MatchLevel.EXACT, None)
    (change,) = plan.changes
    assert change.rel_path == "src/app.py"
    assert change.new_text == "def main():\n    print('hello')\n    log()\n    return 0\n"
    cs = apply_plan(plan, journal, label="test")
    assert (root / "src/app.py").read_bytes() == (
        b"def main():\r\n    print('hello')\r\n    log()\r\n    return 0\r\n"
    )
    assert [f.rel_path for f in cs.files] == ["src/app.py"]
    assert cs.files[0].before == before["src/app.py"]
    assert no_temps(root)


def test_failed_block_reports_closest_lines_and_others_still_apply(
    root: Path, journal: UndoJournal
) -> None:
    blocks = renumber(
        sr("src/util.py", "def helpr(y):\n    return y + 2\n", "x"),
        sr("src/util.py", "    return x + 1\n", "    return x + 2\n"),
        sr("src/app.py", "    return 0\n", "    return 1\n"),
    )
    plan = plan_edits(root, blocks)
    failed, ok1, ok2 = plan.outcomes
    assert failed.status == "failed" and failed.reason == "not_found"
    assert any("def helper(x):" in line for _n, line in failed.closest)
    assert (ok1.status, ok2.status) == ("applied", "applied")
    assert not plan.all_applied
    apply_plan(plan, journal)
    assert (root / "src/util.py").read_text() == "def helper(x):\n    return x + 2\n"


def test_outside_and_git_paths_are_refused_and_untouched(root: Path, journal: UndoJournal) -> None:
    outside = root.parent / "outside.txt"
    blocks = renumber(
        sr("../outside.txt", "do not touch\n", "touched\n"),
        sr("/etc/hostname", "", "x"),
        sr(".git/HEAD", "ref: refs/heads/main\n", "ref: refs/heads/evil\n"),
        sr("src/util.py", "return x + 1", "return x - 1"),
    )
    plan = plan_edits(root, blocks)
    reasons = [o.reason for o in plan.outcomes]
    assert reasons == ["outside_project", "outside_project", "inside_git", None]
    apply_plan(plan, journal)
    assert outside.read_bytes() == b"do not touch\n"
    assert (root / ".git/HEAD").read_bytes() == b"ref: refs/heads/main\n"
    assert "x - 1" in (root / "src/util.py").read_text()


@posix_only
def test_symlink_out_is_refused_and_alias_inside_edits_the_real_file(
    root: Path, journal: UndoJournal
) -> None:
    (root / "out.txt").symlink_to(root.parent / "outside.txt")
    (root / "alias.py").symlink_to("src/util.py")
    blocks = renumber(
        sr("out.txt", "do not touch\n", "pwned\n"),
        sr("alias.py", "return x + 1", "return x + 5"),
        sr("./src/util.py", "def helper(x):", "def helper(x: int):"),
    )
    plan = plan_edits(root, blocks)
    assert [o.status for o in plan.outcomes] == ["failed", "applied", "applied"]
    assert [c.rel_path for c in plan.changes] == ["src/util.py"]  # one file, both edits
    apply_plan(plan, journal)
    assert (root / "src/util.py").read_text() == "def helper(x: int):\n    return x + 5\n"
    assert (root / "alias.py").is_symlink()
    assert (root.parent / "outside.txt").read_bytes() == b"do not touch\n"


def test_binary_and_too_large_files_are_refused(root: Path) -> None:
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x00\x00IHDR")
    (root / "big.txt").write_bytes(b"line\n" * 1000)
    blocks = renumber(sr("logo.png", "PNG", "JPG"), sr("big.txt", "line\n", "LINE\n"))
    plan = plan_edits(root, blocks, max_bytes=4096)
    assert [o.reason for o in plan.outcomes] == ["binary", "too_large"]
    assert plan.changes == ()


def test_seen_fingerprints_detect_a_file_changed_since_the_model_saw_it(root: Path) -> None:
    util = root / "src/util.py"
    fp_util, fp_app = fingerprint(util), fingerprint(root / "src/app.py")
    assert fp_util is not None and fp_app is not None
    seen = {"src/util.py": fp_util, "./src/app.py": fp_app}
    util.write_text("def helper(x):\n    return x + 1  # edited by the user\n")
    os.utime(util, ns=(0, 1_000_000_000))
    blocks = renumber(
        sr("src/util.py", "    return x + 1\n", "    return x\n"),
        sr("src/app.py", "    return 0\n", "    return 2\n"),
    )
    plan = plan_edits(root, blocks, seen=seen)
    assert [o.reason for o in plan.outcomes] == ["file_changed", None]
    assert "changed on disk" in plan.outcomes[0].message
    assert [c.rel_path for c in plan.changes] == ["src/app.py"]
    # The file is gone: changed too.
    util.unlink()
    plan = plan_edits(root, blocks[:1], seen=seen)
    assert plan.outcomes[0].reason == "file_changed"


def test_apply_rechecks_right_before_writing(root: Path, journal: UndoJournal) -> None:
    util = root / "src/util.py"
    plan = plan_edits(root, renumber(sr("src/util.py", "return x + 1", "return x + 9")))
    user = b"def helper(x):\n    return x + 2\n"  # same size; mtime put back: only bytes differ
    st = util.stat()
    util.write_bytes(user)
    os.utime(util, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert fingerprint(util) == plan.changes[0].fingerprint
    with pytest.raises(EditError) as info:
        apply_plan(plan, journal)
    assert info.value.reason == "file_changed"
    assert util.read_bytes() == user
    assert journal.history() == []


def test_a_file_changed_during_the_journal_write_is_caught_and_rolled_back(
    root: Path, journal: UndoJournal, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_edits(
        root,
        renumber(
            sr("src/app.py", "    return 0\n", "    return 1\n"),
            sr("src/util.py", "    return x + 1\n", "    return x + 2\n"),
        ),
    )
    real_record = journal.record

    def record_then_user_edits(cs: ChangeSet) -> None:
        real_record(cs)
        (root / "src/util.py").write_bytes(b"user edit\n")

    monkeypatch.setattr(journal, "record", record_then_user_edits)
    app_before = (root / "src/app.py").read_bytes()
    with pytest.raises(EditError) as info:
        apply_plan(plan, journal)
    assert info.value.reason == "file_changed" and info.value.path == "src/util.py"
    assert (root / "src/app.py").read_bytes() == app_before
    assert (root / "src/util.py").read_bytes() == b"user edit\n"
    assert journal.history() == []


def test_permission_denied_leaves_all_originals_and_no_journal_entry(
    root: Path, journal: UndoJournal
) -> None:
    app = root / "src/app.py"
    os.chmod(app, 0o444)
    before = snapshot(root)
    blocks = renumber(
        sr("src/util.py", "return x + 1", "return x + 2"),  # written first, then rolled back
        sr("src/app.py", "return 0", "return 1"),
        sr("new/file.py", "", "print('new')\n"),
    )
    plan = plan_edits(root, blocks)
    assert plan.all_applied
    with pytest.raises(EditError) as info:
        apply_plan(plan, journal)
    assert info.value.reason == "write_failed"
    assert "src/app.py is read-only (permission denied)" in info.value.user_message
    assert snapshot(root) == before
    assert not (root / "new").exists()
    assert journal.history() == []
    assert no_temps(root)
    os.chmod(app, 0o644)


@pytest.mark.parametrize("func", ["write", "fsync", "replace"])
def test_disk_full_while_applying_loses_nothing(
    root: Path, journal: UndoJournal, monkeypatch: pytest.MonkeyPatch, func: str
) -> None:
    before = snapshot(root)
    blocks = renumber(
        sr("src/util.py", "return x + 1", "return x + 2"),
        sr("src/app.py", "return 0", "return 1"),
    )
    plan = plan_edits(root, blocks)

    def enospc(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, func, enospc)
    with pytest.raises(EditError) as info:
        apply_plan(plan, journal)
    monkeypatch.undo()
    assert info.value.reason == "write_failed"
    assert "No space left on device" in info.value.user_message
    assert snapshot(root) == before
    assert no_temps(root) and no_temps(journal.dir.parent)
    assert journal.history() == []


def test_disk_full_on_the_second_file_rolls_back_the_first(
    root: Path, journal: UndoJournal, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(root)
    plan = plan_edits(
        root,
        renumber(
            sr("src/app.py", "return 0", "return 1"),
            sr("src/util.py", "return x + 1", "return x + 2"),
        ),
    )
    real_replace = os.replace

    def fail_on_util(src: str, dst: str) -> None:
        if str(dst).endswith("util.py"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_util)
    with pytest.raises(EditError):
        apply_plan(plan, journal)
    monkeypatch.undo()
    assert snapshot(root) == before
    assert journal.history() == []


def test_journal_is_written_before_the_files(
    root: Path, journal: UndoJournal, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_in_journal: list[list[str]] = []
    real = atomic_write

    def spy(path: Path, data: bytes, **kw: object) -> None:
        seen_in_journal.append([f.rel_path for cs in journal.history() for f in cs.files])
        real(path, data, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr("dsdesk.workspace.edit_plan.atomic_write", spy)
    apply_plan(
        plan_edits(root, renumber(sr("src/util.py", "    return x + 1\n", "    return x + 3\n"))),
        journal,
    )
    assert seen_in_journal == [["src/util.py"]]


def test_accepted_texts_override_and_absent_files_are_left_alone(
    root: Path, journal: UndoJournal
) -> None:
    before = snapshot(root)
    plan = plan_edits(
        root,
        renumber(
            sr("src/app.py", "return 0", "return 1"),
            sr("src/util.py", "return x + 1", "return x + 2"),
        ),
    )
    cs = apply_plan(plan, journal, accepted={"src/util.py": "def helper(x):\n    return 42\n"})
    assert [f.rel_path for f in cs.files] == ["src/util.py"]
    assert (root / "src/util.py").read_text() == "def helper(x):\n    return 42\n"
    assert (root / "src/app.py").read_bytes() == before["src/app.py"]
    # Nothing accepted: nothing written, nothing recorded.
    assert apply_plan(plan_edits(root, []), journal, accepted={}).files == ()
    assert len(journal.history()) == 1


def test_create_in_new_folders_delete_and_undo(root: Path, journal: UndoJournal) -> None:
    util = root / "src/util.py"
    os.chmod(util, 0o751)
    blocks = renumber(
        sr("pkg/sub/new.py", "", "VALUE = 1"),
        EditBlock(0, "src/util.py", "", "", "whole_file", 1, delete=True),
    )
    plan = plan_edits(root, blocks)
    assert [o.level for o in plan.outcomes] == [MatchLevel.CREATE, None]
    assert plan.changes[0].new_text == "VALUE = 1\n"  # a new file ends with a newline
    before = snapshot(root)
    cs = apply_plan(plan, journal)
    assert cs.dirs == ("pkg", "pkg/sub")
    assert (root / "pkg/sub/new.py").read_bytes() == b"VALUE = 1\n"
    assert not util.exists()
    journal.undo_last()
    assert snapshot(root) == before
    assert not (root / "pkg").exists()
    assert stat.S_IMODE(util.stat().st_mode) == 0o751


def test_whole_file_block_never_overwrites_an_existing_file(root: Path) -> None:
    blocks = renumber(
        EditBlock(0, "src/util.py", "", "print('all new')\n", "whole_file", 1),
        EditBlock(0, "brand_new.py", "", "print('all new')\n", "whole_file", 5),
    )
    plan = plan_edits(root, blocks)
    skipped, created = plan.outcomes
    assert skipped.status == "skipped" and "already exists" in skipped.message
    assert created.status == "applied" and created.level == MatchLevel.CREATE
    assert [c.rel_path for c in plan.changes] == ["brand_new.py"]


def test_text_the_encoding_cannot_hold_fails_at_planning(root: Path) -> None:
    (root / "legacy.txt").write_bytes("caf\xe9\n".encode("cp1252"))
    plan = plan_edits(root, renumber(sr("legacy.txt", "caf\xe9\n", "caf\xe9 \u2192 bar\n")))
    (o,) = plan.outcomes
    assert (o.status, o.reason) == ("failed", "write_failed")
    assert "cp1252" in o.message and plan.changes == ()


def test_no_op_edit_gives_no_change(root: Path) -> None:
    plan = plan_edits(root, renumber(sr("src/util.py", "return x + 1", "return x + 1")))
    assert plan.outcomes[0].status == "applied" and plan.changes == ()


def test_with_the_real_parser(root: Path, journal: UndoJournal) -> None:
    answer = (
        "Here you go.\n\nsrc/util.py\n```python\n<<<<<<< SEARCH\n    return x + 1\n=======\n"
        "    return x + 100\n>>>>>>> REPLACE\n```\n"
    )
    plan = plan_edits(root, parse_edits(answer))
    assert plan.all_applied
    apply_plan(plan, journal)
    assert "x + 100" in (root / "src/util.py").read_text()


def test_a_folder_named_as_a_file_fails_cleanly(root: Path) -> None:
    plan = plan_edits(root, renumber(sr("src", "x", "y")))
    assert plan.outcomes[0].reason == "file_missing"
    assert "folder" in plan.outcomes[0].message


def test_journal_for_another_root_is_refused(root: Path, tmp_path: Path) -> None:
    other = UndoJournal(tmp_path, tmp_path / "data")
    with pytest.raises(ValueError):
        apply_plan(plan_edits(root, []), other)


def test_a_makefile_recipe_written_with_spaces_is_written_back_with_tabs(
    root: Path, journal: UndoJournal
) -> None:
    # Mostly space-indented lines (a continued variable), so only the name says "tabs".
    make = b"SRCS = a.c \\\n       b.c \\\n       c.c\nbuild:\n\tcc $(SRCS)\n"
    (root / "Makefile").write_bytes(make)
    block = sr("Makefile", "build:\n    cc $(SRCS)\n", "build:\n    cc -O2 $(SRCS)\n    strip a\n")
    plan = plan_edits(root, renumber(block))
    (o,) = plan.outcomes
    assert (o.status, o.level) == ("applied", MatchLevel.TABS), o.message
    apply_plan(plan, journal)
    assert (root / "Makefile").read_bytes() == make.replace(
        b"\tcc $(SRCS)\n", b"\tcc -O2 $(SRCS)\n\tstrip a\n"
    )
