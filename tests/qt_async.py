"""pytest-qt has no qasync support: tests run their scenario as a coroutine on a qasync loop
over pytest-qt's QApplication, and wait with ``wait_until`` (which yields to the loop)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

os.environ.setdefault("QT_API", "pyside6")

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from dsdesk.services.event_loop import new_event_loop


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    qapp.setQuitOnLastWindowClosed(False)  # as in the app: the scenario decides when to stop
    loop = new_event_loop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    asyncio.set_event_loop(None)


def run_scenario(
    loop: qasync.QEventLoop, coro: Coroutine[Any, Any, Any], timeout: float = 30
) -> Any:
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


async def wait_until(predicate: Callable[[], object], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.01)


async def open_window(tmp_path: Any, settings: Any = None) -> tuple[Any, Any]:
    """The real main window over a fresh controller, shown and active."""
    from dsdesk.config.settings import Settings
    from dsdesk.services.controller import AppController
    from dsdesk.ui.main_window import MainWindow
    from dsdesk.ui.ui_state import UiState

    controller = AppController(settings if settings is not None else Settings())
    window = MainWindow(controller, UiState(tmp_path / "ui.ini"))
    window.show()
    window.activateWindow()
    await wait_until(lambda: QApplication.activeWindow() is window)
    return window, controller


async def close_window(window: Any, controller: Any) -> None:
    """Close as the app does: shut the services down, delete the window in Qt's loop."""
    window.close()
    await controller.shutdown()
    window.deleteLater()
