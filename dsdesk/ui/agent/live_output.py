"""Coalescing a running call's output (docs/ARCHITECTURE.md §6): pieces go to a pending list
that one single-shot timer flushes at most every ``interval_ms``; each flush is cleaned of
escape sequences, kept in a bounded ``OutputBuffer`` and announced once."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from dsdesk.ui.agent.output_buffer import OutputBuffer, clean_output

__all__ = ["LiveOutput"]


class LiveOutput(QObject):
    sig_flushed = Signal(str)
    """(text) the cleaned output of one flush, already kept in ``buffer``."""

    def __init__(self, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.buffer = OutputBuffer()
        self.flushes = 0  # flushes so far: coalescing is observable
        self._pending: list[str] = []
        self._carry = ""  # an escape sequence cut at the end of the last flush
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    def append(self, text: str) -> None:
        self._pending.append(text)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Clean, keep and announce everything pending, now."""
        self._timer.stop()
        if not self._pending:
            return
        self.flushes += 1
        text, self._carry = clean_output("".join(self._pending), self._carry)
        self._pending.clear()
        if text:
            self.buffer.append(text)
            self.sig_flushed.emit(text)

    def _on_timer_timeout(self) -> None:
        self.flush()
