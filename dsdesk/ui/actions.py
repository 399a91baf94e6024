"""One registry of every user action with its shortcut: menus, the F1 shortcut list and the
command palette all read from here, so a shortcut is defined exactly once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


@dataclass(frozen=True, slots=True)
class ActionSpec:
    id: str
    text: str
    shortcut: str  # portable text, e.g. "Ctrl+Shift+R"; "" for none
    menu: str  # "File", "Chat", "View", "Help"
    description: str = ""


class ActionRegistry:
    def __init__(self, owner: QWidget) -> None:
        self._owner = owner
        self._actions: dict[str, QAction] = {}
        self._specs: dict[str, ActionSpec] = {}

    def add(
        self,
        spec: ActionSpec,
        callback: Callable[[], object],
        *,
        checkable: bool = False,
        window_wide: bool = True,
    ) -> QAction:
        if spec.id in self._actions:
            raise ValueError(f"action {spec.id!r} registered twice")
        action = QAction(spec.text, self._owner)
        action.setObjectName(f"action-{spec.id}")
        if spec.shortcut:
            action.setShortcut(QKeySequence(spec.shortcut))
        # Window-wide shortcuts work whichever child has focus.
        action.setShortcutContext(
            Qt.ShortcutContext.WindowShortcut if window_wide else Qt.ShortcutContext.WidgetShortcut
        )
        action.setCheckable(checkable)
        action.setToolTip(f"{spec.text} ({spec.shortcut})" if spec.shortcut else spec.text)
        if spec.description:
            action.setStatusTip(spec.description)
        if checkable:
            action.toggled.connect(lambda _checked: callback())
        else:
            action.triggered.connect(lambda _checked=False: callback())
        self._owner.addAction(action)
        self._actions[spec.id] = action
        self._specs[spec.id] = spec
        return action

    def action(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def specs(self) -> list[ActionSpec]:
        return list(self._specs.values())

    def menus(self) -> dict[str, list[QAction]]:
        out: dict[str, list[QAction]] = {}
        for action_id, spec in self._specs.items():
            out.setdefault(spec.menu, []).append(self._actions[action_id])
        return out

    def shortcut_text(self, action_id: str) -> str:
        return self._actions[action_id].shortcut().toString(QKeySequence.SequenceFormat.NativeText)

    def apply_overrides(self, overrides: dict[str, str]) -> None:
        """Set user shortcuts (action id -> portable text); others go back to their default."""
        for action_id, spec in self._specs.items():
            text = overrides.get(action_id, spec.shortcut)
            self._actions[action_id].setShortcut(QKeySequence(text))

    def conflicts(self) -> list[tuple[str, str, str]]:
        """(shortcut, action a, action b) for every shortcut used twice."""
        return find_conflicts({i: a.shortcut().toString() for i, a in self._actions.items()})


def find_conflicts(mapping: dict[str, str]) -> list[tuple[str, str, str]]:
    """(shortcut, action a, action b) for every non-empty shortcut used twice in ``mapping``."""
    seen: dict[str, str] = {}
    out: list[tuple[str, str, str]] = []
    for action_id, text in mapping.items():
        key = QKeySequence(text).toString()
        if not key:
            continue
        if key in seen:
            out.append((key, seen[key], action_id))
        seen[key] = action_id
    return out
