"""The project file tree (left pane): lazy, gitignore-aware, following the disk.

``set_root`` returns at once; every folder, the top level included, is listed on a worker thread
the first time it is shown (see ``file_tree_model``). Keyboard: the QTreeView defaults (arrows,
Left/Right to collapse/expand, type-ahead search), plus the keys of ``keys.TREE_KEYS``.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from dsdesk.ui.file_tree_model import IS_DIR_ROLE, KIND_ROLE, REL_PATH_ROLE, ProjectModel
from dsdesk.ui.keys import TREE_CONTEXT, TREE_OPEN

__all__ = ["IS_DIR_ROLE", "KIND_ROLE", "REL_PATH_ROLE", "ProjectModel", "ProjectTree"]

_OPENABLE_KINDS_EXCLUDED = frozenset({"loading", "symlink"})


class ProjectTree(QTreeView):
    """The tree of one project folder. Empty until ``set_root``."""

    sig_open_file = Signal(Path)  # (path) absolute path of a file opened with Enter/double-click
    sig_toggle_context = Signal(Path)  # (path) Space: put this file/folder in or out of context

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = ProjectModel(self)
        self.setModel(self._model)
        self.setObjectName("projectTree")
        self.setHeaderHidden(True)
        # Every row has the same height: the view then never measures rows one by one, which is
        # what keeps a 1,000-entry folder instant to expand.
        self.setUniformRowHeights(True)
        self.setAnimated(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setIndentation(14)
        self.doubleClicked.connect(self._on_self_double_clicked)
        self._model.sig_folder_loaded.connect(self._on_model_folder_loaded)
        self._select_target: list[str] | None = None  # path parts still to walk down

    # -- public API ---------------------------------------------------------------------------

    def set_root(self, path: Path | None) -> None:
        """Show the project at ``path`` (None: empty). Returns at once."""
        self._select_target = None
        self._model.set_root(path)

    def root(self) -> Path | None:
        return self._model.root_path()

    def project_model(self) -> ProjectModel:
        return self._model

    def current_path(self) -> Path | None:
        """The absolute path of the current row, or None."""
        return self._model.abs_path(self.currentIndex())

    def refresh(self) -> None:
        """Re-read ignore rules and re-list every loaded folder, keeping expansion and selection."""
        self._model.refresh()

    def select_path(self, path: Path) -> bool:
        """Expand down to ``path`` and select it, listing folders on the way as needed.

        Returns False if ``path`` is not inside the project; otherwise the selection happens when
        the folders on the way have been listed (at once if they already are)."""
        root = self._model.root_path()
        if root is None:
            return False
        rel = os.path.relpath(os.path.abspath(path), root)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
            return False
        self._select_target = [] if rel == os.curdir else rel.split(os.sep)
        self._advance_selection()
        return True

    # -- keyboard and mouse ---------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if TREE_CONTEXT.matches(event):
            self.toggle_context()
            event.accept()
            return
        editing = self.state() == QAbstractItemView.State.EditingState
        if TREE_OPEN.matches(event) and not editing and self.open_current():
            event.accept()
            return
        super().keyPressEvent(event)

    def toggle_context(self) -> None:
        """Put the current file or folder in or out of the context (Space)."""
        path = self.current_path()
        if path is not None:
            self.sig_toggle_context.emit(path)
            self.viewport().update()

    def open_current(self) -> bool:
        """Open the current file, or expand/collapse the current folder (Enter)."""
        index = self.currentIndex()
        if not index.isValid():
            return False
        if self._model.is_dir(index):
            self.setExpanded(index, not self.isExpanded(index))
        else:
            self._open(index)
        return True

    def _on_self_double_clicked(self, index: QModelIndex) -> None:
        # Folders: QTreeView's own double-click already toggles them.
        if index.isValid() and not self._model.is_dir(index):
            self._open(index)

    def _open(self, index: QModelIndex | QPersistentModelIndex) -> None:
        if index.data(KIND_ROLE) in _OPENABLE_KINDS_EXCLUDED:
            return
        path = self._model.abs_path(index)
        if path is not None:
            self.sig_open_file.emit(path)

    # -- select_path across lazy loads ------------------------------------------------------------

    def _on_model_folder_loaded(self, rel: str) -> None:
        if self._select_target is not None:
            self._advance_selection()

    def _advance_selection(self) -> None:
        """Walk as far down the target as loaded folders allow; resumes on the next load."""
        target = self._select_target
        if target is None:
            return
        index = QModelIndex()
        for depth, name in enumerate(target):
            if not self._model.is_loaded(index):
                if self._model.canFetchMore(index):
                    self._model.fetchMore(index)
                return  # wait for sig_folder_loaded
            child = self._model.child_named(index, name)
            if not child.isValid():
                self._select_target = None  # not there (or ignored): give up quietly
                return
            if depth == len(target) - 1:
                self._select_target = None
                self.setCurrentIndex(child)
                self.scrollTo(child)
                return
            self.expand(child)
            index = child
        self._select_target = None  # the root itself: nothing to select
