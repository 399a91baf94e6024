"""The app's asyncio loop: qasync's QEventLoop plus asyncio's async-generator hooks.

qasync does not install ``sys.set_asyncgen_hooks`` as asyncio's own loops do. Without them, an
async generator left suspended (httpcore leaves some after a cancelled stream) is finalised by
the garbage collector outside any loop and fails with "async generator ignored GeneratorExit".
With them, it is closed as a task on this loop, and ``shutdown_asyncgens`` closes the rest.
"""

from __future__ import annotations

import os
import sys
from typing import Any

os.environ.setdefault("QT_API", "pyside6")  # qasync picks its Qt binding from this

import qasync
from PySide6.QtWidgets import QApplication


class AppEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    def run_forever(self) -> Any:
        previous = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(
            firstiter=self._asyncgen_firstiter_hook, finalizer=self._asyncgen_finalizer_hook
        )
        try:
            return super().run_forever()
        finally:
            sys.set_asyncgen_hooks(*previous)

    def _asyncgen_finalizer_hook(self, agen: Any) -> None:
        # A generator keeps the finaliser of the loop it started in; once that loop is closed,
        # qasync's internals are gone and scheduling on it would crash the process.
        if not self.is_closed():
            super()._asyncgen_finalizer_hook(agen)


def new_event_loop(app: QApplication) -> AppEventLoop:
    return AppEventLoop(app)
