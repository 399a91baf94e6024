"""ProjectTree: lazy off-thread listing, ignore rules, keyboard, and following the disk."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

import dsdesk.ui.file_tree_model as tree_model
from dsdesk.ui.file_tree import KIND_ROLE, ProjectTree
from dsdesk.workspace.ignore import IgnoreRules
from dsdesk.workspace.listing import Entry, list_dir, sort_key

_Index = QModelIndex | QPersistentModelIndex


def write(root: Path, rel: str, text: str = "") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    write(root, ".gitignore", "*.log\nbuild/\n")
    write(root, ".git/HEAD", "ref: refs/heads/main\n")
    write(root, "build/out.o")
    write(root, "debug.log")
    write(root, "README.md", "# hi\n")
    write(root, "setup.py", "x = 1\n")
    write(root, "pkg/__init__.py")
    write(root, "pkg/core.py", "def f():\n    pass\n")
    write(root, "pkg/sub/deep.txt")
    write(root, "docs/index.md")
    return root


@pytest.fixture
def tree(qtbot: QtBot) -> ProjectTree:
    view = ProjectTree()
    qtbot.addWidget(view)
    view.resize(300, 500)
    view.show()
    qtbot.waitExposed(view)
    return view


def names(tree: ProjectTree, parent: _Index | None = None) -> list[str]:
    model = tree.project_model()
    parent = parent if parent is not None else QModelIndex()
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def child(tree: ProjectTree, name: str, parent: _Index | None = None) -> QModelIndex:
    index = tree.project_model().child_named(parent or QModelIndex(), name)
    assert index.isValid(), name
    return index


def wait_names(
    qtbot: QtBot, tree: ProjectTree, expected: list[str], parent: _Index | None = None
) -> None:
    qtbot.waitUntil(lambda: names(tree, parent) == expected, timeout=5000)


def slow_list_dir(
    monkeypatch: pytest.MonkeyPatch, delay: float, when: Callable[[Path, str], bool]
) -> None:
    def slow(root: Path, rel: str, rules: IgnoreRules) -> list[Entry]:
        if when(root, rel):
            time.sleep(delay)
        return list_dir(root, rel, rules)

    monkeypatch.setattr(tree_model, "list_dir", slow)


TOP = ["docs", "pkg", ".gitignore", "README.md", "setup.py"]


def test_set_root_returns_at_once_and_top_level_arrives(
    qtbot: QtBot, tree: ProjectTree, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed_on: list[threading.Thread] = []

    def spy(root: Path, rel: str, rules: IgnoreRules) -> list[Entry]:
        listed_on.append(threading.current_thread())
        return list_dir(root, rel, rules)

    monkeypatch.setattr(tree_model, "list_dir", spy)
    tree.set_root(project)
    assert tree.project_model().rowCount() == 0  # nothing listed on the GUI thread
    wait_names(qtbot, tree, TOP)  # ignored (*.log, build/) and .git hidden; folders first
    assert listed_on and threading.main_thread() not in listed_on
    assert tree.root() == project
    assert child(tree, "pkg").data(KIND_ROLE) == "folder"
    assert child(tree, "setup.py").data(KIND_ROLE) == "python"
    assert not tree.project_model().is_loaded(child(tree, "pkg"))  # not before it is expanded


def test_folder_lists_lazily_on_expand(qtbot: QtBot, tree: ProjectTree, project: Path) -> None:
    tree.set_root(project)
    wait_names(qtbot, tree, TOP)
    model = tree.project_model()
    pkg = child(tree, "pkg")
    assert model.hasChildren(pkg) and model.rowCount(pkg) == 0
    tree.expand(pkg)
    wait_names(qtbot, tree, ["sub", "__init__.py", "core.py"], pkg)
    assert model.is_loaded(pkg)
    assert not model.is_loaded(child(tree, "sub", pkg))


def test_slow_folder_shows_loading_row_then_its_children(
    qtbot: QtBot, tree: ProjectTree, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree.set_root(project)
    wait_names(qtbot, tree, TOP)
    slow_list_dir(monkeypatch, 0.6, lambda root, rel: rel == "docs")
    docs = child(tree, "docs")
    tree.expand(docs)
    wait_names(qtbot, tree, ["Loading…"], docs)
    assert child(tree, "docs").isValid()
    wait_names(qtbot, tree, ["index.md"], docs)


def test_fast_folder_never_shows_loading(qtbot: QtBot, tree: ProjectTree, project: Path) -> None:
    seen: list[str] = []
    tree.project_model().rowsInserted.connect(
        lambda parent, first, last: seen.extend(names(tree, parent)[first : last + 1])
    )
    tree.set_root(project)
    wait_names(qtbot, tree, TOP)
    assert "Loading…" not in seen


def test_stale_listing_for_a_previous_root_is_dropped(
    qtbot: QtBot, tree: ProjectTree, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    write(other, "only.txt")
    slow_list_dir(monkeypatch, 0.3, lambda root, rel: root == project)
    tree.set_root(project)
    tree.set_root(other)
    wait_names(qtbot, tree, ["only.txt"])
    qtbot.wait(500)  # the first root's listing has arrived by now, and must have been dropped
    assert names(tree) == ["only.txt"]


def test_enter_opens_a_file_and_toggles_a_folder(
    qtbot: QtBot, tree: ProjectTree, project: Path
) -> None:
    tree.set_root(project)
    wait_names(qtbot, tree, TOP)
    tree.setFocus()
    tree.setCurrentIndex(child(tree, "setup.py"))
    with qtbot.waitSignal(tree.sig_open_file, timeout=2000) as blocker:
        qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert blocker.args == [project / "setup.py"]
    assert tree.current_path() == project / "setup.py"

    pkg = child(tree, "pkg")
    tree.setCurrentIndex(pkg)
    with qtbot.assertNotEmitted(tree.sig_open_file):
        qtbot.keyClick(tree, Qt.Key.Key_Enter)
    assert tree.isExpanded(pkg)
    wait_names(qtbot, tree, ["sub", "__init__.py", "core.py"], pkg)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert not tree.isExpanded(pkg)


def test_double_click_opens_a_file(qtbot: QtBot, tree: ProjectTree, project: Path) -> None:
    tree.set_root(project)
    wait_names(qtbot, tree, TOP)
    readme = child(tree, "README.md")
    with qtbot.waitSignal(tree.sig_open_file, timeout=2000) as blocker:
        tree.doubleClicked.emit(readme)
    assert blocker.args == [project / "README.md"]


def test_symlink_out_of_the_root_is_not_expandable(
    qtbot: QtBot, tree: ProjectTree, project: Path, tmp_path: Path
) -> None:
    write(tmp_path, "elsewhere/secret.txt")
    (project / "zlink").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    tree.set_root(project)
    wait_names(qtbot, tree, [*TOP, "zlink"])
    link = child(tree, "zlink")
    assert link.data(KIND_ROLE) == "symlink"
    assert not tree.project_model().hasChildren(link)
    tree.setCurrentIndex(link)
    with qtbot.assertNotEmitted(tree.sig_open_file):
        qtbot.keyClick(tree, Qt.Key.Key_Return)


def test_follows_files_created_and_deleted_keeping_expansion_and_selection(
    qtbot: QtBot, tree: ProjectTree, project: Path
) -> None:
    tree.set_root(project)
    wait_names(qtbot, tree, TOP)
    pkg = QPersistentModelIndex(child(tree, "pkg"))
    tree.expand(pkg)
    wait_names(qtbot, tree, ["sub", "__init__.py", "core.py"], pkg)
    tree.setCurrentIndex(child(tree, "core.py", pkg))

    write(project, "aaa.py")  # lands before everything else among the files
    write(project, "pkg/zz.py")
    wait_names(qtbot, tree, ["docs", "pkg", ".gitignore", "aaa.py", "README.md", "setup.py"])
    wait_names(qtbot, tree, ["sub", "__init__.py", "core.py", "zz.py"], pkg)
    assert tree.isExpanded(pkg)
    assert tree.current_path() == project / "pkg/core.py"

    (project / "setup.py").unlink()
    (project / "docs/index.md").unlink()
    (project / "docs").rmdir()
    wait_names(qtbot, tree, ["pkg", ".gitignore", "aaa.py", "README.md"])
    assert tree.isExpanded(pkg)
    assert tree.current_path() == project / "pkg/core.py"

    write(project, "new.log")  # ignored: never shows up
    write(project, "zzz.txt")
    wait_names(qtbot, tree, ["pkg", ".gitignore", "aaa.py", "README.md", "zzz.txt"])


def test_gitignore_edit_hides_and_shows_entries(
    qtbot: QtBot, tree: ProjectTree, project: Path
) -> None:
    tree.set_root(project)
    wait_names(qtbot, tree, TOP)
    pkg = QPersistentModelIndex(child(tree, "pkg"))
    tree.expand(pkg)
    wait_names(qtbot, tree, ["sub", "__init__.py", "core.py"], pkg)

    # Edited in place: the folder watch alone would not notice this.
    with open(project / ".gitignore", "a", encoding="utf-8") as f:
        f.write("README.md\ncore.py\n")
    wait_names(qtbot, tree, ["docs", "pkg", ".gitignore", "setup.py"])
    wait_names(qtbot, tree, ["sub", "__init__.py"], pkg)  # the root's rules reach down

    # Replaced (as editors that save atomically do), and un-ignoring again.
    tmp = project / ".gitignore.tmp"
    tmp.write_text("*.log\n", encoding="utf-8")
    tmp.replace(project / ".gitignore")
    wait_names(qtbot, tree, ["build", "docs", "pkg", ".gitignore", "README.md", "setup.py"])
    wait_names(qtbot, tree, ["sub", "__init__.py", "core.py"], pkg)

    write(project, "pkg/.gitignore", "sub/\n")  # a new nested .gitignore
    wait_names(qtbot, tree, [".gitignore", "__init__.py", "core.py"], pkg)


def test_select_path_loads_ancestors(qtbot: QtBot, tree: ProjectTree, project: Path) -> None:
    tree.set_root(project)
    assert tree.select_path(project / "pkg/sub/deep.txt")
    qtbot.waitUntil(lambda: tree.current_path() == project / "pkg/sub/deep.txt", timeout=5000)
    assert tree.isExpanded(child(tree, "pkg"))
    assert not tree.select_path(project.parent / "elsewhere.txt")


def test_refresh_and_set_root_none(qtbot: QtBot, tree: ProjectTree, project: Path) -> None:
    tree.set_root(project)
    wait_names(qtbot, tree, TOP)
    write(project, ".git/info/exclude", "README.md\n")  # not watched: refresh() picks it up
    tree.refresh()
    wait_names(qtbot, tree, ["docs", "pkg", ".gitignore", "setup.py"])
    tree.set_root(None)
    assert names(tree) == []
    assert tree.current_path() is None
    assert tree.root() is None


def test_type_ahead_search(qtbot: QtBot, tree: ProjectTree, project: Path) -> None:
    tree.set_root(project)
    wait_names(qtbot, tree, TOP)
    tree.setFocus()
    qtbot.keyClicks(tree, "set")
    assert tree.current_path() == project / "setup.py"


def test_random_changes_keep_the_model_consistent(
    qtbot: QtBot, qtmodeltester: ModelTester, tree: ProjectTree, tmp_path: Path
) -> None:
    """Many adds and removes at once, applied as row diffs, checked by QAbstractItemModelTester;
    an expanded folder whose row keeps moving stays expanded and its children's parent right."""
    root = tmp_path / "r"
    write(root, "d_keep/inner.py")
    rng = random.Random(7)
    pool = [f"f{i}.py" for i in range(40)] + [f"d{i}" for i in range(15)]
    current: set[str] = set(rng.sample(pool, 25))
    for name in current:
        (root / name).mkdir(parents=True) if name.startswith("d") else write(root, name)
    tree.set_root(root)
    model = tree.project_model()
    qtmodeltester.check(model)  # stays connected and checks every change after

    def expected() -> list[str]:
        names = [*pool, "d_keep"]
        return [n for n in sorted(names, key=lambda n: sort_key(n, n[0] == "d")) if n in current]

    current.add("d_keep")
    wait_names(qtbot, tree, expected())
    keep = QPersistentModelIndex(child(tree, "d_keep"))
    tree.expand(keep)
    wait_names(qtbot, tree, ["inner.py"], keep)
    rows_seen = set()
    for _ in range(6):
        for name in rng.sample(pool, 12):
            path = root / name
            if name in current:
                path.rmdir() if name.startswith("d") else path.unlink()
                current.discard(name)
            else:
                path.mkdir() if name.startswith("d") else write(root, name)
                current.add(name)
        tree.refresh()
        wait_names(qtbot, tree, expected())
        assert keep.isValid() and tree.isExpanded(keep)  # same row identity through every diff
        inner = model.index(0, 0, keep)
        assert model.parent(inner) == keep
        rows_seen.add(keep.row())
    assert len(rows_seen) > 1  # the expanded folder did move
