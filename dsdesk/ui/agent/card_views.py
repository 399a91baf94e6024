"""The panes a tool card opens: a capped monospace text or diff view, and live command output.

Both are built only when a card needs them (a card in a long timeline is a painted header and no
child widget at all until it is expanded).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

from dsdesk.ui.agent.card_style import CardColors
from dsdesk.ui.transcript_widgets import AutoHeightBrowser, LinkButton, RoundedFrame

__all__ = ["OutputPane", "TextPane", "fill_document", "looks_like_diff"]

SCREEN_LINES = 400  # live output lines kept on screen
_SCREEN_CHARS = 200_000  # one flush never puts more than this on screen
_VISIBLE_LINES = 12  # the output pane's height while it follows a running command
_VISIBLE_ALL = 30  # … and after "show all"


def looks_like_diff(text: str) -> bool:
    head = text[:4000]
    return head.startswith(("--- ", "diff ", "@@ ")) or "\n@@ " in head or "\n+++ " in head


def _set_colors(widget: QWidget, text: QColor, base: QColor | None = None) -> None:
    pal = widget.palette()
    pal.setColor(QPalette.ColorRole.Text, text)
    pal.setColor(QPalette.ColorRole.WindowText, text)
    if base is not None:
        pal.setColor(QPalette.ColorRole.Base, base)
    widget.setPalette(pal)


def fill_document(
    view: QTextEdit, text: str, colors: CardColors, mono: QFont, diff: bool, limit: int
) -> int:
    """Show the first ``limit`` lines of ``text`` (all if ``limit`` is 0) in ``view``; a diff
    gets full-width green/red tints per line. Returns the number of lines in ``text``."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    shown = lines[:limit] if limit else lines
    doc = view.document()
    doc.setDefaultFont(mono)
    view.setFont(mono)
    if not diff:
        doc.setPlainText("\n".join(shown))
        return len(lines)
    doc.clear()
    cursor = QTextCursor(doc)
    cursor.beginEditBlock()
    plain_block, plain_char = QTextBlockFormat(), QTextCharFormat()
    add_block, del_block = QTextBlockFormat(), QTextBlockFormat()
    add_block.setBackground(colors.add_bg)
    del_block.setBackground(colors.del_bg)
    hunk_char = QTextCharFormat()
    hunk_char.setForeground(colors.hunk)
    for i, line in enumerate(shown):
        block, char = plain_block, plain_char
        if line.startswith(("+++", "---")):
            char = hunk_char
        elif line.startswith("+"):
            block = add_block
        elif line.startswith("-"):
            block = del_block
        elif line.startswith("@@"):
            char = hunk_char
        if i:
            cursor.insertBlock(block, char)
        else:
            cursor.setBlockFormat(block)
            cursor.setCharFormat(char)
        cursor.insertText(line, char)
    cursor.endEditBlock()
    return len(lines)


class TextPane(RoundedFrame):
    """Read-only monospace text (or a coloured diff), capped at ``limit`` lines with a
    "show all (N lines)" link."""

    def __init__(
        self,
        text: str,
        colors: CardColors,
        mono: QFont,
        limit: int,
        parent: QWidget | None = None,
        *,
        diff: bool = False,
    ) -> None:
        super().__init__(parent)
        self._text, self._diff, self._limit = text, diff, limit
        self._colors, self._mono = colors, mono
        self._all = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 7, 10, 7)
        lay.setSpacing(4)
        self.view = AutoHeightBrowser(self)
        self.view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # selectable, not a Tab stop
        self.view.setLineWrapMode(QTextEdit.LineWrapMode.WidgetWidth)
        lay.addWidget(self.view)
        self.n_lines = fill_document(self.view, text, colors, mono, diff, limit)
        self.show_all = LinkButton(f"show all ({self.n_lines:,} lines)", self)
        self.show_all.clicked.connect(self._on_show_all_clicked)
        self.show_all.setVisible(self.n_lines > limit)
        lay.addWidget(self.show_all, 0, Qt.AlignmentFlag.AlignLeft)
        self.apply_colors(colors, mono)

    def apply_colors(self, colors: CardColors, mono: QFont) -> None:
        self._colors, self._mono = colors, mono
        self.set_colors(colors.out_bg, colors.out_bg)
        _set_colors(self.view, colors.head_text)
        fill_document(
            self.view, self._text, colors, mono, self._diff, 0 if self._all else self._limit
        )

    def text(self) -> str:
        return self.view.document().toPlainText()

    def _on_show_all_clicked(self) -> None:
        self._all = True
        fill_document(self.view, self._text, self._colors, self._mono, self._diff, 0)
        self.show_all.hide()


