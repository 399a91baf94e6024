"""Run short blocking jobs (folder listings, file reads) off the GUI thread.

One process-wide pool and one bridge QObject that is never deleted: a worker only ever touches the
bridge, never the widget that asked, so a widget may be deleted while its job runs. The result is
handed back on the GUI thread (queued signal) and dropped if the owner's C++ object is gone.
"""

from __future__ import annotations

import logging
import types
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

__all__ = ["shutdown", "submit"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# Listings are mostly waiting on the disk; two threads keep a slow folder from holding up others
# without flooding a spinning disk with seeks.
_MAX_THREADS = 2


@dataclass(slots=True)
class _Done:
    # Weak references only: the last reference to a widget must never be dropped on a worker
    # thread, which would delete it there.
    owner: weakref.ref[QObject]
    on_done: Callable[[], Callable[[Any], None] | None]
    result: Any


class _Bridge(QObject):
    sig_done = Signal(object)  # (_Done) a finished job, emitted from a worker thread

    def __init__(self) -> None:
        super().__init__()
        self.pool = QThreadPool()
        self.pool.setMaxThreadCount(_MAX_THREADS)
        # Receiver lives in the GUI thread, emitter in a worker: Qt queues the call.
        self.sig_done.connect(self._on_self_done)

    def _on_self_done(self, done: _Done) -> None:
        owner = done.owner()
        callback = done.on_done()
        if owner is not None and callback is not None and shiboken6.isValid(owner):
            callback(done.result)


class _Job(QRunnable):
    def __init__(
        self, bridge: _Bridge, owner: QObject, fn: Callable[[], T], on_done: Callable[[T], None]
    ) -> None:
        super().__init__()
        self._bridge = bridge
        self._owner = weakref.ref(owner)
        self._fn = fn
        self._on_done: Callable[[], Callable[[Any], None] | None]
        if isinstance(on_done, types.MethodType):
            self._on_done = weakref.WeakMethod(on_done)
        else:
            self._on_done = lambda: on_done

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception:  # a bug in a job must not kill the pool thread silently
            log.exception("background job failed")
            return
        self._bridge.sig_done.emit(_Done(self._owner, self._on_done, result))


_bridge: _Bridge | None = None


def submit(owner: QObject, fn: Callable[[], T], on_done: Callable[[T], None]) -> None:
    """Run ``fn()`` on a worker thread, then ``on_done(result)`` on the GUI thread if ``owner``
    still exists. ``fn`` must not touch Qt widgets. Call from the GUI thread."""
    global _bridge
    if _bridge is None:
        _bridge = _Bridge()
    _bridge.pool.start(_Job(_bridge, owner, fn, on_done))


def shutdown(timeout_ms: int = 5000) -> bool:
    """Drop queued jobs and wait for running ones (for the app's orderly exit)."""
    if _bridge is None:
        return True
    _bridge.pool.clear()
    return _bridge.pool.waitForDone(timeout_ms)
