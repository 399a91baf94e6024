"""The transcript's summary of an answer's edits: each file with its state (proposed, applied,
rejected, undone, failed) and a compact diff, and only the actions that can still be done."""

from __future__ import annotations

import html
from enum import StrEnum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from dsdesk.core.diff_hunks import Hunk, diff_hunks, line_counts
from dsdesk.core.edits_report import REASON_TEXT
from dsdesk.services.edit_state import FileState, PlanFiles, plural
from dsdesk.ui.transcript_messages import ActionRow
from dsdesk.ui.transcript_style import Theme
from dsdesk.ui.transcript_widgets import LinkButton, RoundedFrame

PREVIEW_LINES = 6  # per file: enough to recognise the change, short enough to scan
UNSEEN_NOTE = "not shown to the model"

# Shown before each file; words say the state too, the mark is for scanning.
_MARK = {
    FileState.PROPOSED: "●",
    FileState.APPLIED: "✔",
    FileState.REJECTED: "○",
    FileState.UNDONE: "↺",
    FileState.FAILED: "✖",
}


class EditAction(StrEnum):
    """The card's actions (they travel as the transcript's action ids)."""

    REVIEW = "review"
    APPLY = "apply_all"
    UNDO = "undo_edits"
    FIX = "fix_edits"


def plan_summary_rows(
    files: PlanFiles, hunks_of: dict[str, list[Hunk]]
) -> list[tuple[str, str, str]]:
    """(mark, path, detail) per file, failed blocks included, in answer order."""
    plan = files.plan
    rows: list[tuple[str, str, str]] = []
    for change in plan.changes:
        added, removed = line_counts(hunks_of[change.rel_path])
        kind = (
            "new file"
            if change.old_text is None
            else ("deleted" if change.new_text is None else "edited")
        )
        status = files.status[change.rel_path]
        state = status.state.value + (f" ({status.note})" if status.note else "")
        rows.append(
            (_MARK[status.state], change.rel_path, f"{kind} · +{added} −{removed} · {state}")
        )
    for o in plan.outcomes:
        if o.status != "applied":
            why = REASON_TEXT.get(o.reason or "", o.reason or "skipped")
            rows.append(("✖", o.block.path, f"block #{o.block.index + 1}: {why}"))
    return rows


def card_actions(files: PlanFiles) -> list[tuple[str, EditAction]]:
    """What can be done next: review/apply what is still as planned, undo what was written,
    ask the model again for blocks that did not match."""
    actions: list[tuple[str, EditAction]] = []
    writable = files.writable()
    if writable:
        actions.append(("Review (Ctrl+Shift+R)", EditAction.REVIEW))
        untouched = len(writable) == len(files.status)
        label = "Apply all" if untouched else f"Apply the rest ({plural(len(writable), 'file')})"
        actions.append((label, EditAction.APPLY))
    if files.change_sets:
        actions.append(("Undo", EditAction.UNDO))
    if any(o.status != "applied" for o in files.plan.outcomes):
        actions.append(("Fix failed edits", EditAction.FIX))
    return actions


