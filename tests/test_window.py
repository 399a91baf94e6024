"""The real main window, driven from the keyboard against the simulator over loopback."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from dsdesk.config.settings import Settings
from dsdesk.devserver import Reply, Simulator
from dsdesk.services.controller import AppController
from dsdesk.ui.main_window import MainWindow
from tests.qt_async import close_window, open_window, run_scenario, wait_until


@dataclass
class Env:
    sim: Simulator
    window: MainWindow
    controller: AppController


async def opened(tmp_path: Path) -> tuple[MainWindow, AppController]:
    window, controller = await open_window(tmp_path, Settings(max_tokens=4096))
    window.prompt.setFocus()
    return window, controller


async def close(window: MainWindow, controller: AppController) -> None:
    await close_window(window, controller)
    assert controller.tasks.active == []
    await asyncio.sleep(0.02)


def type_and_send(window: MainWindow, text: str) -> None:
    QTest.keyClicks(window.prompt, text)
    QTest.keyClick(window.prompt, Qt.Key.Key_Return)


def test_prompt_streams_reasoning_and_answer_and_meter_shows_usage(qloop, sim, tmp_path) -> None:
    sim.enqueue(Reply.text("The answer is **42**.", reasoning="Let me think about it."))

    async def scenario() -> None:
        window, controller = await opened(tmp_path)
        type_and_send(window, "What is the answer?")
        assert window.prompt.toPlainText() == ""
        await wait_until(lambda: controller.chat.busy is False and controller.chat.history)
        window.transcript.flush()
        assert "The answer is 42." in window.transcript.answer_text()
        assert "Let me think about it." in window.transcript.reasoning_text()
        assert "What is the answer?" in window.transcript.plain_text()
        sent = sim.chat_requests[-1].json
        assert sent["messages"][-1] == {"role": "user", "content": "What is the answer?"}
        assert sent["max_tokens"] == 4096
        # The meter now builds on the server's own count of the last request.
        await wait_until(lambda: window.meter.server_tokens is not None)
        assert window.meter.server_tokens == controller.chat.stats.cache_hit + (
            controller.chat.stats.cache_miss
        )
        assert f"{window.meter.server_tokens:,}" in window.meter.toolTip()
        assert "Session $" in window.cost_label.text()
        await close(window, controller)

    run_scenario(qloop, scenario())


def test_escape_mid_stream_keeps_the_partial_answer(qloop, sim, tmp_path) -> None:
    sim.enqueue(Reply.text("word " * 2000, chunk_size=5, chunk_delay=0.005))

    async def scenario() -> None:
        window, controller = await opened(tmp_path)
        type_and_send(window, "long please")
        await wait_until(lambda: len(window.transcript.answer_text()) > 40)
        QTest.keyClick(window.prompt, Qt.Key.Key_Escape)
        await wait_until(lambda: not controller.chat.busy)
        window.transcript.flush()
        partial = window.transcript.answer_text()
        assert partial.startswith("word word") and len(partial) < len("word " * 2000)
        assert "stopped" in window.transcript.plain_text()
        assert controller.chat.history[-1].content.startswith("word word")
        assert await asyncio.to_thread(sim.wait_for_idle, 3.0)
        await close(window, controller)

    run_scenario(qloop, scenario())


def test_ctrl_t_switches_thinking_in_the_request(qloop, sim, tmp_path) -> None:
    async def scenario() -> None:
        window, controller = await opened(tmp_path)
        assert window.chat_panel.thinking.isChecked()
        type_and_send(window, "one")
        await wait_until(lambda: len(controller.chat.history) == 2)
        QTest.keyClick(window.prompt, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
        assert not window.chat_panel.thinking.isChecked()
        assert not window.chat_panel.effort.isEnabled()
        type_and_send(window, "two")
        await wait_until(lambda: len(controller.chat.history) == 4)
        first, second = (r.json for r in sim.chat_requests)
        assert first["thinking"] == {"type": "enabled"} and "reasoning_effort" in first
        assert second["thinking"] == {"type": "disabled"} and "reasoning_effort" not in second
        assert "non-thinking" in window.transcript.plain_text()
        await close(window, controller)

    run_scenario(qloop, scenario())


def test_402_shows_the_balance_message_with_actions(qloop, sim, tmp_path) -> None:
    sim.enqueue(Reply.error(402))

    async def scenario() -> None:
        window, controller = await opened(tmp_path)
        type_and_send(window, "hello")
        await wait_until(lambda: "balance is used up" in window.transcript.plain_text())
        assert "platform.deepseek.com" in window.transcript.plain_text()
        assert controller.chat.history == ()  # a failed exchange is not in the conversation
        await close(window, controller)

    run_scenario(qloop, scenario())


def test_closing_mid_stream_leaves_no_task_thread_or_socket(qloop, sim, tmp_path) -> None:
    sim.enqueue(Reply.text("slow " * 5000, chunk_size=5, chunk_delay=0.01))
    threads_before = threading.active_count()

    async def scenario() -> None:
        tasks_before = asyncio.all_tasks()
        window, controller = await opened(tmp_path)
        type_and_send(window, "go")
        await wait_until(lambda: len(window.transcript.answer_text()) > 20)
        window.close()
        await controller.shutdown()
        assert controller.tasks.active == []
        await wait_until(lambda: asyncio.all_tasks() <= tasks_before, within=2)
        assert await asyncio.to_thread(sim.wait_for_idle, 3.0)

    run_scenario(qloop, scenario())
    assert threading.active_count() <= threads_before


def test_keyboard_focus_recall_new_chat_and_shortcut_list(qloop, sim, tmp_path) -> None:
    async def scenario() -> None:
        window, controller = await opened(tmp_path)
        type_and_send(window, "first prompt")
        await wait_until(lambda: not controller.chat.busy and controller.chat.history)
        QTest.keyClick(window.prompt, Qt.Key.Key_Up)
        assert window.prompt.toPlainText() == "first prompt"
        window.prompt.clear()
        QTest.keyClicks(window.prompt, "a")
        QTest.keyClick(window.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
        QTest.keyClicks(window.prompt, "b")
        assert window.prompt.toPlainText() == "a\nb"
        for key, widget in (
            (Qt.Key.Key_1, window.tree),
            (Qt.Key.Key_2, window.transcript),
            (Qt.Key.Key_3, window.prompt),
        ):
            QTest.keyClick(QApplication.focusWidget(), key, Qt.KeyboardModifier.ControlModifier)
            focus = QApplication.focusWidget()
            assert focus is widget or widget.isAncestorOf(focus), (key, focus)
        QTest.keyClick(window.prompt, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        assert controller.chat.history == ()
        assert "first prompt" not in window.transcript.plain_text()
        QTest.keyClick(window.prompt, Qt.Key.Key_F1)
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), QDialog))
        dialog = QApplication.activeModalWidget()
        texts = {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
        assert {"Stop answer", "New chat", "Toggle thinking", "Keyboard shortcuts"} <= texts
        dialog.close()
        assert window.actions_.conflicts() == []
        await close(window, controller)

    run_scenario(qloop, scenario())


def test_first_start_without_key_offers_settings_and_demo(qloop, tmp_path, monkeypatch) -> None:
    async def scenario() -> None:
        window, controller = await opened(tmp_path)
        assert not controller.has_key
        assert window.chat_panel.welcome.isVisible()
        type_and_send(window, "hello")
        assert "No API key yet" in window.transcript.plain_text()
        with Simulator() as demo:
            controller.use_demo_server(demo.base_url)
            assert not window.chat_panel.welcome.isVisible()
            window.prompt.clear()
            type_and_send(window, "hello demo")
            await wait_until(lambda: not controller.chat.busy and controller.chat.history)
            window.transcript.flush()
            assert "hello demo" in window.transcript.answer_text()
            await close(window, controller)

    run_scenario(qloop, scenario())


def test_geometry_and_splitter_are_restored(qloop, sim, tmp_path) -> None:
    async def scenario() -> None:
        window, controller = await opened(tmp_path)
        # Smaller than the offscreen screen (800×800), which clamps restored geometry.
        window.resize(700, 600)
        window.splitter.setSizes([0, 250, 450, 0])  # sidebar, tree, chat, preview
        await asyncio.sleep(0.05)
        saved = window.splitter.sizes()
        assert saved[1] > 150
        await close(window, controller)
        again, controller2 = await opened(tmp_path)
        assert (again.width(), again.height()) == (700, 600)
        await asyncio.sleep(0.05)
        assert again.splitter.sizes() == saved
        await close(again, controller2)

    run_scenario(qloop, scenario())


def test_twenty_thousand_void_qt_calls_do_not_crash(qapp) -> None:
    """PySide6 6.12.0 aborts Python 3.11 after a few thousand of these (docs/ARCHITECTURE.md §7)."""
    label = QLabel()
    for i in range(20_000):
        label.setText(str(i))
    assert label.text() == "19999"


def test_main_thread_gc_collects_only_when_due(qapp) -> None:
    import gc

    from dsdesk.services.main_thread_gc import MainThreadGC

    collector = MainThreadGC()
    collector.start()
    try:
        assert not gc.isenabled()
        gc.collect()
        assert collector.collect_if_due() == -1  # nothing allocated since
        junk = [[] for _ in range(gc.get_threshold()[0] + 10)]
        assert collector.collect_if_due() >= 0
        del junk
    finally:
        collector.stop()
    gc.disable()  # the test session keeps automatic collection off (conftest)


def test_tree_enter_opens_preview_and_escape_returns(qloop, sim, tmp_path) -> None:
    project = tmp_path / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "hello.py").write_text("def hello():\n    return 'hi'\n")
    (project / ".gitignore").write_text("build/\n")
    (project / "build").mkdir()

    async def scenario() -> None:
        window, controller = await opened(tmp_path)
        window.open_project(project)
        assert window.windowTitle().startswith("proj")
        QTest.keyClick(window.prompt, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
        assert window.tree.hasFocus()
        target = (project / "pkg" / "hello.py").resolve()
        assert window.tree.select_path(target)
        await wait_until(lambda: window.tree.current_path() == target)
        QTest.keyClick(window.tree, Qt.Key.Key_Return)
        await wait_until(lambda: "return 'hi'" in window.preview.text())
        assert window.preview.isVisible()
        names = window.tree.project_model()
        assert names.rowCount() == 2  # pkg/ and .gitignore; build/ is ignored
        window.preview.setFocus()
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
        await wait_until(lambda: not window.preview.isVisible())
        await close(window, controller)

    run_scenario(qloop, scenario())


def test_models_balance_meter_and_continue_after_length(qloop, sim, tmp_path) -> None:
    sim.enqueue(Reply.text("a long answer that gets cut", finish_reason="length"))
    sim.enqueue(Reply.text(" and the rest."))

    async def scenario() -> None:
        window, controller = await opened(tmp_path)
        controller.client.refresh_account()
        await wait_until(lambda: window.chat_panel.model.count() >= 3)
        models = [window.chat_panel.model.itemText(i) for i in range(3)]
        assert "deepseek-flash" in models
        assert window.chat_panel.model.currentText() == "deepseek-v4-pro"
        await wait_until(lambda: window.balance_label.text() == "Balance USD 110.00")
        empty = window.meter.budget.total
        QTest.keyClicks(window.prompt, "the quick brown fox " * 20)
        await wait_until(lambda: window.meter.budget.total > empty + 50)
        assert window.meter.budget.prompt > 50
        QTest.keyClick(window.prompt, Qt.Key.Key_Return)
        await wait_until(lambda: not controller.chat.busy and controller.chat.history)
        await wait_until(lambda: "Continue" in window.transcript.plain_text())
        QTest.keyClick(
            window.prompt,
            Qt.Key.Key_Return,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        await wait_until(lambda: len(sim.chat_requests) == 2 and not controller.chat.busy)
        second = sim.chat_requests[1].json["messages"]
        assert second[-2]["content"] == "a long answer that gets cut"
        assert second[-1]["content"].startswith("Continue exactly where")
        await close(window, controller)

    run_scenario(qloop, scenario())


def test_401_points_to_settings(qloop, sim, tmp_path) -> None:
    sim.enqueue(Reply.error(401))

    async def scenario() -> None:
        window, controller = await opened(tmp_path)
        type_and_send(window, "hello")
        await wait_until(lambda: "API key was rejected" in window.transcript.plain_text())
        assert "Open settings" in window.transcript.plain_text()
        window.transcript.sig_action.emit("settings")
        await wait_until(lambda: QApplication.activeModalWidget() is not None)
        QApplication.activeModalWidget().close()
        await close(window, controller)

    run_scenario(qloop, scenario())


def test_escape_from_the_tree_closes_the_preview_and_the_header_is_project_relative(
    qloop, sim, tmp_path
) -> None:
    project = tmp_path / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "hello.py").write_text("def hello():\n    return 'hi'\n")

    async def scenario() -> None:
        window, controller = await opened(tmp_path)
        window.open_project(project)
        window.tree.setFocus()
        target = window.project / "pkg" / "hello.py"
        assert window.tree.select_path(target)
        await wait_until(lambda: window.tree.current_path() == target)
        QTest.keyClick(window.tree, Qt.Key.Key_Return)
        await wait_until(lambda: "return 'hi'" in window.preview.text())
        assert window.tree.hasFocus()  # Enter keeps the keyboard in the tree
        assert window.preview._title.text() == "pkg/hello.py"
        assert window.preview.close_button.isVisible()
        QTest.keyClick(window.tree, Qt.Key.Key_Z, Qt.KeyboardModifier.AltModifier)
        assert window.preview.wraps()  # the wrap key works from the tree too
        QTest.keyClick(window.tree, Qt.Key.Key_Escape)
        await wait_until(lambda: not window.preview.isVisible())
        assert window.tree.hasFocus()
        # With no preview open, Esc in the tree still does what it did (nothing to stop).
        QTest.keyClick(window.tree, Qt.Key.Key_Escape)
        assert window.tree.hasFocus() and not window.preview.isVisible()
        await close(window, controller)

    run_scenario(qloop, scenario())
