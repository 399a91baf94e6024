"""Garbage collection only on the GUI thread.

Python's collector runs in whichever thread happens to allocate. If it frees a Qt object there
(worker threads run Python too: file listings, the demo simulator), the object's destructor runs
on the wrong thread, its timers stay registered with the GUI thread, and the next timer event
crashes the process. So automatic collection is switched off and a timer collects here, on the
GUI thread, when the allocation counts say it is due (the approach qutebrowser takes).

A full collection walks every tracked object (tens of milliseconds in a long session: a visible
stall), so: what exists once the window is up is frozen out of collection (``freeze_startup``),
and a full collection runs at most every ``FULL_EVERY_S`` — CPython itself skips most of them
(it waits until the objects new since the last one are a quarter of all), which a timer cannot
see from the counts — and while an answer streams (``set_busy``), at most every
``FULL_BUSY_S``: the young generations still run, the full one waits until the turn has been
over for ``SETTLE_S`` (not the moment its last answer is shown and read).
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer


class MainThreadGC(QObject):
    # Often: a collection's cost grows with the objects allocated since the last one (a busy
    # second allocates 100k+, and collecting them at once stalled the window ~20 ms).
    INTERVAL_MS = 100
    FULL_EVERY_S = 60.0
    FULL_BUSY_S = 600.0
    SETTLE_S = 5.0

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._was_enabled = gc.isenabled()
        self._last_full = time.monotonic()
        self._busy = False
        self._idle_since = 0.0

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def set_busy(self, busy: bool) -> None:
        """A turn streams (True) or ended (False)."""
        self._busy = busy
        if not busy:
            self._idle_since = time.monotonic()

    def freeze_startup(self) -> None:
        """Collect once, then keep everything alive now (modules, the window's widgets) out of
        later collections."""
        gc.collect()
        gc.freeze()
        self._last_full = time.monotonic()

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def _full_due(self, now: float) -> bool:
        since = now - self._last_full
        if since >= self.FULL_BUSY_S:  # never put off longer than this
            return True
        if self._busy or now - self._idle_since < self.SETTLE_S:
            return False
        return since >= self.FULL_EVERY_S

    def collect_if_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold, like the automatic
        collector would; returns the generation collected, or -1."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        now = time.monotonic()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                if generation == 2:
                    if not self._full_due(now):
                        continue
                    self._last_full = now
                gc.collect(generation)
                return generation
        return -1
