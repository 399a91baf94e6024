"""Checkpoints in the window: "Restore to before this turn" under a turn that changed files,
and a dialog that lists the project's checkpoints with a preview of what a restore changes."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dsdesk.agent.checkpoint_types import Checkpoint, RestorePlan
from dsdesk.ui.transcript_widgets import LinkButton

__all__ = ["RESTORE_ACTION", "CheckpointRow", "CheckpointsDialog", "plan_text"]


def plan_text(plan: RestorePlan) -> str:
    """What a restore would do, one path a line, grouped."""
    out: list[str] = []
    for title, paths in plan.groups():
        if paths:
            out.append(f"{title[0].upper()}{title[1:]}:")
            out += [f"  {p}" for p in paths]
            out.append("")
    if not plan.changes:
        out.append("Nothing to restore: the project is as it was at this checkpoint.")
    else:
        out.append("The restore itself can be undone (a backup checkpoint is taken first).")
    return "\n".join(out)


RESTORE_ACTION = "restore_checkpoint:"


class CheckpointRow(QWidget):
    """Under a turn that changed files: one link that restores the project to before it. The
    click goes out as the transcript action ``restore_checkpoint:<id>`` (rows are also built
    when a stored conversation is reopened, where only the transcript connects them)."""

    sig_action = Signal(str)
    """(action) ``restore_checkpoint:<checkpoint id>``."""

    def __init__(self, checkpoint_id: str, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.checkpoint_id = checkpoint_id
        self.button = LinkButton("⟲ Restore to before this turn…", self)
        self.button.setToolTip(f"Checkpoint {checkpoint_id[:12]} — {label}")
        self.button.clicked.connect(
            lambda: self.sig_action.emit(RESTORE_ACTION + self.checkpoint_id)
        )
        self.note = QLabel("", self)
        self.note.setObjectName("checkpoint-note")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(2, 0, 2, 4)
        lay.addWidget(self.button)
        lay.addWidget(self.note, 1)

    def set_note(self, text: str) -> None:
        self.note.setText(text)

    def plain_text(self) -> str:
        return f"[checkpoint {self.checkpoint_id[:12]}] {self.note.text()}".strip()


class CheckpointsDialog(QDialog):
    """The project's checkpoints, newest first; Enter or Restore restores the selected one
    after its preview has been shown."""

    sig_preview_requested = Signal(str)
    """(checkpoint_id) fill the preview with ``show_preview``."""
    sig_restore = Signal(str)
    """(checkpoint_id) restore it."""

    def __init__(
        self, checkpoints: list[Checkpoint], parent: QWidget | None = None, *, select: str = ""
    ) -> None:
        super().__init__(parent)
        self.setObjectName("checkpoints-dialog")
        self.setWindowTitle("Checkpoints")
        self.resize(760, 460)
        self.list = QListWidget(self)
        for cp in reversed(checkpoints):
            when = time.strftime("%d %b %H:%M", time.localtime(cp.created_at))
            item = QListWidgetItem(f"{when}  ·  {cp.label}")
            item.setData(Qt.ItemDataRole.UserRole, cp.id)
            item.setToolTip(f"{cp.id[:12]} ({cp.kind.value})")
            self.list.addItem(item)
        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.preview.setFont(QFont(mono))
        self.preview.setPlaceholderText("Pick a checkpoint to see what a restore changes.")
        split = QSplitter(self)
        split.addWidget(self.list)
        split.addWidget(self.preview)
        split.setSizes([300, 460])
        self.buttons = QDialogButtonBox(self)
        self.restore_button = self.buttons.addButton(
            "&Restore", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button.setEnabled(False)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        empty = QLabel("No checkpoints yet: one is taken before an agent turn first changes files.")
        empty.setVisible(not checkpoints)
        lay = QVBoxLayout(self)
        lay.addWidget(empty)
        lay.addWidget(split, 1)
        lay.addWidget(self.buttons)
        self.list.currentItemChanged.connect(self._on_list_currentItemChanged)
        self.list.itemActivated.connect(lambda _item: self._on_buttons_accepted())
        wanted = [i for i in range(self.list.count()) if self._id(i) == select]
        if self.list.count():
            self.list.setCurrentRow(wanted[0] if wanted else 0)
        self.list.setFocus()

    def _id(self, row: int) -> str:
        item = self.list.item(row)
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    @property
    def selected(self) -> str:
        return self._id(self.list.currentRow())

    def show_preview(self, checkpoint_id: str, plan: RestorePlan | None, error: str = "") -> None:
        if checkpoint_id != self.selected:
            return  # the selection moved on meanwhile
        self.preview.setPlainText(error or (plan_text(plan) if plan else ""))
        self.restore_button.setEnabled(plan is not None and plan.changes > 0)

    def _on_list_currentItemChanged(self, *_args: object) -> None:
        self.restore_button.setEnabled(False)
        self.preview.setPlainText("Working out what a restore would change…")
        if self.selected:
            self.sig_preview_requested.emit(self.selected)

    def _on_buttons_accepted(self) -> None:
        if self.restore_button.isEnabled():
            self.sig_restore.emit(self.selected)
            self.accept()
