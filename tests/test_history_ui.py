"""The conversations sidebar: listed newest first, searched, reopened from the keyboard."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton

from dsdesk.devserver import Reply
from dsdesk.ui.history_sidebar import hit_html, plain_snippet
from tests.qt_async import close_window, open_window, run_scenario, wait_until


def test_plain_snippet() -> None:
    assert plain_snippet("a <mark>b</mark> &amp; c") == "a «b» & c"


def test_hit_markup_makes_matches_bold_and_keeps_text_escaped() -> None:
    markup = hit_html("Fix <div>", "# use <mark>pathspec</mark> &lt;here&gt;\n- ok", "you, 2 h ago")
    assert markup.startswith("<b>Fix &lt;div&gt;</b> <small>· you, 2 h ago</small><br>")
    assert 'use <b class="hit">pathspec</b> &lt;here&gt; ok' in markup


def test_sidebar_search_and_reopen(qloop, sim, tmp_path: Path) -> None:
    sim.enqueue(Reply.text("Use a pathspec for ignore rules."))
    sim.enqueue(Reply.text("Tokenizers count exactly."))
    sim.enqueue(Reply.text("Continuing the first one."))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        for prompt in ("How do I ignore files?", "How do I count tokens?"):
            window.send_prompt(prompt)
            await wait_until(lambda: not controller.chat.busy)
            window.new_chat()
        QTest.keyClick(window.prompt, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
        sidebar = window.history_ui.sidebar
        assert sidebar.isVisible()
        titles = [sidebar.list.item(i).text() for i in range(sidebar.list.count())]
        assert titles[0].startswith("How do I count tokens")  # newest first
        QTest.keyClick(
            window.prompt,
            Qt.Key.Key_F,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        assert sidebar.search.hasFocus()
        QTest.keyClicks(sidebar.search, "pathspec")
        assert sidebar.list.count() == 1 and "«pathspec»" in sidebar.list.item(0).text()
        QTest.keyClick(sidebar.search, Qt.Key.Key_Return)
        await wait_until(lambda: "Use a pathspec" in window.transcript.plain_text())
        assert "count tokens" not in window.transcript.plain_text()
        assert [m.role for m in controller.chat.history] == ["user", "assistant"]
        window.send_prompt("And nested ones?")
        await wait_until(lambda: not controller.chat.busy)
        sent = sim.chat_requests[-1].json["messages"]
        assert sent[1]["content"] == "How do I ignore files?"  # the old turns are sent again
        history = controller.history
        assert history is not None
        stored = history.store.thread(history.conversation_id).messages
        assert len(stored) == 4  # appended to the reopened conversation
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_trash_restore_and_export(qloop, sim, tmp_path: Path) -> None:
    from dsdesk.ui.history_sidebar import TrashDialog

    sim.enqueue(Reply.text("Answer to keep.", reasoning="Private thoughts."))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.send_prompt("Keep this")
        await wait_until(lambda: not controller.chat.busy)
        history = controller.history
        assert history is not None and history.conversation_id is not None
        md = history.store.export_markdown(history.conversation_id, reasoning=True)
        assert "Answer to keep." in md and "Private thoughts." in md
        window.history_ui.show()
        sidebar = window.history_ui.sidebar
        assert sidebar.list.count() == 1
        sidebar.list.setFocus()
        QTest.keyClick(sidebar.list, Qt.Key.Key_Delete)
        assert sidebar.list.count() == 0 and "trash" in sidebar.status.text()
        window.history_ui.restore_from_trash()
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), TrashDialog))
        dialog = QApplication.activeModalWidget()
        QTest.keyClick(dialog.list, Qt.Key.Key_Return)
        await wait_until(lambda: sidebar.list.count() == 1)
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_export_name_from_the_title() -> None:
    from dsdesk.ui.history_ui import export_name

    assert export_name("Fix: the SSE decoder — now!", 3) == "fix-the-sse-decoder-now"
    assert export_name("", 7) == "conversation-7"


def test_sidebar_by_mouse_and_keys_and_trashing_the_open_conversation(
    qloop, sim, tmp_path: Path
) -> None:
    from dsdesk.ui.history_sidebar import TrashDialog

    sim.enqueue(Reply.text("First answer."))
    sim.enqueue(Reply.text("Second answer."))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        history = controller.history
        assert history is not None
        window.send_prompt("first conversation")
        await wait_until(lambda: not controller.chat.busy)
        first = history.conversation_id
        window.new_chat()
        window.send_prompt("second conversation")
        await wait_until(lambda: not controller.chat.busy)
        second = history.conversation_id
        window.history_ui.show()
        sidebar = window.history_ui.sidebar
        ids = [sidebar.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(2)]
        assert ids == [second, first]
        assert [i.data(Qt.ItemDataRole.UserRole) for i in sidebar.list.selectedItems()] == [second]

        # One click opens (no double-click rename any more), and the sidebar marks it.
        rect = sidebar.list.visualItemRect(sidebar.list.item(1))
        QTest.mouseClick(sidebar.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        await wait_until(lambda: "First answer." in window.transcript.plain_text())
        assert (
            history.conversation_id == first
            and sidebar.list.state() != sidebar.list.State.EditingState
        )
        assert [i.data(Qt.ItemDataRole.UserRole) for i in sidebar.list.selectedItems()] == [first]

        # Down from the search box walks the results; Enter opens the one reached.
        sidebar.search.setFocus()
        QTest.keyClicks(sidebar.search, "answer")
        assert sidebar.list.count() == 2
        QTest.keyClick(sidebar.search, Qt.Key.Key_Down)
        QTest.keyClick(sidebar.list, Qt.Key.Key_Down)
        target = sidebar.list.currentItem().data(Qt.ItemDataRole.UserRole)
        assert sidebar.list.currentRow() == 1 and target != history.conversation_id
        QTest.keyClick(sidebar.list, Qt.Key.Key_Return)
        await wait_until(lambda: history.conversation_id == target)
        # Esc in the search box clears it, a second Esc goes back to the prompt.
        sidebar.search.setFocus()
        QTest.keyClick(sidebar.search, Qt.Key.Key_Escape)
        assert sidebar.search.text() == "" and sidebar.search.hasFocus()
        QTest.keyClick(sidebar.search, Qt.Key.Key_Escape)
        assert window.prompt.hasFocus()

        # Trashing the open conversation leaves it: new turns must not go somewhere unseen.
        title = history.store.conversation(target).title
        window.actions_.action("trash_conversation").trigger()
        assert history.conversation_id is None and window.transcript.plain_text() == ""
        assert "trash" in window.statusBar().currentMessage()
        window.history_ui.restore_from_trash()
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), TrashDialog))
        dialog = QApplication.activeModalWidget()
        assert f"{title}\ndeleted 1 min ago · removed for good in 30 d" in (
            dialog.list.item(0).text()
        )
        restore = [b for b in dialog.findChildren(QPushButton) if b.text() == "&Restore"]
        QTest.mouseClick(restore[0], Qt.MouseButton.LeftButton)
        await wait_until(lambda: sidebar.list.count() == 2)
        await close_window(window, controller)

    run_scenario(qloop, scenario())
