"""Review of proposed edits, hunk by hunk, from the keyboard (each key also has a button).

The keys are ``keys.REVIEW_KEYS`` (j / k between hunks, a / r accept or reject one, A / R the
whole file, Enter applies the accepted hunks, Ctrl+Z undoes the last applied change set, Esc
closes); the help line and the buttons say the same. Every hunk of a file not yet written starts
accepted; rejected ones are greyed and left out when applying. Files already written (or failed)
are shown with their state and cannot be toggled: writing them again from this plan would only
fail. The dialog closes once the apply is done.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from dsdesk.core.diff_hunks import Hunk, apply_hunks, diff_hunks
from dsdesk.core.edits_report import REASON_TEXT
from dsdesk.services.edit_state import FileState, PlanFiles, plural
from dsdesk.ui.highlight import highlight_html
from dsdesk.ui.keys import (
    REVIEW_ACCEPT,
    REVIEW_ACCEPT_FILE,
    REVIEW_APPLY,
    REVIEW_CLOSE,
    REVIEW_NEXT,
    REVIEW_PREV,
    REVIEW_REJECT,
    REVIEW_REJECT_FILE,
    REVIEW_UNDO,
)
from dsdesk.workspace.edit_plan import FileChange

CONTEXT = 2  # unchanged lines shown around each hunk


@dataclass
class FileReview:
    change: FileChange
    hunks: list[Hunk]
    accepted: set[int] = field(default_factory=set)
    state: FileState = FileState.PROPOSED
    applied: set[int] = field(default_factory=set)  # hunks written (state APPLIED)

    def set_state(self, state: FileState, written: str | None) -> None:
        if state.writable and not self.state.writable:
            self.accepted = set(range(len(self.hunks)))  # undone: reviewable again
        self.state = state
        self.applied = self._written_hunks(written) if state is FileState.APPLIED else set()

    def _written_hunks(self, written: str | None) -> set[int]:
        """The planned hunks found in what was written (independent hunks diff the same)."""
        if written is None or self.change.old_text is None:
            return set(range(len(self.hunks)))
        done = {_key(h) for h in diff_hunks(self.change.old_text, written)}
        return {h.index for h in self.hunks if _key(h) in done}

    def final_text(self) -> str | None:
        """The file as it will be written; None deletes it (only if nothing was rejected)."""
        c = self.change
        if c.new_text is None:
            return None if self.accepted else c.old_text
        if c.old_text is None:
            return c.new_text if self.accepted else None
        return apply_hunks(c.old_text, self.hunks, self.accepted)


def _key(h: Hunk) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
    return h.old_start, h.old_lines, h.new_lines


class ReviewDialog(QDialog):
    sig_apply = Signal(dict)
    """({rel_path: final text or None}) write these; files with nothing accepted are left out."""
    sig_undo = Signal()
    """() undo the last applied change set."""

    def __init__(self, files: PlanFiles, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("review-dialog")
        self.setWindowTitle("Review edits")
        self.resize(1000, 720)
        self.plan = files.plan
        self.files = [
            FileReview(
                c, hunks := diff_hunks(c.old_text or "", c.new_text or ""), set(range(len(hunks)))
            )
            for c in self.plan.changes
        ]
        # (file index, hunk index) for every hunk, in order: the j/k sequence.
        self.order = [(f, h) for f, fr in enumerate(self.files) for h in range(len(fr.hunks))]
        self.current = 0
        self.view = QTextBrowser(self)
        self.view.setObjectName("review-view")
        self.view.setOpenLinks(False)
        self.view.installEventFilter(self)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.status)
        lay.addLayout(self._buttons())
        self.set_files(files)

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        spec = [
            ("prev", "Previous (k)", lambda: self.step(-1)),
            ("next", "Next (j)", lambda: self.step(1)),
            ("accept", "Accept (a)", lambda: self.set_current(True)),
            ("reject", "Reject (r)", lambda: self.set_current(False)),
            ("accept_file", "Accept file (A)", lambda: self.set_file(True)),
            ("reject_file", "Reject file (R)", lambda: self.set_file(False)),
            None,
            ("undo", "Undo last (Ctrl+Z)", self.sig_undo.emit),
            ("apply", "Apply accepted (Enter)", self.apply_accepted),
            ("close", "Close (Esc)", self.reject),
        ]
        for item in spec:
            if item is None:
                row.addStretch(1)
                continue
            name, label, slot = item
            button = QPushButton(label, self)
            button.setObjectName(f"review-{name}")
            # The keys work in the diff view; clicking must not take the keyboard from it.
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[name] = button
        return row

    def set_files(self, files: PlanFiles) -> None:
        """Follow what happened to the files (applied, undone, failed) and redraw."""
        for fr in self.files:
            rel = fr.change.rel_path
            fr.set_state(files.state(rel), files.written.get(rel))
        self.redraw()

    # -- state --------------------------------------------------------------------------------

    def accepted_result(self) -> dict[str, str | None]:
        """What Enter writes: files not written yet with at least one accepted hunk."""
        out: dict[str, str | None] = {}
        for fr in self.files:
            if fr.accepted and fr.state.writable:
                out[fr.change.rel_path] = fr.final_text()
        return out

    def _current_file(self) -> FileReview | None:
        if not self.order:
            return None
        fr = self.files[self.order[self.current][0]]
        if not fr.state.writable:
            self.show_status(f"{fr.change.rel_path} is {fr.state.value}; undo it to change it.")
            return None
        return fr

    def set_current(self, accept: bool) -> None:
        fr = self._current_file()
        if fr is not None:
            h = self.order[self.current][1]
            (fr.accepted.add if accept else fr.accepted.discard)(h)
            self.redraw()

    def set_file(self, accept: bool) -> None:
        fr = self._current_file()
        if fr is not None:
            fr.accepted = set(range(len(fr.hunks))) if accept else set()
            self.redraw()

    def apply_accepted(self) -> None:
        result = self.accepted_result()
        if result:
            self.show_status(f"Writing {plural(len(result), 'file')}…")
            self.sig_apply.emit(result)
        elif not any(fr.state.writable for fr in self.files):
            self.show_status("Everything here has been applied; Ctrl+Z undoes it, Esc closes.")
        else:
            self.show_status("Nothing accepted: nothing to apply.")

    def done_applying(self) -> None:
        """The accepted hunks were written: the card under the answer shows the rest."""
        self.accept()

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
            self.apply_accepted()
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
            if fr.state.writable:
                detail = f"{len(fr.accepted)}/{len(fr.hunks)} hunks accepted"
            elif fr.state is FileState.APPLIED:
                detail = f"applied ({len(fr.applied)}/{len(fr.hunks)} hunks)"
            else:
                detail = fr.state.value
            # The first hunk's anchor sits above the file's name, so scrolling to it shows both.
            parts.append(
                f"<a name='h{f}-0'></a><h3>{html.escape(c.rel_path)} "
                f"<span style='color:{colors['dim']}; "
                f"font-weight:normal'>{kind} · {detail}</span></h3>"
            )
            old_lines = (c.old_text or "").split("\n")
            for h, hunk in enumerate(fr.hunks):
                is_cur = current == (f, h)
                mark = "▶" if is_cur else "&nbsp;"
                if fr.state.writable:
                    accepted = h in fr.accepted
                    state = "accepted" if accepted else "rejected"
                elif fr.state is FileState.APPLIED:
                    accepted = h in fr.applied
                    state = "✔ applied" if accepted else "left out"
                else:
                    accepted, state = False, fr.state.value
                parts.append(
                    (f"<a name='h{f}-{h}'></a>" if h else "") + "<p style='margin:6px 0 2px 0; "
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
        self._update_buttons(current)
        self.view.setHtml("".join(parts))
        if current is not None:
            self.view.scrollToAnchor(f"h{current[0]}-{current[1]}")

    def _update_buttons(self, current: tuple[int, int] | None) -> None:
        editable = current is not None and self.files[current[0]].state.writable
        for name in ("accept", "reject", "accept_file", "reject_file"):
            self.buttons[name].setEnabled(editable)
        self.buttons["prev"].setEnabled(self.current > 0)
        self.buttons["next"].setEnabled(self.current < len(self.order) - 1)
        self.buttons["apply"].setEnabled(bool(self.accepted_result()))

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
