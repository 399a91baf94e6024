"""An answer's reasoning section once shown, and what a click on a link in an answer does.

The reasoning's frame, view and renderer are built when the section is first shown: most answers
of a long agent session arrive (or reopen) with their reasoning collapsed.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from dsdesk.ui.transcript_entries import set_text_color
from dsdesk.ui.transcript_render import COPY_SCHEME, EDIT_SCHEME, StreamRenderer
from dsdesk.ui.transcript_style import Theme
from dsdesk.ui.transcript_widgets import AutoHeightBrowser, RoundedFrame

__all__ = ["ReasoningPane", "open_link"]

_EXTERNAL = frozenset({"http", "https", "mailto"})


class ReasoningPane:
    """A ruled frame with the reasoning's text view and its renderer, in a smaller font."""

    def __init__(self, parent: QWidget, theme: Theme) -> None:
        self.frame = RoundedFrame(parent, rule=True)
        lay = QVBoxLayout(self.frame)
        lay.setContentsMargins(14, 2, 0, 2)
        self.view = AutoHeightBrowser(self.frame)
        lay.addWidget(self.view)
        self.renderer = StreamRenderer(self.view.document(), _smaller(theme))
        self._style(theme)

    def set_theme(self, theme: Theme) -> None:
        self._style(theme)
        self.renderer.set_theme(_smaller(theme))

    def _style(self, theme: Theme) -> None:
        set_text_color(self.view, theme.dim)
        self.frame.set_colors(theme.base, theme.border)
        self.view.setFont(theme.font)


def _smaller(theme: Theme) -> Theme:
    font = QFont(theme.font)
    font.setPointSizeF(theme.font.pointSizeF() * 0.93)
    return dataclasses.replace(theme, font=font)


def open_link(owner: QWidget, renderer: StreamRenderer, view: QTextBrowser, url: QUrl) -> None:
    """A link in ``view`` (drawn by ``renderer``) activated: copy a code block, fold or unfold
    an edit block, or open a web or mail link outside."""
    if url.scheme() == COPY_SCHEME:
        try:
            index = int(url.path())
        except ValueError:
            return
        QGuiApplication.clipboard().setText(renderer.code(index))
        renderer.set_copied(index, True)
        QTimer.singleShot(1500, owner, lambda: renderer.set_copied(index, False))
    elif url.scheme() == EDIT_SCHEME and url.path().isdigit():
        by_keyboard = view.textCursor().hasSelection()  # a Tab-selected link, not a click
        link = renderer.toggle_edit(int(url.path()))
        if link is not None and by_keyboard:
            view.setTextCursor(link)  # Enter again folds it back
    elif url.scheme() in _EXTERNAL:
        QDesktopServices.openUrl(url)
