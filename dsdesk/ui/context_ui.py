"""The window's side of the project context: the tree's marks and counts, Space to toggle,
the list above the prompt, and the guard that refuses a request too big for the window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from dsdesk.ui.excludes_dialog import ExcludesDialog
from dsdesk.ui.mention import MentionCompleter
from dsdesk.ui.summary_dialog import SummaryDialog
from dsdesk.ui.tree_tokens import TokenDelegate

if TYPE_CHECKING:
    from dsdesk.ui.main_window import MainWindow


class ContextPresenter(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        ctx = window.controller.context
        tree = window.tree
        ctx.sig_changed.connect(window.update_meter)
        ctx.sig_changed.connect(tree.viewport().update)
        ctx.sig_counts_ready.connect(tree.viewport().update)
        tree.setItemDelegate(TokenDelegate(ctx.info, tree))
        tree.sig_toggle_context.connect(ctx.toggle)
        ctx.sig_changed.connect(self.update_bar)
        window.chat.sig_budget_changed.connect(self.update_bar)
        bar = window.chat_panel.context_bar
        bar.sig_remove.connect(lambda rel: ctx.remove([rel]))
        bar.sig_action.connect(self.on_action)
        window.chat.sig_summarized.connect(self._on_chat_summarized)
        prompt = window.prompt
        prompt.mention = MentionCompleter(prompt, self._mention_candidates)
        prompt.mention.sig_attach.connect(self._on_mention_attach)

    def summarize(self) -> None:
        older = self.window.chat.older_turns()
        if not older:
            self.window.statusBar().showMessage("Not enough turns to summarise yet.", 5000)
            return
        dialog = SummaryDialog(older, self.window)
        dialog.sig_confirm.connect(self.window.chat.summarize_older)
        self.window.open_dialog(dialog)

    def restore_turns(self) -> None:
        if not self.window.chat.restore_turns():
            self.window.statusBar().showMessage("No summarised turns to restore.", 5000)

    def _on_chat_summarized(self, turns: int) -> None:
        if turns:
            self.window.transcript.add_actions([("Restore the original turns", "restore_turns")])
            self.window.statusBar().showMessage(
                f"{turns} older exchanges are now sent as a summary."
            )
        else:
            self.window.statusBar().showMessage("The original turns are sent again.", 8000)

    def edit_excludes(self) -> None:
        ctx = self.window.controller.context
        dialog = ExcludesDialog(ctx.excludes, self.window)
        dialog.sig_save.connect(ctx.set_excludes)
        self.window.open_dialog(dialog)

    def _mention_candidates(self) -> list[str]:
        ctx = self.window.controller.context
        return [f"{d}/" for d in ctx.folder_totals] + list(ctx.project_counts)

    def _on_mention_attach(self, rel: str) -> None:
        ctx = self.window.controller.context
        if ctx.root is not None:
            ctx.add([ctx.root / rel.rstrip("/")])

    def update_bar(self) -> None:
        ctx = self.window.controller.context
        inst = ctx.instructions
        self.window.chat_panel.context_bar.show_context(
            [(r, a.tokens) for r, a in ctx.files.items()],
            (inst.rel_path, inst.tokens) if inst else None,
            len(self.window.chat.pending_updates),
            self.window.project is not None,
        )

    def on_action(self, action: str) -> None:
        ctx = self.window.controller.context
        if action == "whole_project":
            ctx.add_whole_project()
        elif action == "excludes":
            self.edit_excludes()
        elif action == "clear":
            ctx.remove(list(ctx.files))
        elif action == "rebuild":
            ctx.rebuild()
        elif action == "drop_largest":
            largest = ctx.largest(1)
            if largest:
                ctx.remove([largest[0].rel_path])

    def refuse_overflow(self, text: str) -> bool:
        """True (and the ways out shown) when ``text`` would not fit the context window."""
        overflow = self.overflow_message(text)
        if overflow:
            self.window.transcript.show_error(
                overflow,
                [
                    ("Drop the largest file", "drop_largest"),
                    ("Summarise older turns", "summarize"),
                    ("New chat with the same files", "new_chat"),
                ],
            )
        return bool(overflow)

    def overflow_message(self, text: str) -> str | None:
        """Why ``text`` cannot be sent (it would not fit the window), or None."""
        ctx = self.window.controller.context
        budget = self.window.chat.budget(text, ctx.files_tokens, ctx.instructions_tokens)
        if budget.level != "over":
            return None
        big = ", ".join(f"{a.rel_path} ({a.tokens:,})" for a in ctx.largest(3))
        return (
            f"Not sent: this request would carry {budget.total:,} tokens (with "
            f"{budget.reserved_output:,} reserved for the answer), over the "
            f"{budget.window:,}-token window. Drop files — the largest are {big or 'none'} — "
            "or start a new chat with the same files. Nothing was dropped."
        )