class EditsCard(RoundedFrame):
    sig_action = Signal(str)
    """(EditAction value) review, apply_all, undo_edits or fix_edits."""

    def __init__(
        self,
        files: PlanFiles,
        theme: Theme,
        parent: QWidget | None = None,
        unseen: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("edits-card")
        plan = self.plan = files.plan
        self.files = files
        self.unseen = unseen  # edited files the model was never shown: its SEARCH text is a guess
        self._theme = theme
        self._note = ""
        # The plan never changes: diff each file once, not on every re-render.
        self._hunks = {
            c.rel_path: diff_hunks(c.old_text or "", c.new_text or "") for c in plan.changes
        }
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 8)
        lay.setSpacing(4)
        self._label = QLabel(self)
        self._label.setTextFormat(Qt.TextFormat.RichText)
        self._label.setWordWrap(True)
        self._label.setFont(theme.font)
        lay.addWidget(self._label)
        self.actions_row = ActionRow([(a.value, a.value) for a in EditAction], self)
        self.actions_row.sig_action.connect(self.sig_action)
        lay.addWidget(self.actions_row)
        self.set_files(self.files)
        self.set_colors(theme.user_bg, theme.border)

    def set_files(self, files: PlanFiles, note: str | None = None) -> None:
        """Show the files' states and the actions still possible; ``note`` replaces the line
        under the files (e.g. "Applied to 2 files")."""
        self.files = files
        if note is not None:
            self._note = note
        self._set_actions(card_actions(files))
        self._render()

    def retire(self, note: str) -> None:
        """A later answer's edits replaced these: keep the record, drop the actions."""
        self._note = note
        self._set_actions([])
        self._render()

    def _set_actions(self, actions: list[tuple[str, EditAction]]) -> None:
        # The row keeps one button per action, shown or hidden: the transcript put them in its
        # Tab chain once, so they are never replaced.
        focused = self.focusWidget()
        wanted = {a: label for label, a in actions}
        for button, action in zip(self.actions_row.buttons, EditAction, strict=True):
            if action in wanted:
                button.setText(wanted[action])
            button.setVisible(action in wanted)
        self.actions_row.setVisible(bool(actions))
        shown = self.visible_actions()
        if focused in self.actions_row.buttons and focused.isHidden() and shown:
            shown[0].setFocus()  # keyboard users keep their place on the card

    def visible_actions(self) -> list[LinkButton]:
        return [b for b in self.actions_row.buttons if not b.isHidden()]

    def _render(self) -> None:
        t = self._theme
        n_ok = sum(1 for o in self.plan.outcomes if o.status == "applied")
        n_all = len(self.plan.outcomes)
        head = f"{n_ok} of {n_all} blocks match · {plural(len(self.plan.changes), 'file')}"
        self._plain = [f"Edits: {head}"]
        parts = [f"<b>Edits</b> <span style='color:{t.dim.name()}'>{head}</span>"]
        for change in self.plan.changes:
            parts.append(self._file_html(change.rel_path, self._hunks[change.rel_path]))
        for mark, path, detail in plan_summary_rows(self.files, self._hunks):
            blind = f" · {UNSEEN_NOTE}" if path in self.unseen else ""
            self._plain.append(f"{mark} {path} — {detail}{blind}")
            if mark == "✖" and path not in self.files.status:
                parts.append(
                    f"<div><span style='color:{t.error_border.name()}'>✖</span> "
                    f"<code>{html.escape(path)}</code> — {html.escape(detail)}</div>"
                )
        if self._note:
            self._plain.append(self._note)
            parts.append(f"<div style='color:{t.dim.name()}'>{html.escape(self._note)}</div>")
        self._label.setText("".join(parts))

    def _file_html(self, path: str, hunks: list[Hunk]) -> str:
        t = self._theme
        status = self.files.status[path]
        added, removed = line_counts(hunks)
        lines: list[str] = []
        for h in hunks:
            lines += [f"- {x}" for x in h.old_lines] + [f"+ {x}" for x in h.new_lines]
        shown = lines[:PREVIEW_LINES]
        more = len(lines) - len(shown)
        red = "#c0392b" if not t.dark else "#ff8a80"
        green = "#1e8449" if not t.dark else "#8fe3a0"
        state_color = {
            FileState.APPLIED: green,
            FileState.FAILED: t.error_border.name(),
        }.get(status.state, t.dim.name())
        body = "<br>".join(
            f"<span style='color:{red if x.startswith('-') else green}'>"
            f"{html.escape(x).replace(' ', '&nbsp;')}</span>"
            for x in shown
        )
        if more > 0:
            body += f"<br><span style='color:{t.dim.name()}'>… {more} more lines</span>"
        note = f" — {html.escape(status.note)}" if status.note else ""
        blind = (
            f" <b style='color:{t.error_border.name()}'>{UNSEEN_NOTE}</b>"
            if path in self.unseen
            else ""
        )
        return (
            f"<div style='margin-top:6px'><span style='color:{state_color}'>"
            f"{_MARK[status.state]}</span> <code>{html.escape(path)}</code> "
            f"<span style='color:{t.dim.name()}'>+{added} −{removed}</span> "
            f"<b style='color:{state_color}'>{status.state.value}</b>"
            f"<span style='color:{t.dim.name()}'>{note}</span>{blind}</div>"
            f"<div style='font-family:{t.mono_family}; background:{t.code_bg.name()}'>"
            f"{body}</div>"
        )

    def plain_text(self) -> str:
        actions = " · ".join(b.text() for b in self.visible_actions())
        return "\n".join([*self._plain, actions] if actions else self._plain)
