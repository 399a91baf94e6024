"""The lazy item model behind ProjectTree.

A folder's children are listed on a worker thread the first time the view asks (fetchMore), and
only loaded folders are watched. A change on disk re-lists that one folder off-thread and applies
the difference with begin/endInsertRows and begin/endRemoveRows, so expansion and selection survive.

Indexes carry a node id (``internalId``), never a Python object pointer: a stale index then looks
up nothing instead of dereferencing a freed node.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication

from dsdesk.ui.file_tree_icons import icon_for_kind
from dsdesk.ui.file_tree_jobs import submit
from dsdesk.ui.file_tree_watch import CHECK_RULES, KEEP_RULES, RELOAD_RULES, FolderWatcher
from dsdesk.workspace.ignore import IGNORE_FILE, IgnoreRules
from dsdesk.workspace.listing import Entry, list_dir

__all__ = ["ProjectModel"]

REL_PATH_ROLE = Qt.ItemDataRole.UserRole + 1  # str, POSIX, relative to the root
KIND_ROLE = Qt.ItemDataRole.UserRole + 2  # str, Entry.kind ("loading" for the placeholder)
IS_DIR_ROLE = Qt.ItemDataRole.UserRole + 3  # bool

LOADING_DELAY_S = 0.15  # a listing faster than this never shows "Loading…"

_AnyIndex = QModelIndex | QPersistentModelIndex


class _Node:
    __slots__ = (
        "children",
        "entry",
        "id",
        "loaded",
        "parent",
        "pending_since",
        "placeholder",
        "row",
        "seq",
    )

    def __init__(self, node_id: int, entry: Entry, parent: _Node | None, row: int) -> None:
        self.id = node_id
        self.entry = entry
        self.parent = parent
        self.row = row
        self.children: list[_Node] = []
        self.loaded = False  # children listed at least once
        self.placeholder = False  # children == [the "Loading…" node]
        self.seq = 0  # number of the latest listing asked for; older answers are stale
        self.pending_since: float | None = None


@dataclass(frozen=True, slots=True)
class _Listing:
    generation: int
    node_id: int
    seq: int
    entries: list[Entry]
    rules_changed: bool


def _list_job(
    root: Path, rules: IgnoreRules, rel: str, rules_mode: int, key: tuple[int, int, int]
) -> _Listing:
    changed = False
    if rules_mode == RELOAD_RULES:
        rules.invalidate(rel)
        changed = True
    elif rules_mode == CHECK_RULES:
        changed = rules.reload_if_changed(rel)
    return _Listing(*key, entries=list_dir(root, rel, rules), rules_changed=changed)


_LOADING = Entry("Loading…", "", False, 0, "loading")


class ProjectModel(QAbstractItemModel):
    """One column: the name and a kind icon; REL_PATH_ROLE, KIND_ROLE, IS_DIR_ROLE for the rest."""

    sig_folder_loaded = Signal(str)  # (rel_path) a folder's children were listed or re-listed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root_path: Path | None = None
        self._rules: IgnoreRules | None = None
        self._generation = 0
        self._next_id = 1
        self._root = _Node(0, Entry("", "", True, 0, "folder"), None, 0)
        self._nodes: dict[int, _Node] = {}
        self._watcher = FolderWatcher(self)
        self._watcher.sig_changed.connect(self._on_watcher_changed)
        self._first_loads: dict[int, _Node] = {}  # folders listed for the first time, in flight
        self._loading_timer = QTimer(self, singleShot=True)
        self._loading_timer.timeout.connect(self._on_loading_timer_timeout)

    # -- public API ---------------------------------------------------------------------------

    def root_path(self) -> Path | None:
        return self._root_path

    def set_root(self, path: Path | None) -> None:
        """Show ``path`` (None: nothing). Returns at once; the top level arrives from a worker."""
        self.beginResetModel()
        self._generation += 1  # answers for the previous root are dropped on arrival
        self._watcher.clear()
        self._nodes.clear()
        self._first_loads.clear()
        self._root = _Node(0, Entry("", "", True, 0, "folder"), None, 0)
        self._root_path = Path(os.path.abspath(path)) if path is not None else None
        self._rules = IgnoreRules(self._root_path) if self._root_path is not None else None
        self.endResetModel()
        if self._root_path is not None:
            self._request(self._root, KEEP_RULES)

    def refresh(self) -> None:
        """Forget all ignore rules and re-list every loaded folder (a diff, not a reset)."""
        if self._rules is None:
            return
        self._rules.invalidate(None)
        for node in [self._root, *self._nodes.values()]:
            if node.loaded:
                self._request(node, KEEP_RULES)

    def abs_path(self, index: _AnyIndex) -> Path | None:
        node = self._node(index)
        if node is None or node is self._root or node.entry.kind == "loading":
            return None
        assert self._root_path is not None
        return self._root_path / node.entry.rel_path

    def is_dir(self, index: _AnyIndex) -> bool:
        node = self._node(index)
        return node is not None and node.entry.is_dir

    def is_loaded(self, index: _AnyIndex) -> bool:
        node = self._node(index)
        return node is not None and node.loaded

    def child_named(self, parent: _AnyIndex, name: str) -> QModelIndex:
        node = self._node(parent)
        if node is not None:
            for child in node.children:
                if child.entry.name == name and child.entry.kind != "loading":
                    return self.createIndex(child.row, 0, child.id)
        return QModelIndex()

    # -- QAbstractItemModel -------------------------------------------------------------------

    def index(self, row: int, column: int, parent: _AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self._node(parent)
        if node is None or column != 0 or not 0 <= row < len(node.children):
            return QModelIndex()
        return self.createIndex(row, 0, node.children[row].id)

    def parent(self, index: _AnyIndex | None = None) -> Any:
        if index is None:  # QObject.parent()
            return super().parent()
        node = self._nodes.get(index.internalId()) if index.isValid() else None
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self.createIndex(node.parent.row, 0, node.parent.id)

    def rowCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self._node(parent)
        return len(node.children) if node is not None else 0

    def columnCount(self, parent: _AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def hasChildren(self, parent: _AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        node = self._node(parent)
        if node is None or not node.entry.is_dir:
            return False
        # Until listed, every folder may have children: that is what shows the expand arrow.
        return not node.loaded or bool(node.children)

    def canFetchMore(self, parent: _AnyIndex) -> bool:
        node = self._node(parent)
        return (
            node is not None
            and node.entry.is_dir
            and not node.loaded
            and node.pending_since is None
            and self._root_path is not None
        )

    def fetchMore(self, parent: _AnyIndex) -> None:
        node = self._node(parent)
        if node is not None and self.canFetchMore(parent):
            self._request(node, KEEP_RULES)

    def flags(self, index: _AnyIndex) -> Qt.ItemFlag:
        node = self._node(index)
        if node is None or node is self._root:
            return Qt.ItemFlag.NoItemFlags
        if node.entry.kind == "loading":
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        node = self._node(index)
        if node is None or node is self._root:
            return None
        e = node.entry
        if role == Qt.ItemDataRole.DisplayRole:
            return e.name
        if role == Qt.ItemDataRole.DecorationRole:
            return icon_for_kind(e.kind)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(e)
        if role == Qt.ItemDataRole.FontRole and (e.is_link or e.kind == "loading"):
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and e.kind == "loading":
            return QApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if role == REL_PATH_ROLE:
            return e.rel_path
        if role == KIND_ROLE:
            return e.kind
        if role == IS_DIR_ROLE:
            return e.is_dir
        return None

    # -- listing ------------------------------------------------------------------------------

    def _node(self, index: _AnyIndex) -> _Node | None:
        if not index.isValid():
            return self._root
        return self._nodes.get(index.internalId())

    def _index_of(self, node: _Node) -> QModelIndex:
        return QModelIndex() if node is self._root else self.createIndex(node.row, 0, node.id)

    def _request(self, node: _Node, rules_mode: int) -> None:
        assert self._root_path is not None and self._rules is not None
        node.seq += 1
        if node.pending_since is None:
            node.pending_since = time.monotonic()
        if not node.loaded:
            self._first_loads[node.id] = node
            if not self._loading_timer.isActive():
                self._loading_timer.start(int(LOADING_DELAY_S * 1000))
        key = (self._generation, node.id, node.seq)
        root, rules, rel = self._root_path, self._rules, node.entry.rel_path
        submit(self, lambda: _list_job(root, rules, rel, rules_mode, key), self._on_job_listed)

    def _on_job_listed(self, listing: _Listing) -> None:
        node = self._root if listing.node_id == 0 else self._nodes.get(listing.node_id)
        if listing.generation != self._generation or node is None or listing.seq != node.seq:
            return  # another root, a node since removed, or a newer listing is on its way
        node.pending_since = None
        self._first_loads.pop(node.id, None)
        if node.placeholder:
            self._remove_rows(node, 0, 0)
            node.placeholder = False
        if node.loaded:
            self._apply_diff(node, listing.entries)
        else:
            node.loaded = True
            self._insert_entries(node, 0, listing.entries)
        self._watch(node)
        if listing.rules_changed:
            # This folder's .gitignore changed: what is visible below it may have changed too.
            for other in list(self._nodes.values()):
                if other.loaded and _is_below(other.entry.rel_path, node.entry.rel_path):
                    self._request(other, KEEP_RULES)
        self.sig_folder_loaded.emit(node.entry.rel_path)

    def _on_loading_timer_timeout(self) -> None:
        now = time.monotonic()
        next_due: float | None = None
        for node in list(self._first_loads.values()):
            if node.placeholder or node.pending_since is None:
                continue
            due = node.pending_since + LOADING_DELAY_S
            if due <= now:
                self._insert_nodes(node, 0, [_LOADING])
                node.placeholder = True
            else:
                next_due = due if next_due is None else min(next_due, due)
        if next_due is not None:
            self._loading_timer.start(max(1, int((next_due - now) * 1000)))

    # -- applying changes ---------------------------------------------------------------------

    def _insert_entries(self, node: _Node, at: int, entries: list[Entry]) -> None:
        if entries:
            self._insert_nodes(node, at, entries)

    def _insert_nodes(self, node: _Node, at: int, entries: list[Entry]) -> None:
        self.beginInsertRows(self._index_of(node), at, at + len(entries) - 1)
        new = []
        for e in entries:
            child = _Node(self._next_id, e, node, 0)
            self._next_id += 1
            self._nodes[child.id] = child
            new.append(child)
        node.children[at:at] = new
        _renumber(node, at)
        self.endInsertRows()

    def _remove_rows(self, node: _Node, first: int, last: int) -> None:
        self.beginRemoveRows(self._index_of(node), first, last)
        for child in node.children[first : last + 1]:
            self._forget(child)
        del node.children[first : last + 1]
        _renumber(node, first)
        self.endRemoveRows()

    def _forget(self, node: _Node) -> None:
        stack = [node]
        while stack:
            n = stack.pop()
            self._nodes.pop(n.id, None)
            self._first_loads.pop(n.id, None)
            if n.loaded:
                self._watcher.unwatch(n.id, self._folder_path(n))
            stack.extend(n.children)

    def _apply_diff(self, node: _Node, entries: list[Entry]) -> None:
        """Turn node's children into ``entries`` with the fewest row moves; kept rows keep their
        ids, so their expansion, selection and loaded subtrees survive."""
        new_by_name = {e.name: e for e in entries}

        def gone(child: _Node) -> bool:
            e = new_by_name.get(child.entry.name)
            return e is None or e.is_dir != child.entry.is_dir or e.is_link != child.entry.is_link

        kids = node.children
        i = len(kids) - 1
        while i >= 0:  # bottom-up so earlier row numbers stay valid
            if gone(kids[i]):
                j = i
                while j > 0 and gone(kids[j - 1]):
                    j -= 1
                self._remove_rows(node, j, i)
                i = j
            i -= 1
        for child in kids:
            e = new_by_name[child.entry.name]
            if e != child.entry:  # size or kind changed
                child.entry = e
                idx = self._index_of(child)
                self.dataChanged.emit(idx, idx)
        kept = {c.entry.name for c in kids}
        pos = 0
        run: list[Entry] = []
        for e in entries:
            if e.name not in kept:
                run.append(e)
                continue
            if run:
                self._insert_nodes(node, pos, run)
                pos += len(run)
                run = []
            if kids[pos].entry.name != e.name:  # orders disagree: cannot happen with sort_key
                self._remove_rows(node, 0, len(kids) - 1)
                self._insert_entries(node, 0, entries)
                return
            pos += 1
        if run:
            self._insert_nodes(node, pos, run)

    # -- following the disk -------------------------------------------------------------------

    def _folder_path(self, node: _Node) -> str:
        assert self._root_path is not None
        rel = node.entry.rel_path
        return str(self._root_path / rel) if rel else str(self._root_path)

    def _watch(self, node: _Node) -> None:
        has_rules = any(c.entry.name == IGNORE_FILE for c in node.children)
        self._watcher.watch(node.id, self._folder_path(node), has_rules)

    def _on_watcher_changed(self, dirty: dict[int, int]) -> None:
        for node_id, rules_mode in dirty.items():
            node = self._root if node_id == 0 else self._nodes.get(node_id)
            if node is not None and node.loaded:
                self._request(node, rules_mode)


def _renumber(node: _Node, start: int) -> None:
    for row in range(start, len(node.children)):
        node.children[row].row = row


def _is_below(rel: str, folder: str) -> bool:
    return rel != folder and (not folder or rel.startswith(folder + "/"))


def _tooltip(e: Entry) -> str:
    if e.kind == "loading":
        return ""
    tip = e.rel_path
    if e.kind == "symlink":
        tip += "\n(symbolic link, not followed)"
    elif e.is_link:
        tip += "\n(symbolic link)"
    if not e.is_dir and e.size:
        tip += f"\n{_human_size(e.size)}"
    return tip


def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{n} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"
