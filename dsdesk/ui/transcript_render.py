"""Incremental rendering of one streamed markdown text into a QTextDocument.

Finished blocks (from ``core.markdown_blocks``) are converted to HTML once (``transcript_html``)
and appended through a persistent cursor; only the open tail is removed and redrawn on each
update, and an open code fence is extended in place (new lines appended, the partial last line
replaced), so an update costs the size of the new text plus the open block, never the whole answer.

The open block is usually a paragraph (well under a millisecond to redraw), but a long table or
tight list stays open until its blank line, and Qt lays a table out again in full on any change
(a 200-row table costs ~25 ms). So an unforced redraw of a markdown tail waits until
``TAIL_BUDGET`` times its last cost has passed: tail redraws never take more than a fifth of the
GUI thread, however large the open block grows.

In an answer, a fenced block of SEARCH/REPLACE edits is folded to one line ("▸ edit to app.py
(9 lines)", with the path line before it when that only names the file): the edits card under
the answer is their main view. A click unfolds it, re-rendering the finished blocks once.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable

from PySide6.QtGui import QTextBlockFormat, QTextCharFormat, QTextCursor, QTextDocument

from dsdesk.core.edit_fold import edit_fold, holds_search
from dsdesk.core.markdown_blocks import Block, BlockSplitter
from dsdesk.ui.highlight import highlight_html
from dsdesk.ui.text_fragments import find_anchor, in_table, insert_html
from dsdesk.ui.transcript_html import code_box_html, fold_html, markdown_html
from dsdesk.ui.transcript_style import Theme

__all__ = ["COPY_SCHEME", "EDIT_SCHEME", "StreamRenderer", "markdown_html"]

COPY_SCHEME = "copy"
EDIT_SCHEME = "edit"  # "edit:<code index>" folds / unfolds a block of SEARCH/REPLACE edits
TAIL_BUDGET = 4.0  # wait this many times a markdown tail's redraw cost before redrawing it again


class StreamRenderer:
    """Owns one document: feeds text through a BlockSplitter and keeps the document in step."""

    def __init__(
        self,
        document: QTextDocument,
        theme: Theme,
        clock: Callable[[], float] = time.perf_counter,
        *,
        fold_edits: bool = False,
    ) -> None:
        self._doc = document
        self._fold_edits = fold_edits  # the answer's edits are on the card; reasoning stays raw
        self._clock = clock
        self._tail_due = 0.0  # clock time before which an unforced tail redraw is skipped
        self._tail_stale = False  # a redraw was skipped: the shown tail is behind the text
        self._theme = theme
        self._splitter = BlockSplitter()
        self._cursor = QTextCursor(document)  # persistent: always left at the end
        self._codes: list[str] = []  # finished code blocks, for the Copy links
        self._copy_links: list[QTextCursor | None] = []  # each selects its "Copy" label
        self._finished_end = 0  # document position where the open tail starts
        self._tail_drawn = False
        # The block the open tail starts in belongs to the finished text (its last block, often
        # the empty one after a <pre> or a table): its formats and list membership before the
        # tail was drawn, restored when the tail is removed (see _remove_tail).
        self._base_block_fmt = QTextBlockFormat()
        self._base_char_fmt = QTextCharFormat()
        self._base_in_list = False
        # Open code fence drawn in place: cursor at the end of its code cell, lines shown,
        # and the length of the trailing piece (partial line) that the next update replaces.
        self._code_cursor: QTextCursor | None = None
        self._code_shown = 0
        self._code_piece = 0
        self._code_fmt = QTextCharFormat()
        # Edit blocks are folded to one line (the edits card shows them); a click unfolds one,
        # which re-renders the finished blocks once (a click, not a per-token cost).
        self._blocks: list[Block] = []
        self._unfolded: set[int] = set()  # code indices shown in full
        self._final = False
        # The last markdown block appended: a cursor at its start and the formats its first
        # block had before, so a path line that only names the next edit block can be removed.
        self._prev_md: tuple[QTextCursor, QTextBlockFormat, QTextCharFormat, str] | None = None
        self._scan: tuple[list[str], int, bool] = ([], 0, False)  # open fence: SEARCH seen?
        self._style(theme)

    def set_theme(self, theme: Theme) -> None:
        if theme is not self._theme:  # the same one again: an entry built, then themed
            self._style(theme)

    def _style(self, theme: Theme) -> None:
        self._theme = theme
        self._doc.setDefaultStyleSheet(theme.document_css())
        self._doc.setDefaultFont(theme.font)
        fmt = QTextCharFormat()
        fmt.setFontFamilies([theme.mono_family, "monospace"])
        fmt.setFontPointSize(theme.code_pt)
        self._code_fmt = fmt

    def code(self, index: int) -> str:
        return self._codes[index] if 0 <= index < len(self._codes) else ""

    def toggle_edit(self, index: int) -> QTextCursor | None:
        """Unfold (or fold again) the edit block with this code index; returns a cursor
        selecting its link (to keep the keyboard on it)."""
        self._unfolded ^= {index}
        c = self._cursor
        c.beginEditBlock()
        try:
            self._doc.clear()
            self._style(self._theme)
            self._codes, self._copy_links, self._prev_md = [], [], None
            self._tail_drawn, self._code_cursor = False, None
            for block in self._blocks:
                self._append_block(block)
            c.movePosition(QTextCursor.MoveOperation.End)
            self._finished_end = c.position()
            if not self._final:
                self._draw_tail()
        finally:
            c.endEditBlock()
        return find_anchor(self._doc, 0, f"{EDIT_SCHEME}:{index}", blocks=None)

    def set_copied(self, index: int, copied: bool) -> None:
        """Relabel a code block's Copy link ("Copied") as feedback, or back."""
        link = self._copy_links[index] if 0 <= index < len(self._copy_links) else None
        if link is None:
            return
        label = "Copied" if copied else "Copy"
        if link.selectedText() == label:
            return
        old_len = link.selectionEnd() - link.selectionStart()
        fmt = link.charFormat()  # the anchor's format (the character before the position)
        link.beginEditBlock()
        link.insertText(label, fmt)
        link.endEditBlock()
        end = link.position()
        link.setPosition(end - len(label))
        link.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        self._finished_end += len(label) - old_len  # the link always lies in finished text

    # -- updates ---------------------------------------------------------------------------------

    @property
    def stale(self) -> bool:
        """True when a throttled update left the shown tail behind the text received."""
        return self._tail_stale

    def update(self, text: str, force: bool = True, *, final: bool = False) -> None:
        """Render newly streamed ``text`` (may be empty, to catch up a stale tail). Unless
        ``force``, the redraw of a costly markdown tail may be postponed (see ``stale``).
        ``final``: ``text`` is the end of the stream (``finish`` in the same pass: an entry
        built again from its text renders it once, not as an open tail and then again)."""
        if final:
            self._apply(self._splitter.feed(text) + self._splitter.finish(), final=True, force=True)
        elif text or self._tail_stale:
            self._apply(self._splitter.feed(text) if text else [], final=False, force=force)

    def finish(self) -> None:
        """End of stream: render the rest as finished blocks."""
        if self._final:
            return
        self._apply(self._splitter.finish(), final=True, force=True)

    def _apply(self, blocks: list[Block], final: bool, force: bool) -> None:
        quiet = not blocks and not final and self._code_cursor is None
        if quiet and not force and self._clock() < self._tail_due:
            self._tail_stale = True
            return
        start = self._clock()
        c = self._cursor
        c.beginEditBlock()
        try:
            open_code = not blocks and not final and self._code_cursor is not None
            if open_code and not self._open_fence_is_edit():
                self._extend_code_tail()  # the same fence is still open: append only
                return
            self._remove_tail()
            self._final = final
            self._blocks += blocks
            for block in blocks:
                self._append_block(block)
            c.movePosition(QTextCursor.MoveOperation.End)
            self._finished_end = c.position()
            if not final:
                self._draw_tail()
        finally:
            c.endEditBlock()  # the document is laid out here, so it is part of the cost
        self._tail_stale = False
        if self._tail_drawn and self._code_cursor is None:
            end = self._clock()
            self._tail_due = end + TAIL_BUDGET * (end - start)

    # -- finished blocks -------------------------------------------------------------------------

    def _append_block(self, block: Block) -> None:
        if block.kind == "code":
            code = block.code
            self._codes.append(code)
            index = len(self._codes) - 1
            prev, self._prev_md = self._prev_md, None
            fold = edit_fold(block, prev[3] if prev else "") if self._fold_edits else None
            label = ""
            if fold is not None:
                if fold.path_before and prev is not None:
                    self._remove_from(*prev[:3])  # the fold line names the file itself
                edit_href = f"{EDIT_SCHEME}:{index}"
                if index not in self._unfolded:
                    self._copy_links.append(None)
                    self._insert_html(fold_html(self._theme, fold.label, fold.lines, edit_href))
                    return
                label = f'<a href="{edit_href}">{html.escape("▾ " + fold.label)}</a>'
            body = highlight_html(code, block.language, dark=self._theme.dark)
            href = f"{COPY_SCHEME}:{index}"
            start = self._cursor.position()
            self._insert_html(code_box_html(self._theme, block.language, body, href, label))
            self._copy_links.append(find_anchor(self._doc, start, href))
        elif not block.is_blank:
            c = self._cursor
            block_fmt, char_fmt = c.blockFormat(), c.blockCharFormat()
            start = c.position()
            self._insert_html(markdown_html(block.text, self._theme))
            at = QTextCursor(self._doc)  # made after the insert, so it stays at the start
            at.setPosition(start)
            self._prev_md = (at, block_fmt, char_fmt, block.text)

    def _remove_from(
        self, at: QTextCursor, block_fmt: QTextBlockFormat, char_fmt: QTextCharFormat
    ) -> None:
        """Remove everything from ``at`` to the end, and give the block there back the formats
        it had before (as _remove_tail does)."""
        c = self._cursor
        c.setPosition(at.position())
        c.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        c.removeSelectedText()
        if c.block().length() == 1 and not in_table(c.block()):
            c.setBlockFormat(block_fmt)
            c.setBlockCharFormat(char_fmt)

    def _open_fence_is_edit(self) -> bool:
        """The open fence holds a SEARCH marker (scanning only lines not looked at yet)."""
        lines = self._splitter.code_lines
        if not self._fold_edits:
            return False
        seen, done, found = self._scan
        if seen is not lines:
            done, found = 0, False
        found = found or any(holds_search(ln) for ln in lines[done:])
        self._scan = (lines, len(lines), found)
        return found

    def _insert_html(self, markup: str) -> None:
        insert_html(self._cursor, self._theme, markup)

    # -- the open tail ---------------------------------------------------------------------------

    def _remove_tail(self) -> None:
        if not self._tail_drawn:
            return
        c = self._cursor
        c.setPosition(self._finished_end)
        c.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        c.removeSelectedText()
        # The tail may have given the block it started in its own formats (and list membership):
        # put back what that block had before, which is not always the default format (a tail
        # that starts with a table leaves the block alone, and it may be the <pre> block's end).
        block = c.block()
        if not in_table(block):
            text_list = block.textList()
            if text_list is not None and not self._base_in_list:
                text_list.remove(block)
            # Only when changed: setting a format lays the (possibly long) block out again.
            if block.blockFormat() != self._base_block_fmt:
                c.setBlockFormat(self._base_block_fmt)
            if block.charFormat() != self._base_char_fmt:
                c.setBlockCharFormat(self._base_char_fmt)
        self._tail_drawn = False
        self._code_cursor = None

    def _draw_tail(self) -> None:
        base = self._cursor.block()  # the cursor is at the end of the finished text
        self._base_block_fmt = base.blockFormat()
        self._base_char_fmt = base.charFormat()
        self._base_in_list = base.textList() is not None
        sp = self._splitter
        if sp.in_code and self._open_fence_is_edit():
            lines = len(sp.code_lines)
            self._insert_html(fold_html(self._theme, "writing an edit…", lines, None))
            self._tail_drawn = True
            return
        if sp.in_code:
            # An open fence is plain monospace text in the code box: highlighting half a block
            # would flicker as tokens change meaning, and re-lexing it per update would cost O(n).
            self._insert_html(code_box_html(self._theme, sp.code_language, "&nbsp;", None))
            self._tail_drawn = True
            # The code cell is the table's last block, just before the frame end and the empty
            # block after the table. (QTextTable's cell API is not usable inside an edit block.)
            end = self._cursor.position()
            cell = QTextCursor(self._doc)
            cell.setPosition(end - 2)
            cell.setPosition(end - 1, QTextCursor.MoveMode.KeepAnchor)
            if cell.selectedText() != "\xa0":  # defensive: never expected; show nothing
                return
            cell.removeSelectedText()  # the placeholder kept the cell's <pre> format
            self._code_cursor = cell
            self._code_shown = 0
            self._code_piece = 0
            self._extend_code_tail()
            return
        tail = sp.tail
        if tail.strip():
            self._insert_html(markdown_html(tail, self._theme))
            self._tail_drawn = True

    def _extend_code_tail(self) -> None:
        cc = self._code_cursor
        if cc is None:
            return
        sp = self._splitter
        lines = sp.code_lines
        partial = sp.code_partial.expandtabs(4)
        piece = ("\n" if lines and partial else "") + partial
        if self._code_shown == len(lines) and self._code_piece == len(piece):
            return  # nothing new (the partial line only grows, so equal length = equal text)
        if self._code_piece:
            cc.setPosition(cc.position() - self._code_piece, QTextCursor.MoveMode.KeepAnchor)
            cc.removeSelectedText()
        # Lines are shown joined by newlines: the newline after the last complete line is held
        # back until more text follows, so the box does not grow an empty line and then shrink.
        parts: list[str] = []
        for i in range(self._code_shown, len(lines)):
            if i:
                parts.append("\n")
            parts.append(lines[i][:-1].expandtabs(4))
        self._code_shown = len(lines)
        parts.append(piece)
        self._code_piece = len(piece)
        cc.insertText("".join(parts), self._code_fmt)
