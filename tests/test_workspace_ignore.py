"""Git ignore semantics (IgnoreRules) and one-folder listings (list_dir); no Qt involved."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dsdesk.workspace.ignore import IgnoreRules
from dsdesk.workspace.listing import Entry, kind_for_name, list_dir


def write(root: Path, rel: str, text: str = "") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def names(entries: list[Entry]) -> list[str]:
    return [e.name for e in entries]


# -- IgnoreRules ----------------------------------------------------------------------------------


def test_root_gitignore_patterns(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.log\n/build\n# comment\n\nnode_modules/\n")
    rules = IgnoreRules(tmp_path)
    assert rules.is_ignored("app.log", is_dir=False)
    assert rules.is_ignored("src/deep/app.log", is_dir=False)
    assert rules.is_ignored("build", is_dir=True)
    assert not rules.is_ignored("src/build", is_dir=True)  # anchored to the root
    assert rules.is_ignored("web/node_modules", is_dir=True)
    assert not rules.is_ignored("main.py", is_dir=False)
    assert not rules.is_ignored("", is_dir=True)


def test_directory_only_pattern_spares_files_of_that_name(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "cache/\n")
    rules = IgnoreRules(tmp_path)
    assert rules.is_ignored("cache", is_dir=True)
    assert rules.is_ignored("x/cache", is_dir=True)
    assert not rules.is_ignored("cache", is_dir=False)
    assert rules.is_ignored("cache/inner.txt", is_dir=False)  # inside an ignored folder


def test_negation_reincludes_but_not_below_an_ignored_folder(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.txt\n!keep.txt\nlogs/\n!logs/important.txt\nout/*\n!out/k\n")
    rules = IgnoreRules(tmp_path)
    assert rules.is_ignored("a.txt", is_dir=False)
    assert not rules.is_ignored("keep.txt", is_dir=False)
    assert not rules.is_ignored("sub/keep.txt", is_dir=False)
    # git cannot re-include a file whose folder is excluded...
    assert rules.is_ignored("logs/important.txt", is_dir=False)
    # ...but "out/*" excludes the children, not the folder, so "!out/k" works.
    assert not rules.is_ignored("out", is_dir=True)
    assert rules.is_ignored("out/j", is_dir=False)
    assert not rules.is_ignored("out/k", is_dir=False)


def test_nested_gitignore_applies_to_its_folder_and_overrides_the_parent(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.tmp\nsecret\n")
    write(tmp_path, "pkg/.gitignore", "!*.tmp\n/local.cfg\ngen/\n")
    write(tmp_path, "pkg/sub/.gitignore", "*.tmp\n")
    rules = IgnoreRules(tmp_path)
    assert rules.is_ignored("a.tmp", is_dir=False)
    assert not rules.is_ignored("pkg/a.tmp", is_dir=False)  # deeper negation wins
    assert rules.is_ignored("pkg/sub/a.tmp", is_dir=False)  # and deeper still wins again
    assert not rules.is_ignored("pkg/other/a.tmp", is_dir=False)
    assert rules.is_ignored("pkg/local.cfg", is_dir=False)  # anchored to pkg/
    assert not rules.is_ignored("local.cfg", is_dir=False)  # pkg's rules stay in pkg
    assert not rules.is_ignored("pkg/sub/local.cfg", is_dir=False)
    assert rules.is_ignored("pkg/sub/gen", is_dir=True)
    assert rules.is_ignored("pkg/secret", is_dir=False)  # the root's rule still reaches down


def test_git_folder_always_hidden_and_info_exclude_honoured(tmp_path: Path) -> None:
    write(tmp_path, ".git/info/exclude", "# local\nscratch/\n*.bak\n")
    write(tmp_path, ".gitignore", "!important.bak\n")
    rules = IgnoreRules(tmp_path)
    assert rules.is_ignored(".git", is_dir=True)
    assert rules.is_ignored(".git/config", is_dir=False)
    assert rules.is_ignored("vendor/lib/.git", is_dir=False)  # a submodule's .git file
    assert rules.is_ignored("scratch", is_dir=True)
    assert rules.is_ignored("x.bak", is_dir=False)
    assert not rules.is_ignored("important.bak", is_dir=False)  # .gitignore beats exclude
    assert not rules.is_ignored(".gitignore", is_dir=False)


def test_no_rules_invented(tmp_path: Path) -> None:
    rules = IgnoreRules(tmp_path)
    for rel, is_dir in [
        ("node_modules", True),
        ("__pycache__", True),
        (".venv", True),
        ("a.pyc", False),
        (".DS_Store", False),
    ]:
        assert not rules.is_ignored(rel, is_dir)


def test_rules_load_lazily_and_reload_after_invalidate(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "a\n")
    write(tmp_path, "one/.gitignore", "b\n")
    write(tmp_path, "two/.gitignore", "c\n")
    rules = IgnoreRules(tmp_path)
    assert rules.is_ignored("one/b", is_dir=False)
    assert set(rules._sources) == {"", "one"}  # two/ has not been looked at

    (tmp_path / "one/.gitignore").write_text("z\n", encoding="utf-8")
    assert rules.is_ignored("one/b", is_dir=False)  # cached until told
    rules.invalidate("one")
    assert not rules.is_ignored("one/b", is_dir=False)
    assert rules.is_ignored("one/z", is_dir=False)


def test_reload_if_changed_notices_edits_creation_and_deletion(tmp_path: Path) -> None:
    rules = IgnoreRules(tmp_path)
    assert not rules.is_ignored("x.txt", is_dir=False)
    assert not rules.reload_if_changed("")
    write(tmp_path, ".gitignore", "x.txt\n")
    assert rules.reload_if_changed("")
    assert rules.is_ignored("x.txt", is_dir=False)
    os.utime(tmp_path / ".gitignore", ns=(1, 1))
    (tmp_path / ".gitignore").unlink()
    assert rules.reload_if_changed("")
    assert not rules.is_ignored("x.txt", is_dir=False)
    assert not rules.reload_if_changed("never/seen")


def test_unreadable_or_odd_gitignore_does_not_break(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").mkdir()  # a folder of that name
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub/.gitignore").write_bytes(b"caf\xe9\n*.o\n")
    rules = IgnoreRules(tmp_path)
    assert not rules.is_ignored("a.o", is_dir=False)
    assert rules.is_ignored("sub/a.o", is_dir=False)


# -- list_dir -------------------------------------------------------------------------------------


def test_listing_order_folders_first_natural_case_insensitive(tmp_path: Path) -> None:
    for name in ["b.txt", "A.txt", "file10.py", "file2.py", "file1.py", "_x.md"]:
        write(tmp_path, name)
    for name in ["zeta", "Alpha", "dir10", "dir9"]:
        (tmp_path / name).mkdir()
    entries = list_dir(tmp_path, "", IgnoreRules(tmp_path))
    assert names(entries) == [
        "Alpha",
        "dir9",
        "dir10",
        "zeta",
        "_x.md",
        "A.txt",
        "b.txt",
        "file1.py",
        "file2.py",
        "file10.py",
    ]
    assert [e.is_dir for e in entries[:4]] == [True] * 4


def test_listing_entries_carry_paths_sizes_and_kinds(tmp_path: Path) -> None:
    write(tmp_path, "pkg/mod.py", "x = 1\n")
    write(tmp_path, "pkg/README.md")
    write(tmp_path, "pkg/pyproject.toml")
    write(tmp_path, "pkg/logo.PNG")
    write(tmp_path, "pkg/lib.so")
    write(tmp_path, "pkg/notes")
    write(tmp_path, "pkg/Makefile")
    (tmp_path / "pkg/data").mkdir()
    entries = {e.name: e for e in list_dir(tmp_path, "pkg", IgnoreRules(tmp_path))}
    assert entries["mod.py"] == Entry("mod.py", "pkg/mod.py", False, 6, "python")
    assert entries["data"] == Entry("data", "pkg/data", True, 0, "folder")
    kinds = {name: e.kind for name, e in entries.items()}
    assert kinds == {
        "data": "folder",
        "mod.py": "python",
        "README.md": "markdown",
        "pyproject.toml": "config",
        "logo.PNG": "image",
        "lib.so": "binary",
        "notes": "text",
        "Makefile": "code",
    }
    assert kind_for_name("main.rs") == "code"
    assert kind_for_name(".gitignore") == "config"


def test_listing_hides_ignored_and_git(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.log\nbuild/\n")
    write(tmp_path, ".git/HEAD", "ref: refs/heads/main\n")
    write(tmp_path, "a.log")
    write(tmp_path, "build/out.bin")
    write(tmp_path, "src/main.py")
    write(tmp_path, "src/.gitignore", "gen.py\n")
    write(tmp_path, "src/gen.py")
    rules = IgnoreRules(tmp_path)
    assert names(list_dir(tmp_path, "", rules)) == ["src", ".gitignore"]
    assert names(list_dir(tmp_path, "src", rules)) == [".gitignore", "main.py"]
    assert list_dir(tmp_path, "build", rules) == []  # the folder's own contents are not asked


def test_symlink_out_of_root_is_shown_but_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    outside = tmp_path / "outside"
    write(outside, "secret.txt", "x")
    write(root, "inner/file.py")
    (root / "out_link").symlink_to(outside, target_is_directory=True)
    (root / "in_link").symlink_to(root / "inner", target_is_directory=True)
    (root / "file_link.py").symlink_to(root / "inner/file.py")
    (root / "broken").symlink_to(tmp_path / "nowhere")
    rules = IgnoreRules(root)
    entries = {e.name: e for e in list_dir(root, "", rules)}
    assert entries["out_link"].is_dir is False
    assert entries["out_link"].kind == "symlink"
    assert entries["out_link"].is_link
    assert entries["in_link"].is_dir is True
    assert entries["file_link.py"].kind == "python"
    assert entries["broken"].kind == "symlink"
    # Even asked directly, a folder reached through the outside link is not listed.
    assert list_dir(root, "out_link", rules) == []
    assert names(list_dir(root, "in_link", rules)) == ["file.py"]


def test_listing_survives_missing_and_unreadable_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = IgnoreRules(tmp_path)
    assert list_dir(tmp_path, "does/not/exist", rules) == []
    write(tmp_path, "plain.txt")
    assert list_dir(tmp_path, "plain.txt", rules) == []
    write(tmp_path, "locked/x.txt")
    real_scandir = os.scandir

    def denied(path: Path) -> object:
        # chmod 0 means nothing to root, so simulate what an ordinary user would get.
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    assert list_dir(tmp_path, "locked", rules) == []
    assert names(list_dir(tmp_path, "", rules)) == ["locked", "plain.txt"]


def test_listing_skips_entries_that_vanish_mid_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "stays.py")
    write(tmp_path, "goes.py")
    real_scandir = os.scandir

    class Vanishing:
        """Wraps scandir: deletes goes.py after readdir saw it, before its stat."""

        def __init__(self, path: Path) -> None:
            self._it = real_scandir(path)

        def __enter__(self) -> Vanishing:
            return self

        def __exit__(self, *exc: object) -> None:
            self._it.close()

        def __iter__(self) -> Vanishing:
            return self

        def __next__(self) -> os.DirEntry[str]:
            de = next(self._it)
            if de.name == "goes.py":
                Path(de.path).unlink()
            return de

    monkeypatch.setattr(os, "scandir", Vanishing)
    assert names(list_dir(tmp_path, "", IgnoreRules(tmp_path))) == ["stays.py"]


def test_workspace_listing_imports_without_qt() -> None:
    code = (
        "import sys, dsdesk.workspace.ignore, dsdesk.workspace.listing; "
        "assert not any(m.startswith(('PySide6', 'shiboken6')) for m in sys.modules)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr


def test_lines_git_accepts_but_pathspec_refuses_are_skipped_like_git(tmp_path: Path) -> None:
    # A lone "!", a trailing backslash and a reversed range make pathspec raise; git skips them.
    rules_text = "*.log\n!\nfoo\\\n[z-a]\n!keep.log\n\\\nsecret*\n!secret-ok\n"
    write(tmp_path, ".gitignore", rules_text)
    write(tmp_path, "sub/.gitignore", "!\nnested.txt\n")
    paths = ["a.log", "keep.log", "foo", "x.txt", "secret1", "secret-ok", "sub/nested.txt"]
    for rel in paths:
        write(tmp_path, rel)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=env)
    git = ["git", "-C", str(tmp_path), "check-ignore", *paths]
    res = subprocess.run(git, capture_output=True, text=True, env=env)
    by_git = set(res.stdout.split())
    assert by_git == {"a.log", "secret1", "sub/nested.txt"}
    rules = IgnoreRules(tmp_path)
    assert {p for p in paths if rules.is_ignored(p, is_dir=False)} == by_git
    shown = names(list_dir(tmp_path, "", rules))
    assert shown == ["sub", ".gitignore", "foo", "keep.log", "secret-ok", "x.txt"]


@pytest.mark.skipif(sys.platform != "linux", reason="names that are not UTF-8 need POSIX bytes")
def test_listing_tolerates_names_not_utf8_and_symlink_loops(tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(b"bad\xff.py")).write_text("x = 1\n")
    (tmp_path / os.fsdecode(b"odd\xfe.txt")).write_text("hidden by the rules\n")
    (tmp_path / os.fsdecode(b"dir\xfe")).mkdir()
    (tmp_path / os.fsdecode(b"dir\xfe") / "inner.py").write_text("")
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    os.symlink("self", tmp_path / "self")
    write(tmp_path, ".gitignore", "odd?.txt\n")  # matched against the real name: ? is one byte
    entries = {e.name: e for e in list_dir(tmp_path, "", IgnoreRules(tmp_path))}
    assert set(entries) == {".gitignore", "bad\\xff.py", "dir\\xfe", "a", "b", "self"}
    for e in entries.values():  # what Qt is given must survive its strings unchanged
        assert e.rel_path.encode("utf-8") and e.name.encode("utf-8")
    assert entries["bad\\xff.py"].kind == "python" and entries["bad\\xff.py"].size == 6
    assert not entries["dir\\xfe"].is_dir  # its escaped name names nothing to list
    assert all(entries[n].kind == "symlink" and not entries[n].is_dir for n in ("a", "b", "self"))
