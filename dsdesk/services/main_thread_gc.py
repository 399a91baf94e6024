"""Garbage collection only on the GUI thread.

Python's collector runs in whichever thread happens to allocate. If it frees a Qt object there
(worker threads run Python too: file listings, the demo simulator), the object's destructor runs
on the wrong thread, its timers stay registered with the GUI thread, and the next timer event
crashes the process. So automatic collection is switched off and a timer collects here, on the
GUI thread, when the allocation counts say it is due (the approach qutebrowser takes).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGC(QObject):
    INTERVAL_MS = 1000

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def collect_if_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold, like the automatic
        collector would; returns the generation collected, or -1."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        for generation in (2, 1, 0):
            if thresholds[generation] and counts[generation] > thresholds[generation]:
                gc.collect(generation)
                return generation
        return -1
