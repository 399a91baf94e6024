"""Keeping only what is near the screen built: a transcript of hundreds of agent steps holds a
thousand entries, and a built answer costs ~190 kB and a command's card ~250 kB of widgets.

An entry far from the viewport (three screens away) is *parked*: replaced in the column by a
``Parked`` stand-in of the same height that keeps only the state to build it again (text,
status, what was expanded). When the view comes within a screen and a half of a stand-in, the
entry is built back, a few at a time so one event never holds the GUI thread long, nearest
first. Scrolling, the scroll bar's range and Tab order all stay as if every entry were built.

Only finished entries with no keyboard focus are parked (an entry's class says what it can
rebuild with ``snapshot()``: None when it cannot now); the streaming answer never is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from dsdesk.ui.transcript_column import EntryColumn
from dsdesk.ui.transcript_style import Theme

__all__ = ["EntryState", "Parked", "Parking"]

_NEAR = 1.5  # screens either side of the viewport: stand-ins there are built
_FAR = 3.0  # screens: built entries farther than this are parked
_BUDGET_S = 0.004  # building and parking per event-loop turn; the rest on the next one
LAZY_MS = 250


class EntryState(Protocol):
    """What a parked entry keeps: enough to build it again as it was."""

    kind: str  # "user", "answer" or "card"

    @property
    def ref_id(self) -> int | None:
        """The stored message it shows (prompts and answers), for ``message(id)``."""
        ...

    def build(self, theme: Theme, parent: QWidget) -> QWidget: ...


class Parked(QWidget):
    """A stand-in for an entry off screen: its height, its text, how to build it again."""

    def __init__(self, state: EntryState, height: int, plain: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.state = state
        self._plain = plain
        self.setFixedHeight(height)

    def plain_text(self) -> str:
        return self._plain


class Parking(QObject):
    """Parks and builds back the entries of a transcript column as the view moves.

    ``entries`` is the transcript's own list (entries and stand-ins, in column order), changed
    here in place; ``keep()`` gives the entries that must stay built (the streaming answer,
    the last prompt); ``built(entry)`` wires a rebuilt entry in (signals, keys, Tab order).
    """

    def __init__(
        self,
        scroll: QScrollArea,
        column: EntryColumn,
        entries: list[QWidget],
        theme: Callable[[], Theme],
        keep: Callable[[], Collection[QWidget | None]],
        built: Callable[[QWidget], None],
    ) -> None:
        super().__init__(scroll)
        self._scroll, self._column, self._entries = scroll, column, entries
        self._theme, self._keep, self._built = theme, keep, built
        self.enabled = True
        self.keep_built = 60  # entries: a transcript this short is never parked (one reopened)
        # A turn of the event loop also lays out and paints what was built: 4 ms of building
        # leaves room for both within a frame. Each pass does at least one entry, so a pass
        # always makes progress, however slow the machine (0: one entry a pass, for tests).
        self.budget_s = _BUDGET_S
        self.parked_total = 0  # entries parked so far (for tests and the bench)
        self.built_total = 0
        self._parked: set[Parked] = set()  # the stand-ins in the column now
        self.passes = 0  # looks at the view that went through the entries
        self._anchor: tuple[QWidget, int] | None = None  # keeps the view still while building
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.update)

    def schedule(self, lazy: bool = False) -> None:
        """Look at the view on the next event-loop turn; ``lazy``: within ``LAZY_MS`` (the
        transcript grew under a view that follows its bottom, where every entry is built: a
        pass per growth, ~3 ms at 500 steps, ran several times a second while streaming)."""
        if not self.enabled:
            return
        if not lazy:
            self._timer.start(0)  # also brings a lazy look forward
        elif not self._timer.isActive():
            self._timer.start(LAZY_MS)

    def pending(self) -> bool:
        return self._timer.isActive()

    def built_count(self) -> int:
        return len(self._entries) - len(self._parked)

    def forget(self, entry: QWidget) -> None:
        """``entry`` was taken out of the column (the transcript cleared)."""
        self._parked.discard(entry)

    # -- the window ------------------------------------------------------------------------------

    def update(self) -> None:
        """Build what is near the viewport, park what is far from it."""
        body = self._scroll.widget()
        if not self.enabled or body is None or not self._scroll.isVisible():
            return
        if not self._column.is_enabled():  # entries are being added: look again afterwards
            self._timer.start(0)
            return
        start = time.perf_counter()  # the budget counts this pass's layout and walk too
        self._column.activate()  # geometry of entries just added
        self.passes += 1
        vbar = self._scroll.verticalScrollBar()
        top, height = vbar.value(), max(1, self._scroll.viewport().height())
        near = (top - _NEAR * height, top + height + _NEAR * height)
        far = (top - _FAR * height, top + height + _FAR * height)
        to_build: list[tuple[float, int]] = []  # (distance from the view, index)
        to_park: list[int] = []
        keep = self._keep()
        park = self.built_count() > self.keep_built
        for page_y, page_h, first, n in self._column.spans():
            entries = self._entries[first : first + n]
            if (page_y + page_h < near[0] or page_y > near[1]) and (
                not park or all(isinstance(e, Parked) for e in entries)
            ):
                continue  # nothing to build here, nothing left to park
            for i, entry in enumerate(entries, first):
                y, h = page_y + entry.y(), entry.height()
                if isinstance(entry, Parked):
                    if y + h >= near[0] and y <= near[1]:
                        to_build.append((min(abs(y - top), abs(y + h - top)), i))
                elif park and (y + h < far[0] or y > far[1]) and h > 0 and entry not in keep:
                    to_park.append(i)
        if not to_build and not to_park:
            return
        # Disabled, the column is laid out once, on the request queued for the event loop, not
        # once per widget swapped (see TranscriptView.layout_deferred).
        self._column.set_enabled(False)
        try:
            if to_build:
                self._anchor = self._top_entry(top)
            built, done = self._build_nearest(sorted(to_build), start)
            # As many parked as built at least: scrolling on builds in every pass, and the
            # entries it leaves behind must not pile up built (nor one that cannot be parked
            # stop it for good: at least one is parked when nothing was built).
            done = self._park_far(to_park, start, at_least=max(built, 1)) and done
        finally:
            self._column.set_enabled(True)
        if not done:
            self._timer.start(0)  # the rest on the next turn (not LAZY_MS: start() alone keeps it)

    def restore_anchor(self) -> None:
        """After a layout pass: entries built above the view changed the heights over it; keep
        what was at the top of the view where it was."""
        anchor, self._anchor = self._anchor, None
        if anchor is not None and anchor[0] in self._entries:
            top = self._column.top_of(anchor[0])
            self._scroll.verticalScrollBar().setValue(top - anchor[1])

    def build_at(self, index: int) -> QWidget:
        """Build the entry at ``index`` now if it is parked (a search hit, the last prompt)."""
        entry = self._entries[index]
        if isinstance(entry, Parked):
            entry = self._build(index, entry)
        return entry

    # -- internals -------------------------------------------------------------------------------

    def _top_entry(self, top: int) -> tuple[QWidget, int] | None:
        for page_y, page_h, first, n in self._column.spans():
            if page_y + page_h <= top:
                continue
            for entry in self._entries[first : first + n]:
                y = page_y + entry.y()
                if y + entry.height() > top:
                    return entry, y - top
        return None

    def _over_budget(self, start: float) -> bool:
        return time.perf_counter() - start >= self.budget_s

    def _build_nearest(self, order: Sequence[tuple[float, int]], start: float) -> tuple[int, bool]:
        """Build parked entries, nearest first, within the budget (at least one): how many,
        and whether that was all of them."""
        for n, (_distance, i) in enumerate(order):
            if n and self._over_budget(start):
                return n, False
            entry = self._entries[i]
            if isinstance(entry, Parked):
                self._build(i, entry)
        return len(order), True

    def _park_far(self, indices: Sequence[int], start: float, at_least: int) -> bool:
        """Park these entries, at least ``at_least`` of them, more within what is left of the
        budget: whether that was all of them. An entry that cannot be parked now is skipped
        and not counted: a pass must not spend itself on it again and again."""
        focus = QApplication.focusWidget()
        parked = 0
        for i in indices:
            if parked >= at_least and self._over_budget(start):
                return False
            parked += self._park(i, self._entries[i], focus)
        return True

    def _park(self, i: int, entry: QWidget, focus: QWidget | None) -> bool:
        snapshot = getattr(entry, "snapshot", None)
        if snapshot is None:
            return False
        if focus is not None and (focus is entry or entry.isAncestorOf(focus)):
            return False
        state: EntryState | None = snapshot()
        if state is None:
            return False
        plain = entry.plain_text()  # type: ignore[attr-defined]
        parked = Parked(state, entry.height(), plain, entry.parentWidget() or entry)
        self._swap(i, entry, parked)
        self._parked.add(parked)
        self.parked_total += 1
        return True

    def _build(self, i: int, parked: Parked) -> QWidget:
        parent = parked.parentWidget()
        assert parent is not None
        entry = parked.state.build(self._theme(), parent)
        self._swap(i, parked, entry)
        self._parked.discard(parked)
        self._built(entry)
        self.built_total += 1
        return entry

    def _swap(self, i: int, old: QWidget, new: QWidget) -> None:
        self._column.replace(old, new)
        self._entries[i] = new
        old.hide()
        old.deleteLater()
        new.show()
