"""The main splitter's panes (sidebar, tree, chat, preview) stay usable.

A QSplitter lets a pane collapse to 0 px: by a drag, by ``setSizes`` given 0 for a pane that is
hidden at the time (``sizes()`` reports hidden panes as 0, so "read, change one, write back"
collapses them), or by restoring a state saved like that. A pane at 0 px is open yet shows
nothing and takes keys into an invisible field. So every pane gets a minimum width measured in
characters of its font, no pane is collapsible (Qt then clamps every size it is given, a restored
one included, to that minimum), and showing a pane that has only its minimum (or was never
shown) gives it a comfortable width.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QSplitter, QWidget

__all__ = ["Pane", "SplitterPanes"]


@dataclass(frozen=True, slots=True)
class Pane:
    """One pane's ``minimum`` and ``preferred`` widths, in average characters of its font."""

    widget: QWidget
    minimum: int
    preferred: int

    def px(self, chars: int) -> int:
        return chars * self.widget.fontMetrics().averageCharWidth()


class SplitterPanes:
    def __init__(self, splitter: QSplitter, panes: list[Pane]) -> None:
        self._splitter = splitter
        self._panes = {id(p.widget): p for p in panes}
        self._shown: set[int] = set()  # panes shown this session: their width is theirs
        for pane in panes:
            pane.widget.setMinimumWidth(pane.px(pane.minimum))
        self._not_collapsible()

    def _widgets(self) -> list[QWidget]:
        out = [self._splitter.widget(i) for i in range(self._splitter.count())]
        return [w for w in out if w is not None]

    def _not_collapsible(self) -> None:
        for i in range(self._splitter.count()):
            self._splitter.setCollapsible(i, False)

    def reveal(self, widget: QWidget, width: int = 0) -> None:
        """Show ``widget``. At its first showing, or when it has no more than its minimum
        width, it gets ``width`` (default: its preferred width), taken from the widest pane."""
        first = id(widget) not in self._shown
        self._shown.add(id(widget))
        widget.show()
        self._splitter.refresh()  # sizes() is laid out lazily otherwise
        sizes = self._splitter.sizes()
        i = self._splitter.indexOf(widget)
        if not first and sizes[i] > widget.minimumWidth():
            return  # the width the user left it at
        pane = self._panes.get(id(widget))
        want = max(width or (pane.px(pane.preferred) if pane else 0), widget.minimumWidth())
        widgets = self._widgets()
        others = [j for j, w in enumerate(widgets) if j != i and not w.isHidden()]
        if sizes[i] >= want or not others:
            return
        donor = max(others, key=lambda j: sizes[j])
        floor = _min_width(widgets[donor])
        give = max(0, min(want - sizes[i], sizes[donor] - floor))
        sizes[i] += give
        sizes[donor] -= give
        self._splitter.setSizes(self._kept(sizes))

    def _kept(self, sizes: list[int]) -> list[int]:
        """``sizes`` with hidden panes at the width they were hidden at (their minimum if never
        shown), not the 0 that ``sizes()`` reports for them."""
        out = []
        for w, size in zip(self._widgets(), sizes, strict=True):
            if not w.isHidden():
                out.append(size)
            elif id(w) in self._shown:
                out.append(max(w.width(), _min_width(w)))  # a hidden widget keeps its geometry
            else:
                out.append(_min_width(w))
        return out

    def restore(self, state: QByteArray) -> bool:
        """Restore a saved state; a pane saved narrower than its minimum (older versions let
        panes collapse) comes back at its minimum."""
        ok = self._splitter.restoreState(state)  # clamps: no pane is collapsible yet
        self._not_collapsible()  # restoreState sets collapsibility from the state
        return ok


def _min_width(widget: QWidget) -> int:
    return max(widget.minimumWidth(), widget.minimumSizeHint().width(), 1)
