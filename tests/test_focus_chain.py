"""Everything in the window is reachable without a mouse: Tab walks a cycle through every
visible control (tree, sidebar, transcript and its links, context list, prompt and its
controls, preview), and Shift+Tab walks the same cycle backwards."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from dsdesk.devserver import Reply
from tests.qt_async import close_window, open_window, run_scenario, wait_until


def _tab_stops(window: QWidget) -> list[QWidget]:
    """Every widget of the window that Tab should reach: visible, enabled, taking Tab focus
    (a focus proxy stands for its owner)."""
    out = []
    for w in window.findChildren(QWidget):
        if not (w.isVisible() and w.isEnabled() and w.window() is window):
            continue
        if w.focusProxy() is not None:
            continue
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            out.append(w)
    return out


def _walk(start: QWidget, key: Qt.Key, limit: int = 200) -> list[QWidget]:
    start.setFocus(Qt.FocusReason.TabFocusReason)
    seen = [QApplication.focusWidget()]
    for _ in range(limit):
        QTest.keyClick(QApplication.focusWidget(), key)
        w = QApplication.focusWidget()
        if w is seen[0]:
            return seen
        seen.append(w)
    raise AssertionError(f"Tab did not come back to {start!r} within {limit} steps")


def test_tab_reaches_every_control_and_shift_tab_walks_back(qloop, sim, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "src").mkdir(parents=True)
    (project / "src" / "app.py").write_text("print('hi')\n")
    sim.enqueue(Reply.text("An answer with a [link](https://example.com) and `code`."))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.open_project(project)
        await wait_until(lambda: window.tree.model().rowCount() > 0)
        window.send_prompt("Hello")
        await wait_until(lambda: not controller.chat.busy)
        controller.context.add([project / "src" / "app.py"])
        await wait_until(lambda: window.chat_panel.context_bar.isVisible())
        window.history_ui.show()
        window._on_tree_open_file(project / "src" / "app.py")
        await wait_until(lambda: window.preview.isVisible())

        panel, sidebar = window.chat_panel, window.history_ui.sidebar
        answer = window.transcript.last_answer()
        assert answer is not None
        forward = _walk(window.prompt, Qt.Key.Key_Tab)
        expected = _tab_stops(window)
        missing = [f"{type(w).__name__}:{w.objectName() or w.accessibleName()}" for w in expected]
        missing = [m for w, m in zip(expected, missing, strict=True) if w not in forward]
        assert not missing, f"not reachable with Tab: {missing}"
        # A cycle, each stop once (a label's links are stops of their own, one after another).
        stops = [w for i, w in enumerate(forward) if i == 0 or w is not forward[i - 1]]
        assert len(set(stops)) == len(stops)
        # In screen order: sidebar, tree, transcript and its messages, context, prompt, preview.
        order = [sidebar.search, sidebar.list, window.tree, panel.context_bar, window.prompt]
        order += [panel.send_button]
        positions = [stops.index(w) for w in order]
        k = positions.index(min(positions))
        rotated = positions[k:] + positions[:k]
        assert rotated == sorted(rotated), [type(stops[i]).__name__ for i in positions]
        first_link = stops.index(answer.tools.change)
        assert stops.index(window.tree) < first_link < stops.index(panel.context_bar)
        for w in (
            window.tree,
            sidebar.search,
            sidebar.list,
            panel.thinking,
            panel.effort,
            panel.send_button,
            panel.context_bar,
        ):
            assert w in forward, w
        assert answer.tools.change in forward and answer.tools.copy in forward
        assert any(window.preview.isAncestorOf(w) for w in forward)

        backward = _walk(window.prompt, Qt.Key.Key_Backtab)
        assert backward[1:] == list(reversed(forward[1:]))
        await close_window(window, controller)

    run_scenario(qloop, scenario())
