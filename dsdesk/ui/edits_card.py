"""The transcript's summary of an answer's edits: each file with its status and a compact diff,
and the actions Review / Apply all / Fix failed edits."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from dsdesk.core.diff_hunks import Hunk, diff_hunks, line_counts
from dsdesk.core.edits_report import REASON_TEXT
from dsdesk.ui.transcript_messages import ActionRow
from dsdesk.ui.transcript_style import Theme
from dsdesk.ui.transcript_widgets import RoundedFrame
from dsdesk.workspace.edit_plan import EditPlan

PREVIEW_LINES = 6  # per file: enough to recognise the change, short enough to scan
UNSEEN_NOTE = "not shown to the model"


def plan_summary_rows(
    plan: EditPlan, hunks_of: dict[str, list[Hunk]]
) -> list[tuple[str, str, str]]:
    """(status mark, path, detail) per file, failed blocks included, in answer order."""
    rows: list[tuple[str, str, str]] = []
    for change in plan.changes:
        hunks = hunks_of[change.rel_path]
        added, removed = line_counts(hunks)
        kind = (
            "new file"
            if change.old_text is None
            else ("deleted" if change.new_text is None else "edited")
        )
        rows.append(("●", change.rel_path, f"{kind} · +{added} −{removed}"))
    for o in plan.outcomes:
        if o.status != "applied":
            why = REASON_TEXT.get(o.reason or "", o.reason or "skipped")
            rows.append(("✖", o.block.path, f"block #{o.block.index + 1}: {why}"))
    return rows


class EditsCard(RoundedFrame):
    sig_action = Signal(str)
    """(action_id) review, apply_all or fix_edits."""

    def __init__(
        self,
        plan: EditPlan,
        theme: Theme,
        parent: QWidget | None = None,
        unseen: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("edits-card")
        self.plan = plan
        self.unseen = unseen  # edited files the model was never shown: its SEARCH text is a guess
        self._theme = theme
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
        failed = any(o.status != "applied" for o in plan.outcomes)
        actions = []
        if plan.changes:
            actions += [("Review (Ctrl+Shift+R)", "review"), ("Apply all", "apply_all")]
        if failed:
            actions.append(("Fix failed edits", "fix_edits"))
        self.actions_row = ActionRow(actions, self)
        self.actions_row.sig_action.connect(self.sig_action)
        lay.addWidget(self.actions_row)
        self.set_state("")
        self.set_colors(theme.user_bg, theme.border)

    def set_state(self, note: str) -> None:
        """Re-render, with ``note`` (e.g. "Applied 2 files · undo with Ctrl+Z in Review")."""
        t = self._theme
        n_ok = sum(1 for o in self.plan.outcomes if o.status == "applied")
        n_all = len(self.plan.outcomes)
        self._plain = [f"Edits: {n_ok} of {n_all} blocks match · {len(self.plan.changes)} files"]
        parts = [
            f"<b>Edits</b> <span style='color:{t.dim.name()}'>{n_ok} of {n_all} blocks "
            f"match · {len(self.plan.changes)} files</span>"
        ]
        for change in self.plan.changes:
            parts.append(self._file_html(change.rel_path, self._hunks[change.rel_path]))
        for mark, path, detail in plan_summary_rows(self.plan, self._hunks):
            blind = f" · {UNSEEN_NOTE}" if mark == "●" and path in self.unseen else ""
            self._plain.append(f"{mark} {path} — {detail}{blind}")
            if mark == "✖":
                parts.append(
                    f"<div><span style='color:{t.error_border.name()}'>✖</span> "
                    f"<code>{html.escape(path)}</code> — {html.escape(detail)}</div>"
                )
        if note:
            self._plain.append(note)
            parts.append(f"<div style='color:{t.dim.name()}'>{html.escape(note)}</div>")
        self._label.setText("".join(parts))

    def _file_html(self, path: str, hunks: list[Hunk]) -> str:
        t = self._theme
        added, removed = line_counts(hunks)
        lines: list[str] = []
        for h in hunks:
            lines += [f"- {x}" for x in h.old_lines] + [f"+ {x}" for x in h.new_lines]
        shown = lines[:PREVIEW_LINES]
        more = len(lines) - len(shown)
        red = "#c0392b" if not t.dark else "#ff8a80"
        green = "#1e8449" if not t.dark else "#8fe3a0"
        body = "<br>".join(
            f"<span style='color:{red if x.startswith('-') else green}'>"
            f"{html.escape(x).replace(' ', '&nbsp;')}</span>"
            for x in shown
        )
        if more > 0:
            body += f"<br><span style='color:{t.dim.name()}'>… {more} more lines</span>"
        blind = (
            f" <b style='color:{t.error_border.name()}'>{UNSEEN_NOTE}</b>"
            if path in self.unseen
            else ""
        )
        return (
            f"<div style='margin-top:6px'>● <code>{html.escape(path)}</code> "
            f"<span style='color:{t.dim.name()}'>+{added} −{removed}</span>{blind}</div>"
            f"<div style='font-family:{t.mono_family}; background:{t.code_bg.name()}'>"
            f"{body}</div>"
        )

    def plain_text(self) -> str:
        return "\n".join([*self._plain, self.actions_row.plain_text()])
