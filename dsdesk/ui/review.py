"""Review of proposed edits, hunk by hunk, from the keyboard.

The keys are ``keys.REVIEW_KEYS`` (j / k between hunks, a / r accept or reject one, A / R the
whole file, Enter applies, Ctrl+Z undoes, Esc closes); the help line is written from them.
Every hunk starts accepted; rejected ones are greyed and left out when applying.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLabel, QTextBrowser, QVBoxLayout, QWidget

from dsdesk.core.diff_hunks import Hunk, apply_hunks, diff_hunks
from dsdesk.core.edits_report import REASON_TEXT
from dsdesk.ui.highlight import highlight_html
from dsdesk.ui.keys import (
    REVIEW_ACCEPT,
    REVIEW_ACCEPT_FILE,
    REVIEW_APPLY,
    REVIEW_CLOSE,
    REVIEW_KEYS,
    REVIEW_NEXT,
    REVIEW_PREV,
    REVIEW_REJECT,
    REVIEW_REJECT_FILE,
    REVIEW_UNDO,
    key_help,
)
from dsdesk.workspace.edit_plan import EditPlan, FileChange

CONTEXT = 2  # unchanged lines shown around each hunk


@dataclass
class FileReview:
    change: FileChange
    hunks: list[Hunk]
    accepted: set[int] = field(default_factory=set)

    def final_text(self) -> str | None:
        """The file as it will be written; None deletes it (only if nothing was rejected)."""
        c = self.change
        if c.new_text is None:
            return None if self.accepted else c.old_text
        if c.old_text is None:
            return c.new_text if self.accepted else None
        return apply_hunks(c.old_text, self.hunks, self.accepted)


class ReviewDialog(QDialog):
    sig_apply = Signal(dict)
    """({rel_path: final text or None}) write these; files with nothing accepted are left out."""
    sig_undo = Signal()
    """() undo the last applied change set."""

    def __init__(self, plan: EditPlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("review-dialog")
        self.setWindowTitle("Review edits")
        self.resize(1000, 720)
        self.plan = plan
        self.files = [
            FileReview(
                c, hunks := diff_hunks(c.old_text or "", c.new_text or ""), set(range(len(hunks)))
            )
            for c in plan.changes
        ]
        # (file index, hunk index) for every hunk, in order: the j/k sequence.
        self.order = [(f, h) for f, fr in enumerate(self.files) for h in range(len(fr.hunks))]
        self.current = 0
        self.help = QLabel(key_help(REVIEW_KEYS))
        self.help.setWordWrap(True)
        self.view = QTextBrowser(self)
        self.view.setObjectName("review-view")
        self.view.setOpenLinks(False)
        self.view.installEventFilter(self)
        self.status = QLabel("")
        lay = QVBoxLayout(self)
        lay.addWidget(self.help)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.status)
        self.redraw()

    # -- state --------------------------------------------------------------------------------

    def accepted_result(self) -> dict[str, str | None]:
        """What Enter writes: files with at least one accepted hunk."""
        out: dict[str, str | None] = {}
        for fr in self.files:
            if fr.accepted:
                out[fr.change.rel_path] = fr.final_text()
        return out

    def set_current(self, accept: bool) -> None:
        if not self.order:
            return
        f, h = self.order[self.current]
        (self.files[f].accepted.add if accept else self.files[f].accepted.discard)(h)
        self.redraw()

    def set_file(self, accept: bool) -> None:
        if not self.order:
            return
        fr = self.files[self.order[self.current][0]]
        fr.accepted = set(range(len(fr.hunks))) if accept else set()
        self.redraw()

    def step(self, by: int) -> None:
        if self.order:
            self.current = max(0, min(len(self.order) - 1, self.current + by))
            self.redraw()

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    # -- keys ---------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._key(event)
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._key(event):
            super().keyPressEvent(event)

    def _key(self, event: QKeyEvent) -> bool:
        if REVIEW_UNDO.matches(event):
            self.sig_undo.emit()
        elif REVIEW_NEXT.matches(event):
            self.step(1)
        elif REVIEW_PREV.matches(event):
            self.step(-1)
        elif REVIEW_ACCEPT.matches(event):
            self.set_current(True)
        elif REVIEW_REJECT.matches(event):
            self.set_current(False)
        elif REVIEW_ACCEPT_FILE.matches(event):
            self.set_file(True)
        elif REVIEW_REJECT_FILE.matches(event):
            self.set_file(False)
        elif REVIEW_APPLY.matches(event):
            result = self.accepted_result()
            if result:
                self.sig_apply.emit(result)
            else:
                self.show_status("Nothing accepted: nothing to apply.")
        elif REVIEW_CLOSE.matches(event):
            self.reject()
        else:
            return False
        return True

    # -- rendering ----------------------------------------------------------------------------

    def redraw(self) -> None:
        dark = self.palette().window().color().lightness() < 128
        colors = {
            "add": "#1f3d2a" if dark else "#e6f6ea",
            "del": "#47262a" if dark else "#fbe9eb",
            "ctx": "transparent",
            "cur": "#3d6fb6" if dark else "#2f6fd0",
            "dim": "#80858d",
        }
        parts: list[str] = []
        failed = [o for o in self.plan.outcomes if o.status != "applied"]
        for o in failed:
            why = REASON_TEXT.get(o.reason or "", o.reason or "skipped")
            parts.append(
                f"<p>✖ <b>{html.escape(o.block.path)}</b> block #{o.block.index + 1}: "
                f"{html.escape(why)}</p>"
            )
        current = self.order[self.current] if self.order else None
        for f, fr in enumerate(self.files):
            c = fr.change
            kind = (
                "new file" if c.old_text is None else ("delete" if c.new_text is None else "edit")
            )
            n_acc = len(fr.accepted)
            parts.append(
                f"<h3>{html.escape(c.rel_path)} <span style='color:{colors['dim']}; "
                f"font-weight:normal'>{kind} · {n_acc}/{len(fr.hunks)} hunks accepted</span></h3>"
            )
            old_lines = (c.old_text or "").split("\n")
            for h, hunk in enumerate(fr.hunks):
                is_cur = current == (f, h)
                accepted = h in fr.accepted
                mark = "▶" if is_cur else "&nbsp;"
                state = "accepted" if accepted else "rejected"
                parts.append(
                    f"<a name='h{f}-{h}'></a><p style='margin:6px 0 2px 0; "
                    f"color:{colors['cur'] if is_cur else colors['dim']}'>"
                    f"{mark} hunk {h + 1} · line {hunk.old_start + 1} · <b>{state}</b></p>"
                )
                before = old_lines[max(0, hunk.old_start - CONTEXT) : hunk.old_start]
                after_start = hunk.old_start + len(hunk.old_lines)
                after = old_lines[after_start : after_start + CONTEXT]
                rows = [("ctx", x) for x in before]
                rows += [("del", x) for x in hunk.old_lines]
                rows += [("add", x) for x in hunk.new_lines]
                rows += [("ctx", x) for x in after]
                parts.append(self._table(rows, c.rel_path, colors, accepted, dark))
        if not self.files:
            parts.append("<p>No edit could be matched to the files.</p>")
        self.view.setHtml("".join(parts))
        if current is not None:
            self.view.scrollToAnchor(f"h{current[0]}-{current[1]}")

    @staticmethod
    def _table(
        rows: list[tuple[str, str]], path: str, colors: dict[str, str], accepted: bool, dark: bool
    ) -> str:
        sign = {"add": "+", "del": "−", "ctx": " "}
        cells = []
        for kind, line in rows:
            if accepted:  # Pygments ends its output with the newline it adds to the input
                code = highlight_html(line, filename=path, dark=dark).replace("\n", "")
            else:
                code = html.escape(line)
            bg = colors[kind] if accepted else "transparent"
            style = "" if accepted else f" color:{colors['dim']};"
            cells.append(
                f"<tr><td style='background:{bg};{style}'><pre style='margin:0'>"
                f"{sign[kind]} {code}</pre></td></tr>"
            )
        return f"<table width='100%' cellspacing='0' cellpadding='1'>{''.join(cells)}</table>"