class _OutputEdit(QPlainTextEdit):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setMaximumBlockCount(SCREEN_LINES)
        self.viewport().setAutoFillBackground(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)


class OutputPane(RoundedFrame):
    """Live command output: the last ``SCREEN_LINES`` lines on screen, following the end while
    the view is at the bottom; "show all" swaps in everything the card kept."""

    sig_show_all = Signal()
    """The user asked for all the kept output."""

    def __init__(self, colors: CardColors, mono: QFont, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 4, 6)
        lay.setSpacing(4)
        self.edit = _OutputEdit(self)
        lay.addWidget(self.edit)
        self.show_all = LinkButton("show all", self)
        self.show_all.clicked.connect(self.sig_show_all)
        self.show_all.hide()
        lay.addWidget(self.show_all, 0, Qt.AlignmentFlag.AlignLeft)
        self._lines = 0  # lines on screen (capped), for the height
        self._held_newline = False  # a final newline is shown only once more text follows
        self._visible = _VISIBLE_LINES
        self.showing_all = False
        self.apply_colors(colors, mono)

    def apply_colors(self, colors: CardColors, mono: QFont) -> None:
        self.set_colors(colors.out_bg, colors.out_bg)
        _set_colors(self.edit, colors.head_text, colors.out_bg)
        self.edit.setFont(mono)
        self.edit.document().setDefaultFont(mono)
        self._fit(force=True)

    def append(self, text: str) -> None:
        """Add cleaned text at the end (one call per coalesced flush)."""
        if not text:
            return
        if self._held_newline:
            text = "\n" + text
        self._held_newline = text.endswith("\n")
        if self._held_newline:
            text = text[:-1]
            if not text:
                return
        bar = self.edit.verticalScrollBar()
        follow = bar.value() >= bar.maximum() - 2
        if text.count("\n") >= SCREEN_LINES or len(text) > _SCREEN_CHARS:
            # More than the screen keeps: replace instead of inserting and trimming.
            cut = len(text)
            for _ in range(SCREEN_LINES):
                cut = text.rfind("\n", 0, cut)
                if cut < 0:
                    break
            tail = text[cut + 1 :] if cut >= 0 else text
            self.edit.setPlainText(tail[-_SCREEN_CHARS:])
        else:
            cursor = QTextCursor(self.edit.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(text)
        self._fit()
        if follow:
            bar.setValue(bar.maximum())

    def set_all(self, text: str) -> None:
        """Show ``text`` (everything kept) in full, uncapped."""
        self.showing_all = True
        self.edit.setMaximumBlockCount(0)
        self._held_newline = text.endswith("\n")
        self.edit.setPlainText(text[:-1] if self._held_newline else text)
        self._visible = _VISIBLE_ALL
        self.show_all.hide()
        self._fit(force=True)

    def offer_all(self, n_lines: int) -> None:
        """Show the "show all" link (more output was kept than is on screen)."""
        if not self.showing_all:
            self.show_all.setText(f"show all ({n_lines:,} lines)")
            self.show_all.show()

    def text(self) -> str:
        return self.edit.toPlainText()

    def _fit(self, force: bool = False) -> None:
        lines = min(self.edit.document().blockCount(), self._visible)
        if lines == self._lines and not force:
            return
        self._lines = lines
        m = self.edit.contentsMargins()
        doc_margin = 2 * self.edit.document().documentMargin()
        height = lines * self.edit.fontMetrics().lineSpacing() + doc_margin + m.top() + m.bottom()
        self.edit.setFixedHeight(int(height) + 2)
