"""What the window shows while there is nothing yet: no project (open a folder, recent projects,
in the tree's place and reachable with the keyboard), an empty transcript (example prompts and
the keys that matter) and an empty conversations list (a line saying so)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from dsdesk.ui.main_window import MainWindow

# A trailing "@" opens the file completion once the example is in the prompt box.
EXAMPLE_PROMPTS = (
    "Explain what this project does and where to start reading.",
    "What could go wrong in @",
    "Add type hints to @",
    "Write tests for @",
)
_PATH_ROLE = Qt.ItemDataRole.UserRole


def _home_relative(path: Path) -> str:
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


def _shown(example: str) -> str:
    return example + "file…" if example.endswith("@") else example


class PlaceholderList(QListWidget):
    """A list that says why it is empty (``placeholder``) instead of showing a blank box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._placeholder = ""

    @property
    def placeholder(self) -> str:
        return self._placeholder

    @placeholder.setter
    def placeholder(self, text: str) -> None:
        self._placeholder = text
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.count() or not self._placeholder:
            return
        p = QPainter(self.viewport())
        p.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        rect = self.viewport().rect().adjusted(10, 10, -10, -10)
        flags = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap
        p.drawText(rect, int(flags), self._placeholder)
        p.end()


class NoProjectPane(QWidget):
    """In the tree's place while no folder is open: "Open a folder" and the recent projects, one
    list, so arrows and Enter (or a click) do it all."""

    sig_open_folder = Signal()
    """() pick a project folder."""
    sig_open_recent = Signal(Path)
    """(path) reopen this recent project."""

    def __init__(self, open_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("no-project")
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.heading = QLabel("<b>No folder open</b>", self)
        self.heading.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("recent-projects")
        self.list.setFrameShape(QListWidget.Shape.NoFrame)
        # A long path is elided in the middle (full in the tooltip), never scrolled sideways.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setAccessibleName("Open a folder or a recent project")
        self._open_key = open_key
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 10, 8, 8)
        lay.addWidget(self.heading)
        lay.addWidget(self.list, 1)
        self.list.itemActivated.connect(self._on_list_item_activated)
        self.list.itemClicked.connect(self._on_list_item_activated)
        self.set_recent([])

    def set_recent(self, projects: list[Path]) -> None:
        self.list.clear()
        key = f"  ({self._open_key})" if self._open_key else ""
        first = QListWidgetItem(f"Open a folder…{key}")
        first.setToolTip("Pick a project folder: its files, context and conversations")
        self.list.addItem(first)
        shown = [p for p in projects if p.is_dir()]  # a moved or deleted folder is left out
        for path in shown:
            item = QListWidgetItem(f"{path.name}  —  {_home_relative(path.parent)}")
            item.setData(_PATH_ROLE, str(path))
            item.setToolTip(f"Reopen {path}")
            self.list.addItem(item)
        self.heading.setText(
            "<b>No folder open</b><br>Recent projects below, or open another."
            if shown
            else "<b>No folder open</b><br>Open one to see its files and chat about them."
        )
        self.list.setCurrentRow(0)

    def _on_list_item_activated(self, item: QListWidgetItem) -> None:
        path = item.data(_PATH_ROLE)
        if path:
            self.sig_open_recent.emit(Path(path))
        else:
            self.sig_open_folder.emit()


class EmptyTranscript(QLabel):
    """The transcript before the first message: a few prompts to start from and the keys."""

    sig_example = Signal(str)
    """(text) put this example prompt in the prompt box."""

    def __init__(self, keys: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("empty-transcript")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setContentsMargins(4, 24, 4, 4)
        dim = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
        examples = "".join(
            f"<li><a href='example:{i}'>{html.escape(_shown(text))}</a></li>"
            for i, text in enumerate(EXAMPLE_PROMPTS)
        )
        rows = "".join(
            f"<tr><td style='padding-right:14px'><b>{html.escape(k)}</b></td>"
            f"<td style='color:{dim}'>{html.escape(what)}</td></tr>"
            for what, k in keys.items()
            if k
        )
        self.setText(
            "<p><b>Ask about your code.</b> Some ways to start (pick one to edit it first):</p>"
            f"<ul>{examples}</ul><p><b>Keys</b></p><table>{rows}</table>"
        )
        self.linkActivated.connect(self._on_self_link_activated)

    def _on_self_link_activated(self, link: str) -> None:
        kind, _, index = link.partition(":")
        if kind == "example" and index.isdigit() and int(index) < len(EXAMPLE_PROMPTS):
            self.sig_example.emit(EXAMPLE_PROMPTS[int(index)])


class EmptyStates(QObject):
    """Wires the empty states into the window: each shows while its place has nothing."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        actions, tree = window.actions_, window.tree
        self.no_project = NoProjectPane(actions.shortcut_text("open_folder"), tree.viewport())
        self.no_project.sig_open_folder.connect(window.open_folder_dialog)
        self.no_project.sig_open_recent.connect(self._on_no_project_sig_open_recent)
        tree.viewport().installEventFilter(self)
        tree.project_model().modelReset.connect(self._on_tree_model_reset)
        # Tab reaches the pane where it reaches the tree.
        QWidget.setTabOrder(tree, self.no_project.list)
        keys = {
            "send": "Enter",
            "new line": "Shift+Enter",
            "attach a file while typing": "@",
            "open a project folder": actions.shortcut_text("open_folder"),
            "put the file or folder in context (in the tree)": "Space",
            "thinking mode on / off": actions.shortcut_text("toggle_thinking"),
            "every command": actions.shortcut_text("palette"),
            "all keys": "F1",
        }
        self.transcript_hint = EmptyTranscript(keys)
        self.transcript_hint.sig_example.connect(self._on_transcript_hint_sig_example)
        window.transcript.set_placeholder(self.transcript_hint)
        self._on_tree_model_reset()

    def _on_tree_model_reset(self) -> None:
        tree, pane = self.window.tree, self.no_project
        empty = tree.root() is None
        if empty:
            pane.set_recent(self.window.ui_state.recent_projects)
            pane.setGeometry(tree.viewport().rect())
        had_focus = pane.list.hasFocus()
        pane.setVisible(empty)
        tree.setFocusProxy(pane.list if empty else None)  # type: ignore[arg-type]  # None unsets
        if had_focus and not empty:
            tree.setFocus()  # the project opened from the pane: the keyboard moves to its files

    def _on_no_project_sig_open_recent(self, path: Path) -> None:
        self.window.open_project(path)

    def _on_transcript_hint_sig_example(self, text: str) -> None:
        prompt = self.window.prompt
        prompt.setFocus()
        prompt.clear()
        prompt.insertPlainText(text)  # the cursor at the end, so a final "@" completes a file

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.window.tree.viewport():
            self.no_project.setGeometry(self.window.tree.viewport().rect())
        return False
