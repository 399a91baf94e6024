"""Versions: edit an earlier prompt and resend, regenerate an answer, switch with ‹ ›, copy.
Nothing is replaced; every version stays in the store and can be shown again."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from dsdesk.devserver import Reply, Simulator
from dsdesk.services.history import conversation_turns
from dsdesk.store import Store, StoredMessage
from tests.qt_async import close_window, open_window, run_scenario, wait_until

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def _msg(mid: int, role: str, content: str, status: str = "done") -> StoredMessage:
    return StoredMessage(mid, 1, None, role, content, None, status, None, None, None, None, None)  # type: ignore[arg-type]


def test_conversation_turns_leave_out_what_the_live_chat_leaves_out() -> None:
    stored = [
        _msg(1, "user", "q1"),
        _msg(2, "assistant", "a1"),
        _msg(3, "user", "q2"),
        _msg(4, "assistant", "", "error"),  # failed: not part of the conversation
        _msg(5, "user", "q3"),
        _msg(6, "assistant", "half an answer", "interrupted"),  # kept: it had content
        _msg(7, "user", "q4"),
        _msg(8, "assistant", "", "stopped"),  # stopped before anything arrived
        _msg(9, "user", "never answered"),
    ]
    turns = conversation_turns(stored)
    assert [(m.role, m.content) for m in turns] == [
        ("user", "q1"),
        ("assistant", "a1"),
        ("user", "q3"),
        ("assistant", "half an answer"),
    ]


def _sent(sim: Simulator) -> list[tuple[str, str]]:
    """(role, content) of the last request, system message left out."""
    return [(m["role"], m["content"]) for m in sim.chat_requests[-1].json["messages"][1:]]


def test_edit_resend_regenerate_switch_versions_and_copy(qloop, sim, tmp_path: Path) -> None:
    for text in ("A1", "A2", "A2 after the edit", "A2 regenerated"):
        sim.enqueue(Reply.text(text, reasoning=f"thinking about {text}"))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        history, transcript, prompt = controller.history, window.transcript, window.prompt
        assert history is not None
        for q in ("Q1", "Q2"):
            window.send_prompt(q)
            await wait_until(lambda: not controller.chat.busy)
        cid = history.conversation_id
        assert cid is not None

        # Edit the last prompt from the keyboard: a draft in the box comes back on cancel.
        prompt.setPlainText("half-typed draft")
        QTest.keyClick(prompt, Qt.Key.Key_E, CTRL)
        assert prompt.toPlainText() == "Q2" and window.chat_panel.edit_banner.isVisible()
        QTest.keyClick(prompt, Qt.Key.Key_Escape)
        assert prompt.toPlainText() == "half-typed draft"
        assert not window.chat_panel.edit_banner.isVisible()

        QTest.keyClick(prompt, Qt.Key.Key_E, CTRL)
        QTest.keyClick(prompt, Qt.Key.Key_Return)  # unchanged: no identical version is made
        assert len(sim.chat_requests) == 2 and "unchanged" in window.statusBar().currentMessage()
        QTest.keyClicks(prompt, " edited")
        QTest.keyClick(prompt, Qt.Key.Key_Return)
        await wait_until(lambda: not controller.chat.busy and len(sim.chat_requests) == 3)
        # The edited prompt goes after the turns before it; the old Q2/A2 are not sent.
        assert _sent(sim) == [("user", "Q1"), ("assistant", "A1"), ("user", "Q2 edited")]
        assert prompt.toPlainText() == "half-typed draft"  # the draft survived the edit
        text = transcript.plain_text()
        assert "Q2 edited" in text and "[2 / 2]" in text and "A2 after the edit" in text
        assert "A2\n" not in text  # the old branch is not shown...
        thread = history.store.thread(cid)
        edited = thread.messages[2]
        assert thread.version(edited.id) == (2, 2)

        # ...but kept: ‹ on the prompt shows the first version with its own answer.
        entry = transcript.message(edited.id)
        assert entry is not None
        QTest.mouseClick(entry.tools.prev, Qt.MouseButton.LeftButton)
        await wait_until(lambda: "[1 / 2]" in transcript.plain_text())
        text = transcript.plain_text()
        assert "You · deepseek-v4-pro · thinking · high  [1 / 2]\nQ2" in text  # mode as sent
        assert "\nA2\n" in text and "Q2 edited" not in text
        assert [m.content for m in controller.chat.history] == ["Q1", "A1", "Q2", "A2"]
        # The keyboard stays on the version arrows of the message just switched: at version 1
        # "previous" is disabled, so focus is on "next", one Enter from where it was.
        shown = transcript.message(thread.siblings[edited.id][0])
        assert shown is not None and window.focusWidget() is shown.tools.next

        # Regenerate (Ctrl+R): the prompt is sent again; the old answer becomes version 1.
        QTest.keyClick(prompt, Qt.Key.Key_R, CTRL)
        await wait_until(lambda: not controller.chat.busy and len(sim.chat_requests) == 4)
        assert _sent(sim) == [("user", "Q1"), ("assistant", "A1"), ("user", "Q2")]
        answer = transcript.last_answer()
        assert answer is not None and answer.tools.ref is not None
        assert (answer.tools.ref.position, answer.tools.ref.count) == (2, 2)
        assert "A2 regenerated" in transcript.plain_text()
        thread = history.store.thread(cid)
        assert [m.content for m in thread.messages] == ["Q1", "A1", "Q2", "A2 regenerated"]

        # Alt+Left: the previous version of the last answer, and the chat continues from it.
        QTest.keyClick(prompt, Qt.Key.Key_Left, ALT)
        await wait_until(lambda: "A2 regenerated" not in transcript.plain_text())
        assert [m.content for m in controller.chat.history] == ["Q1", "A1", "Q2", "A2"]
        assert [m.content for m in history.store.thread(cid).messages][-1] == "A2"
        # Reopened answers keep their reasoning count and usage line.
        answer = transcript.last_answer()
        assert answer is not None
        assert "Reasoning · " in answer.reasoning_button.text()
        assert "tokens" in answer.reasoning_button.text()
        assert "input " in answer.plain_text() and "output " in answer.plain_text()

        # Copy the whole answer (its markdown) and a whole prompt.
        QTest.mouseClick(answer.tools.copy, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == "A2"
        first = transcript.last_user_message()
        assert first is not None
        QTest.mouseClick(first.tools.copy, Qt.MouseButton.LeftButton)
        assert QGuiApplication.clipboard().text() == "Q2"

        # Every version is still in the store: 2 prompts for Q2, 3 answers in all under them.
        ids = history.store.thread(cid).siblings
        q2 = history.store.thread(cid).messages[2]
        assert len(ids[q2.id]) == 2
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_retry_after_a_failure_keeps_the_failed_attempt_as_a_version(
    qloop, sim, tmp_path: Path
) -> None:
    sim.enqueue(Reply.error(402))  # not retried by the client: the user retries
    sim.enqueue(Reply.text("Works now."))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        history = controller.history
        assert history is not None
        window.send_prompt("Q")
        await wait_until(lambda: "Retry" in window.transcript.plain_text(), within=30)
        await wait_until(lambda: not controller.chat.busy)
        window.transcript.sig_action.emit("retry")
        await wait_until(lambda: "Works now." in window.transcript.plain_text(), within=30)
        await wait_until(lambda: not controller.chat.busy)
        assert _sent(sim) == [("user", "Q")]  # the prompt once, not twice
        assert window.transcript.plain_text().count("You") == 1
        thread = history.store.thread(history.conversation_id)
        assert [m.role for m in thread.messages] == ["user", "assistant"]
        answer = thread.messages[1]
        assert answer.status == "done" and thread.version(answer.id) == (2, 2)
        failed = history.store.message(thread.siblings[answer.id][0])
        assert failed.status == "error"
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_long_conversation_opens_at_its_end_and_at_a_search_hit_on_another_branch(
    qloop, sim, tmp_path: Path
) -> None:
    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        history = controller.history
        assert history is not None
        store = history.store
        cid = store.new_conversation(history.project_id, "long").id
        for i in range(60):
            store.add_prompt(cid, f"question {i}")
            store.add_message(cid, "assistant", f"answer {i}")
        # An edited version of question 3 with its own answer: the original stays active.
        q3 = store.thread(cid).messages[6]
        side = store.edit_prompt(q3.id, "question 3, asked differently")
        store.add_message(cid, "assistant", "zanzibar is in this branch only", parent_id=side.id)
        store.step_version(side.id, -1)  # back to the long path
        assert len(store.thread(cid).messages) == 120

        window.history_ui.open_conversation(cid)
        text = window.transcript.plain_text()
        assert "Show 80 earlier messages" in text  # 120 stored, the last 40 built
        assert "answer 59" in text and "answer 19" not in text
        assert len(controller.chat.history) == 120  # the model still gets every turn

        last = window.transcript.last_answer()
        window.transcript.sig_action.emit("earlier")  # 60 more, built above the others
        text = window.transcript.plain_text()
        assert "Show 20 earlier messages" in text and "answer 10" in text
        assert text.index("answer 10") < text.index("answer 30") < text.index("answer 59")
        assert window.transcript.last_answer() is last  # the shown ones were not rebuilt
        window.transcript.sig_action.emit("earlier")
        text = window.transcript.plain_text()
        assert text.startswith("You\nquestion 0\n") and "earlier messages" not in text
        assert text.count("\nquestion ") == 60
        # ‹ › on an early message keeps that message on screen and the keyboard on it.
        q3 = store.thread(cid).messages[6]
        entry = window.transcript.message(q3.id)
        assert entry is not None
        await wait_until(lambda: entry.tools.next.height() > 0)  # laid out, as on screen
        QTest.mouseClick(entry.tools.next, Qt.MouseButton.LeftButton)
        shown = window.transcript.message(side.id)
        assert shown is not None and window.focusWidget() is shown.tools.prev
        QTest.keyClick(shown.tools.prev, Qt.Key.Key_Return)  # the keyboard way back
        assert window.transcript.message(q3.id) is not None
        window.send_prompt("one more")  # the chat still continues after the last answer
        await wait_until(lambda: not controller.chat.busy)
        assert [m.content for m in controller.chat.history][-2] == "one more"

        [hit] = store.search("zanzibar", project_id=history.project_id)
        window.history_ui.open_conversation(cid, hit.message_id)
        text = window.transcript.plain_text()
        assert "You  [2 / 2]\nquestion 3, asked differently" in text  # stored without a mode
        assert "zanzibar is in this branch only" in text
        entry = window.transcript.message(hit.message_id)
        assert entry is not None
        # The hit is in view (at the top unless the conversation ends before a screenful).
        top = window.transcript._column.top_of(entry) - window.transcript.scroll_bar().value()
        assert 0 <= top < window.transcript.height() // 2
        assert [m.content for m in controller.chat.history][-1] == "zanzibar is in this branch only"
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_new_chat_ends_editing_and_continue_keeps_each_prompt_its_own_id(
    qloop, sim, tmp_path: Path
) -> None:
    sim.enqueue(Reply.text("A1"))
    sim.enqueue(Reply.text("cut here", finish_reason="length"))
    sim.enqueue(Reply.text(" and the rest."))
    sim.enqueue(Reply.text("fresh answer"))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        history, transcript, prompt = controller.history, window.transcript, window.prompt
        assert history is not None
        window.send_prompt("Q1")
        await wait_until(lambda: not controller.chat.busy)
        first_cid = history.conversation_id
        QTest.keyClick(prompt, Qt.Key.Key_E, CTRL)
        assert window.branches_ui.editing is not None
        QTest.keyClick(prompt, Qt.Key.Key_N, CTRL)  # a new chat: the edit is over
        assert window.branches_ui.editing is None
        assert not window.chat_panel.edit_banner.isVisible()
        window.send_prompt("Q2")
        await wait_until(lambda: not controller.chat.busy)
        # Q2 started a conversation of its own; the first one is untouched.
        assert history.conversation_id != first_cid
        assert [m.content for m in history.store.thread(first_cid).messages] == ["Q1", "A1"]

        # Continue after a cut answer: its prompt is shown as sent and gets its own id, so
        # Q2's entry keeps Q2's id (editing Q2 must version Q2, not the Continue prompt).
        window.transcript.sig_action.emit("continue")
        await wait_until(lambda: not controller.chat.busy)
        thread = history.store.thread(history.conversation_id)
        q2, cont = thread.messages[0], thread.messages[2]
        entry = transcript.message(q2.id)
        assert entry is not None and entry.text == "Q2"
        follow = transcript.message(cont.id)
        assert follow is not None and follow.text == cont.content
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_switching_back_shows_the_turns_last_seen_and_another_window_does_not_hijack(
    qloop, sim, tmp_path: Path
) -> None:
    for text in ("A1", "A2", "A2e", "A3", "A1b", "A4"):
        sim.enqueue(Reply.text(text))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        history, ui = controller.history, window.branches_ui
        assert history is not None
        store = history.store

        async def turn(action: object) -> None:
            n = len(sim.chat_requests)
            action()  # type: ignore[operator]
            await wait_until(lambda: not controller.chat.busy and len(sim.chat_requests) > n)

        await turn(lambda: window.send_prompt("Q1"))
        await turn(lambda: window.send_prompt("Q2"))
        cid = history.conversation_id
        q2 = store.thread(cid).messages[2]
        ui.begin_edit(q2.id)
        await turn(lambda: ui.send_edit("Q2e"))  # the newest branch under A1
        ui.step_version(store.thread(cid).messages[2].id, -1)  # back to Q2
        await turn(lambda: window.send_prompt("Q3"))  # ...and carry on there
        path = [m.content for m in store.thread(cid).messages]
        assert path == ["Q1", "A1", "Q2", "A2", "Q3", "A3"]
        a1 = store.thread(cid).messages[1]
        await turn(lambda: ui.regenerate(a1.id))  # A1b
        assert [m.content for m in store.thread(cid).messages] == ["Q1", "A1b"]
        ui.step_version(store.thread(cid).messages[1].id, -1)  # back to A1
        # The turns last seen under A1 come back, not Q2e (the newest branch under A1).
        assert [m.content for m in controller.chat.history] == path
        assert "Q3" in window.transcript.plain_text()

        # Another dsdesk writes a turn into this conversation (its active path moves on).
        other = Store(store.path)
        other.add_prompt(cid, "from the other window")
        other.add_message(cid, "assistant", "other answer")
        other.close()
        await turn(lambda: window.send_prompt("Q4"))
        q4 = store.thread(cid).messages[-2]
        # Q4 follows what this window showed (A3), beside the other window's prompt.
        assert q4.content == "Q4" and store.message(q4.parent_id).content == "A3"
        assert store.versions(q4.id) == (2, 2)
        assert _sent(sim)[-1] == ("user", "Q4") and ("user", "from the other window") not in _sent(
            sim
        )
        await close_window(window, controller)

    run_scenario(qloop, scenario())
