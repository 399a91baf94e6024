"""Start the GUI: one QApplication, one qasync event loop, orderly shutdown.

On Python 3.11 the loop is started with ``asyncio.Runner(loop_factory=...)``
(docs/ARCHITECTURE.md §7; the loop adds asyncio's async-generator hooks to qasync's, see
services/event_loop.py), and shutdown (cancel tasks, close the HTTP client) happens inside the
main coroutine, before it returns — not from ``aboutToQuit``, when the loop may already be gone.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from dsdesk import __version__
from dsdesk.config.settings import load_settings
from dsdesk.core.memory import limit_malloc_arenas
from dsdesk.llm.tls import warm_up as warm_up_tls
from dsdesk.services.controller import AppController
from dsdesk.services.event_loop import new_event_loop
from dsdesk.services.main_thread_gc import MainThreadGC
from dsdesk.ui import file_tree_jobs as file_jobs
from dsdesk.ui.main_window import MainWindow
from dsdesk.ui.theme import apply_theme
from dsdesk.ui.ui_state import UiState


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv or sys.argv[:1])
    app.setApplicationName("dsdesk")
    app.setApplicationDisplayName("dsdesk")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("dsdesk")
    app.setQuitOnLastWindowClosed(False)  # the main coroutine decides when to stop
    icon = Path(__file__).parent / "data" / "dsdesk.svg"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


async def run_window(
    app: QApplication, project: str | None, demo: bool = False, smoke_test: bool = False
) -> int:
    settings, problems = load_settings()
    apply_theme(app, settings.theme)
    collector = MainThreadGC(app)
    collector.start()
    controller = AppController(settings)
    controller.preload_tokenizer()
    ui_state = UiState()
    window = MainWindow(controller, ui_state)
    window.chat.sig_busy_changed.connect(collector.set_busy)
    closed = asyncio.Event()
    window.sig_closed.connect(closed.set)
    simulator = None

    def start_demo() -> None:
        nonlocal simulator
        if simulator is None:
            from dsdesk.devserver import Simulator  # only the demo needs it

            simulator = Simulator(demo=True).start()
        controller.use_demo_server(simulator.base_url)

    window.sig_demo_requested.connect(start_demo)
    app.styleHints().colorSchemeChanged.connect(
        lambda _scheme: apply_theme(app, controller.settings.theme)
    )
    path = Path(project) if project else ui_state.last_project
    if path is not None and path.is_dir():
        window.open_project(path)
    window.show()
    extra = [p for p in (controller.price_problem, controller.history_problem) if p]
    for problem in problems + extra:
        window.statusBar().showMessage(f"Settings: {problem}", 10000)
    if demo:
        start_demo()
    else:
        controller.client.refresh_account()
    window.prompt.setFocus()
    QTimer.singleShot(0, collector.freeze_startup)  # once the window is built and shown
    if smoke_test:
        # Start-up probe for benchmarks and packaging checks: report once painted, then close.
        def shown() -> None:
            print(f"dsdesk: window shown at {time.time():.6f}", flush=True)
            window.close()

        QTimer.singleShot(0, shown)
    try:
        await closed.wait()
    finally:
        await controller.shutdown()
        file_jobs.shutdown()  # file listings and previews still being read
        if simulator is not None:
            simulator.stop()
        window.deleteLater()
        collector.stop()
    return 0


# A worker running Python (grep, a request being encoded) keeps the GIL until another thread
# has waited this long, and the GUI thread takes it many times a frame (5 ms by default). At
# 0.1 ms, building 200 labels next to a busy worker took 8.5 ms instead of 10.2 at 1 ms (15.6
# worst), and the worker lost 5% of its speed (bench figures in ARCHITECTURE §6).
GIL_SWITCH_S = 0.0001


def prepare_process() -> None:
    """Process-wide set-up, before any thread starts (see core/memory.py and llm/tls.py)."""
    limit_malloc_arenas()
    sys.setswitchinterval(GIL_SWITCH_S)
    # Token counting (Rust, without the GIL) would take every core, the GUI thread's too: on a
    # two-core machine the window stalled while a folder's files were counted.
    os.environ.setdefault("RAYON_NUM_THREADS", str(max(1, (os.cpu_count() or 2) - 1)))
    warm_up_tls()


def run_gui(project: str | None = None, demo: bool = False, smoke_test: bool = False) -> int:
    prepare_process()
    app = make_app()
    with asyncio.Runner(loop_factory=lambda: new_event_loop(app)) as runner:
        return runner.run(run_window(app, project, demo, smoke_test))
