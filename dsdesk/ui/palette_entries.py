"""What the command palette lists: every window action that can run now (with its shortcut, or
the widget key that does the same), one entry per known model and one per reasoning effort."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox

from dsdesk.ui.keys import PREVIEW_CLOSE, TREE_CONTEXT, TREE_OPEN, KeySpec
from dsdesk.ui.palette import PaletteEntry

if TYPE_CHECKING:
    from dsdesk.ui.main_window import MainWindow

EFFORTS = ("high", "max")
# Second keys of an action already listed, and the palette itself.
HIDDEN = frozenset({"palette", "palette_k", "focus_prompt_l"})
# Actions without a window-wide shortcut that a widget key does.
WIDGET_KEY: dict[str, KeySpec] = {
    "tree_open": TREE_OPEN,
    "tree_context": TREE_CONTEXT,
    "close_preview": PREVIEW_CLOSE,
}


def _unavailable(w: MainWindow) -> set[str]:
    """Actions that make no sense right now; the palette leaves them out (their shortcuts stay
    live and say what they could not do)."""
    out = set()
    if w.project is None:
        out |= {"whole_project", "excludes"}
    if not w.controller.context.files:
        out.add("clear_context")
    if not w.chat.pending_updates:
        out.add("rebuild_context")
    if not w.preview.isVisible():
        out.add("close_preview")
    if not w.tree.currentIndex().isValid():
        out |= {"tree_open", "tree_context"}
    return out


def known_models(w: MainWindow) -> list[str]:
    """The current model and the server's list, then the price table's models not already
    there under another id (deepseek-flash is deepseek-v4-flash)."""
    combo = w.chat_panel.model
    found = [w.chat.options.model, *(combo.itemText(i) for i in range(combo.count()))]
    prices = w.chat.prices
    seen = {prices.aliases.get(m, m) for m in found}
    found += [m for m in prices.models if m not in prices.aliases and m not in seen]
    return list(dict.fromkeys(m for m in found if m.strip()))


def palette_entries(w: MainWindow) -> list[PaletteEntry]:
    registry = w.actions_
    out: list[PaletteEntry] = []
    left_out = HIDDEN | _unavailable(w)
    for spec in registry.specs():
        if spec.id in left_out or not registry.action(spec.id).isEnabled():
            continue
        hint = registry.shortcut_text(spec.id)
        key = WIDGET_KEY.get(spec.id)
        if not hint and key is not None:
            hint = f"{key.key_text()} in the {key.where.lower()}"
        text = spec.text.replace("&", "")
        out.append(PaletteEntry(f"action:{spec.id}", text, hint, registry.action(spec.id).trigger))
    panel, options = w.chat_panel, w.chat.options
    for model in known_models(w):
        hint = "current" if model == options.model else ""
        out.append(
            PaletteEntry(f"model:{model}", f"Model: {model}", hint, _setter(panel.model, model))
        )
    for effort in EFFORTS:
        hint = "current" if effort == options.effort else ""
        out.append(
            PaletteEntry(
                f"effort:{effort}", f"Effort: {effort}", hint, _setter(panel.effort, effort)
            )
        )
    return out


def _setter(combo: QComboBox, value: str) -> Callable[[], None]:
    # Through the visible control, so it shows the choice and its usual signal carries it on.
    return lambda: combo.setCurrentText(value)
