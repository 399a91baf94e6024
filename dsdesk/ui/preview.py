"""A read-only preview of one project file, syntax-highlighted with Pygments.

Reading, decoding and lexing (``preview_text``) run on a worker thread. Highlighting is applied
lazily: the lexer's runs are kept per line and a block gets its formats only when it scrolls into
view, so a 2 MiB file costs the GUI thread little beyond ``setPlainText``. (A QSyntaxHighlighter
would lex on the GUI thread, all blocks at once, and one line at a time, losing multi-line strings
and comments.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pygments.styles import get_style_by_name
from pygments.token import _TokenType
from PySide6.QtCore import QEvent, QFileSystemWatcher, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QPalette, QTextCharFormat, QTextLayout
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dsdesk.ui.file_tree_jobs import submit
from dsdesk.ui.highlight import style_name
from dsdesk.ui.preview_text import (
    MAX_PREVIEW_BYTES,
    PreviewText,
    Runs,
    read_for_preview,
    token_runs,
)
from dsdesk.ui.preview_view import CodeView

__all__ = ["MAX_PREVIEW_BYTES", "FilePreview", "PreviewText", "read_for_preview", "token_runs"]


@dataclass(frozen=True, slots=True)
class _Loaded:
    seq: int
    result: PreviewText


@dataclass(frozen=True, slots=True)
class _Lexed:
    seq: int
    runs: Runs


class FilePreview(QWidget):
    """Shows one file read-only; Esc or × asks to go back (``sig_closed``)."""

    sig_closed = Signal()
    """() Esc or the × button: the window should close the preview."""

    def __init__(self, parent: QWidget | None = None, max_bytes: int = MAX_PREVIEW_BYTES) -> None:
        super().__init__(parent)
        self.max_bytes = max_bytes
        self._path: Path | None = None
        self._root: Path | None = None
        self._seq = 0
        self._runs: Runs = []
        self._done = bytearray()  # per block: 1 once its formats are set
        self._formats: dict[_TokenType, QTextCharFormat | None] = {}
        self._dark = False  # the palette the cached formats were made for
        self._keep_scroll = False
        self._highlighting = False

        self._title = QLabel()
        self._title.setObjectName("previewTitle")
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        font = self._title.font()
        font.setBold(True)
        self._title.setFont(font)
        self._info = QLabel()
        self._info.setObjectName("previewInfo")
        self._info.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        # Tab-reachable buttons: Space presses them; Alt+Z and Esc work from the window too.
        # A check box, not a flat button: its state is visible at a glance.
        self.wrap_button = QCheckBox("Wrap", self)
        self.wrap_button.setObjectName("previewWrap")
        self.wrap_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.wrap_button.toggled.connect(self._on_wrap_button_toggled)
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("previewClose")
        self.close_button.setText("\u00d7")  # ×: Latin-1, in every font
        self.close_button.setAutoRaise(True)
        font = self.close_button.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)  # a bare × is a small target otherwise
        self.close_button.setFont(font)
        self.close_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.close_button.clicked.connect(self.sig_closed)
        self.set_key_hints("Esc", "Alt+Z")
        header = QHBoxLayout()
        header.setContentsMargins(8, 2, 2, 2)
        header.addWidget(self._title, 1)
        header.addWidget(self._info)
        header.addSpacing(8)
        header.addWidget(self.wrap_button)
        header.addWidget(self.close_button)

        self._view = CodeView(self)
        self._message = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self._message.setObjectName("previewMessage")
        self._message.setWordWrap(True)
        self._message.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self._view)
        self._stack.addWidget(self._message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self._stack, 1)
        self.setFocusProxy(self._view)
        QWidget.setTabOrder(self._view, self.wrap_button)
        QWidget.setTabOrder(self.wrap_button, self.close_button)

        self._view.updateRequest.connect(self._on_view_update_request)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_watcher_file_changed)
        self._reload_timer = QTimer(self, singleShot=True, interval=150)
        self._reload_timer.timeout.connect(self._on_reload_timer_timeout)

    # -- public API ---------------------------------------------------------------------------

    def show_file(self, path: Path, root: Path | None = None) -> None:
        """Show ``path``, titled relative to ``root``; returns at once, reads off-thread."""
        path = Path(os.path.abspath(path))
        self._unwatch()
        self._path, self._root = path, root
        self._title.setText(self._display_name(path))
        self._title.setToolTip(str(path))
        self._info.clear()
        self._load(keep_scroll=False)
        self._watcher.addPath(str(path))  # fails quietly for a missing file: nothing to follow

    def current_path(self) -> Path | None:
        return self._path

    def set_key_hints(self, close: str, wrap: str) -> None:
        """Name the window's keys for closing and wrapping in the buttons' tooltips."""
        self.close_button.setToolTip(f"Close the preview ({close})" if close else "Close")
        self.wrap_button.setToolTip(f"Wrap long lines ({wrap})" if wrap else "Wrap long lines")

    def wraps(self) -> bool:
        return self.wrap_button.isChecked()

    def toggle_wrap(self) -> None:
        """Wrap long lines or not; kept for every file shown until the app quits."""
        self.wrap_button.toggle()

    def _on_wrap_button_toggled(self, on: bool) -> None:
        self._view.set_wrap(on)

    def text(self) -> str:
        """The text shown (empty when a message is shown instead)."""
        return self._view.toPlainText() if self._stack.currentWidget() is self._view else ""

    def message(self) -> str:
        """The message shown instead of the text, or ""."""
        return self._message.text() if self._stack.currentIndex() == 1 else ""

    def clear(self) -> None:
        self._unwatch()
        self._seq += 1
        self._path = None
        self._title.clear()
        self._info.clear()
        self._view.clear()
        self._stack.setCurrentWidget(self._view)

    # -- loading ------------------------------------------------------------------------------

    def _display_name(self, path: Path) -> str:
        if self._root is not None:
            try:
                return path.relative_to(os.path.abspath(self._root)).as_posix()
            except ValueError:
                pass
        return str(path)

    def _load(self, keep_scroll: bool) -> None:
        assert self._path is not None
        self._seq += 1
        seq, path, limit, root = self._seq, self._path, self.max_bytes, self._root
        self._keep_scroll = keep_scroll
        submit(self, lambda: _Loaded(seq, read_for_preview(path, limit, root)), self._on_job_loaded)

    def _on_job_loaded(self, loaded: _Loaded) -> None:
        if loaded.seq != self._seq or self._path is None:
            return
        res = loaded.result
        if res.text is None:
            self._view.clear()
            self._message.setText(res.message)
            self._stack.setCurrentWidget(self._message)
            self._info.clear()
            return
        scroll = self._view.verticalScrollBar().value() if self._keep_scroll else 0
        self._runs, self._done = [], bytearray()
        self._view.setPlainText(res.text)
        self._view.verticalScrollBar().setValue(scroll)
        self._stack.setCurrentWidget(self._view)
        lines = res.text.count("\n") + (not res.text.endswith("\n") and res.text != "")
        self._info.setText(f"{lines:,} line{'s' * (lines != 1)} · {res.encoding}")
        seq, text, name = loaded.seq, res.text, self._path.name
        submit(self, lambda: _Lexed(seq, token_runs(text, name)), self._on_job_lexed)

    def _on_job_lexed(self, lexed: _Lexed) -> None:
        if lexed.seq != self._seq:
            return
        self._runs = lexed.runs
        self._done = bytearray(len(lexed.runs))
        self._sync_palette()
        self._highlight_visible()

    # -- lazy highlighting --------------------------------------------------------------------

    def _format(self, ttype: _TokenType) -> QTextCharFormat | None:
        if ttype not in self._formats:
            spec: dict[str, Any] = get_style_by_name(style_name(self._dark)).style_for_token(ttype)
            fmt: QTextCharFormat | None = None
            if spec["color"] or spec["bold"] or spec["italic"]:
                fmt = QTextCharFormat()
                if spec["color"]:
                    fmt.setForeground(QColor(f"#{spec['color']}"))
                if spec["bold"]:
                    fmt.setFontWeight(QFont.Weight.DemiBold)
                if spec["italic"]:
                    fmt.setFontItalic(True)
            self._formats[ttype] = fmt
        return self._formats[ttype]

    def _on_view_update_request(self, _rect: QRect, _dy: int) -> None:
        self._highlight_visible()

    def _highlight_visible(self) -> None:
        """Give formats to the blocks on screen (and one screen below, for smooth scrolling)."""
        if not self._runs or self._highlighting:
            return
        # markContentsDirty below makes the view ask for an update, which lands here again.
        self._highlighting = True
        try:
            self._highlight_blocks()
        finally:
            self._highlighting = False

    def _highlight_blocks(self) -> None:
        view = self._view
        doc = view.document()
        block = view.firstVisibleBlock()
        offset = view.contentOffset()
        limit = 2 * view.viewport().height()
        while block.isValid():
            n = block.blockNumber()
            if n < len(self._done) and not self._done[n]:
                self._done[n] = 1
                ranges = []
                for start, length, ttype in self._runs[n]:
                    fmt = self._format(ttype)
                    if fmt is not None:
                        r = QTextLayout.FormatRange()
                        r.start, r.length, r.format = start, length, fmt
                        ranges.append(r)
                if ranges:
                    block.layout().setFormats(ranges)
                    doc.markContentsDirty(block.position(), block.length())
            if view.blockBoundingGeometry(block).translated(offset).top() > limit:
                break
            block = block.next()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # A key event rather than a QShortcut: it works without an active window, and a
        # window-wide Esc shortcut, if the window has one, still takes precedence.
        if event.key() == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            event.accept()
            self.sig_closed.emit()
            return
        super().keyPressEvent(event)

    def _sync_palette(self) -> bool:
        """Pick the light or dark token colours from the palette; True if that changed."""
        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        if dark == self._dark:
            return False
        self._dark = dark
        self._formats.clear()
        self._done = bytearray(len(self._runs))  # blocks get the new colours as they show
        return True

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._sync_palette():
            self._highlight_visible()

    # -- following the disk -------------------------------------------------------------------

    def _unwatch(self) -> None:
        files = self._watcher.files()
        if files:  # an empty list makes Qt warn
            self._watcher.removePaths(files)
        self._reload_timer.stop()

    def _on_watcher_file_changed(self, path: str) -> None:
        if self._path is not None and path == str(self._path):
            self._reload_timer.start()  # editors write in bursts; read once they are done

    def _on_reload_timer_timeout(self) -> None:
        if self._path is None:
            return
        path = str(self._path)
        # Saved by replacing (write temp, rename), the old inode's watch is gone: watch anew.
        if path not in self._watcher.files() and os.path.exists(path):
            self._watcher.addPath(path)
        self._load(keep_scroll=True)
