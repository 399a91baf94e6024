"""Putting HTML into a QTextDocument block by block, and finding links in it (for the
transcript's incremental renderer, ``transcript_render``)."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QTextCursor, QTextDocument, QTextDocumentFragment

from dsdesk.ui.transcript_style import Theme

__all__ = ["find_anchor", "in_table", "insert_html"]


def insert_html(c: QTextCursor, theme: Theme, markup: str) -> None:
    """Append HTML as new blocks at ``c`` (the end of its document), keeping every block's own
    format.

    A plain ``insertHtml`` merges the fragment's first block into the current block, which
    loses its format (a heading or a code line would take the previous block's format). So
    the HTML is parsed in a scratch document, the current block gets the first block's format,
    and the rest is copied as a fragment. A fragment that starts with a table or list brings
    its own blocks.
    """
    s = _scratch_for(theme)
    s.setHtml(markup)
    first = s.begin()
    src = QTextCursor(s)
    starts_frame = first.length() == 1 and first.next().isValid() and in_table(first.next())
    if starts_frame:
        src.setPosition(first.length())  # skip the empty block a document keeps before a table
    src.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
    cur = c.block()
    cur_empty = cur.length() == 1 and cur.textList() is None and not in_table(cur)
    if not starts_frame and first.textList() is None:
        if cur_empty:
            c.setBlockFormat(first.blockFormat())
            c.setBlockCharFormat(first.charFormat())
        else:
            c.insertBlock(first.blockFormat(), first.charFormat())
    c.insertFragment(QTextDocumentFragment(src))


_scratch: tuple[Theme, QTextDocument] | None = None


def _scratch_for(theme: Theme) -> QTextDocument:
    """The document HTML is parsed in first (see ``insert_html``), styled for ``theme``: one
    for every renderer, each using it within one call on the GUI thread (one per renderer
    cost 0.1 ms of each entry built back from parking). It belongs to the application, so it
    goes with it."""
    global _scratch
    if _scratch is None or _scratch[0] is not theme or not shiboken6.isValid(_scratch[1]):
        doc = QTextDocument(QCoreApplication.instance())
        doc.setUndoRedoEnabled(False)
        doc.setDefaultStyleSheet(theme.document_css())
        doc.setDefaultFont(theme.font)
        if _scratch is not None and shiboken6.isValid(_scratch[1]):
            _scratch[1].deleteLater()
        _scratch = (theme, doc)
    return _scratch[1]


def in_table(block: Any) -> bool:
    return QTextCursor(block).currentTable() is not None


def find_anchor(
    doc: QTextDocument, start: int, href: str, blocks: int | None = 8
) -> QTextCursor | None:
    """A cursor selecting the text of the link ``href`` found after ``start`` (within a few
    blocks, or anywhere after it with ``blocks=None``)."""
    block = doc.findBlock(start)
    while blocks is None or blocks > 0:
        if blocks is not None:
            blocks -= 1
        if not block.isValid():
            break
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().anchorHref() == href:
                cur = QTextCursor(doc)
                cur.setPosition(frag.position())
                cur.setPosition(frag.position() + frag.length(), QTextCursor.MoveMode.KeepAnchor)
                return cur
            it += 1
        block = block.next()
    return None
