"""The files in context, listed above the prompt with their counts; × removes one. The links
are reachable with Tab and activated with Enter."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette, QTextDocumentFragment
from PySide6.QtWidgets import QLabel, QWidget

from dsdesk.ui.context_meter import compact

MAX_SHOWN = 6


class ContextBar(QLabel):
    sig_remove = Signal(str)
    """(rel path) take this file out of the context."""
    sig_action = Signal(str)
    """(action) "whole_project", "rebuild" or "clear"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("context-bar")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.linkActivated.connect(self._on_self_link_activated)
        self.setContentsMargins(8, 2, 8, 0)

    def show_context(
        self,
        files: list[tuple[str, int]],
        instructions: tuple[str, int] | None,
        pending_updates: int,
        project_open: bool,
    ) -> None:
        parts: list[str] = []
        dim = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
        if instructions:
            parts.append(f"<i>{html.escape(instructions[0])}</i> {compact(instructions[1])}")
        for rel, tokens in files[:MAX_SHOWN]:
            parts.append(
                f"{html.escape(rel)} <span style='color:{dim}'>{compact(tokens)}</span> "
                f"<a href='remove:{html.escape(rel)}'>×</a>"
            )
        if len(files) > MAX_SHOWN:
            rest = sum(t for _r, t in files[MAX_SHOWN:])
            parts.append(f"… {len(files) - MAX_SHOWN} more ({compact(rest)})")
        actions = []
        if project_open:
            actions.append("<a href='action:whole_project'>Whole project</a>")
            actions.append("<a href='action:excludes'>Exclude…</a>")
        if files:
            actions.append("<a href='action:clear'>Clear</a>")
        tip = ""
        if pending_updates:
            # The state stays one short phrase; the trade-off it stands for goes in the tooltip.
            total_now = sum(t for _r, t in files) + (instructions[1] if instructions else 0)
            n = f"{pending_updates} update{'s' * (pending_updates != 1)}"
            actions.append(f"{n} pending · <a href='action:rebuild'>Rebuild</a>")
            # Rich text, so the tooltip wraps instead of running across the screen.
            tip = (
                f"<p><b>{n} pending.</b> Files changed, added or removed since the conversation "
                "began are sent as updates after it; every turn carries them (their own size) "
                "until the context is rebuilt.</p><p><b>Rebuild</b> folds them into the files at "
                f"the start: one cache miss of ≈{compact(total_now)} tokens now, cache hits "
                "after.</p>"
            )
        self.setToolTip(tip)
        # The same words for screen readers (no tooltip without a mouse).
        self.setAccessibleDescription(QTextDocumentFragment.fromHtml(tip).toPlainText())
        total = sum(t for _r, t in files)
        head = f"<b>Context</b> {compact(total)}: " if files else "<b>Context</b>: no files · "
        self.setText(head + " · ".join(parts + actions))
        self.setVisible(project_open)

    def _on_self_link_activated(self, link: str) -> None:
        kind, _, value = link.partition(":")
        if kind == "remove":
            self.sig_remove.emit(html.unescape(value))
        elif kind == "action":
            self.sig_action.emit(value)
