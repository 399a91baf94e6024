"""Review and apply a multi-file answer from the keyboard, reject one hunk, undo it all."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from dsdesk.config.settings import Settings
from dsdesk.devserver import Reply
from dsdesk.services.controller import AppController
from dsdesk.ui.edits_card import EditsCard
from dsdesk.ui.main_window import MainWindow
from dsdesk.ui.review import ReviewDialog
from dsdesk.ui.ui_state import UiState
from tests.qt_async import close_window, open_window, run_scenario, wait_until

APP = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
UTIL = "VALUE = 1\r\nNAME = 'x'\r\n"  # CRLF must survive

ANSWER = """I'll make three changes.

app.py
```python
<<<<<<< SEARCH
def add(a, b):
    return a + b
=======
def add(a: int, b: int) -> int:
    return a + b
>>>>>>> REPLACE
```

app.py
```python
<<<<<<< SEARCH
def sub(a, b):
    return a - b
=======
def sub(a: int, b: int) -> int:
    return a - b
>>>>>>> REPLACE
```

util.py
```python
<<<<<<< SEARCH
VALUE = 1
=======
VALUE = 2
>>>>>>> REPLACE
```

util.py
```python
<<<<<<< SEARCH
NAME = "y"
=======
NAME = "z"
>>>>>>> REPLACE
```
"""


def test_review_reject_one_hunk_apply_and_undo(qloop, sim, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "app.py").write_text(APP)
    (project / "util.py").write_bytes(UTIL.encode())
    original = {p.name: p.read_bytes() for p in project.iterdir()}
    sim.enqueue(Reply.text(ANSWER, reasoning="Plan the edits.", chunk_size=7))
    sim.enqueue(Reply.text("Sorry, here is the fix."))

    async def scenario() -> None:
        controller = AppController(Settings())
        window = MainWindow(controller, UiState(tmp_path / "ui.ini"))
        window.show()
        window.activateWindow()
        await wait_until(lambda: QApplication.activeWindow() is window)
        window.open_project(project)
        window.prompt.setFocus()
        QTest.keyClicks(window.prompt, "Add type hints")
        QTest.keyClick(window.prompt, Qt.Key.Key_Return)
        await wait_until(lambda: window.edits_ui.card is not None)
        card = window.transcript.plain_text()
        assert "3 of 4 blocks match" in card and "not found" in card
        assert {p.name: p.read_bytes() for p in project.iterdir()} == original  # nothing yet

        QTest.keyClick(
            window.prompt,
            Qt.Key.Key_R,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), ReviewDialog))
        review = QApplication.activeModalWidget()
        assert isinstance(review, ReviewDialog)
        assert len(review.order) == 3
        view = review.view
        QTest.keyClicks(view, "j")  # to app.py's second hunk (sub)
        QTest.keyClicks(view, "r")  # reject it
        assert "rejected" in view.toPlainText()
        QTest.keyClick(view, Qt.Key.Key_Return)
        # Once written, the review closes; the card says what happened to each file.
        await wait_until(lambda: QApplication.activeModalWidget() is None)
        assert "Applied to 2 files" in window.statusBar().currentMessage()
        app_now = (project / "app.py").read_text()
        assert "def add(a: int, b: int) -> int:" in app_now
        assert "def sub(a, b):" in app_now  # the rejected hunk
        assert (project / "util.py").read_bytes() == b"VALUE = 2\r\nNAME = 'x'\r\n"
        card = window.edits_ui.card
        assert card is not None
        assert "app.py — edited · +2 −2 · applied (some hunks left out)" in card.plain_text()
        assert "util.py — edited · +1 −1 · applied" in card.plain_text()
        assert _actions(card) == ["Undo", "Fix failed edits"]
        # The answer's stored record names the files changed from it.
        history = controller.history
        assert history is not None and history.last_answer_id is not None
        await wait_until(lambda: history.store.message(history.last_answer_id).edits)
        edits = {e.rel_path: e for e in history.store.message(history.last_answer_id).edits}
        assert set(edits) == {"app.py", "util.py"} and edits["util.py"].added == 1

        # Opened again, Review marks what was written and what was left out.
        window.edits_ui.open_review()
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), ReviewDialog))
        review = QApplication.activeModalWidget()
        assert isinstance(review, ReviewDialog)
        text = review.view.toPlainText()
        assert "applied (1/2 hunks)" in text and "✔ applied" in text and "left out" in text
        assert not review.buttons["apply"].isEnabled()
        QTest.keyClicks(review.view, "a")  # a written file cannot be toggled
        assert "app.py is applied; undo it" in review.status.text()
        QTest.keyClick(review.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        await wait_until(
            lambda: (
                "3/3 hunks accepted" not in review.view.toPlainText()
                and "2/2 hunks accepted" in review.view.toPlainText()
            )
        )
        assert {p.name: p.read_bytes() for p in project.iterdir()} == original
        assert review.buttons["apply"].isEnabled()
        assert "app.py — edited · +2 −2 · undone" in card.plain_text()
        assert _actions(card)[:2] == ["Review (Ctrl+Shift+R)", "Apply all"]
        QTest.keyClick(review.view, Qt.Key.Key_Escape)
        await wait_until(lambda: QApplication.activeModalWidget() is None)

        window.transcript.sig_action.emit("fix_edits")
        await wait_until(lambda: len(sim.chat_requests) == 2)
        follow_up = sim.chat_requests[1].json["messages"][-1]["content"]
        assert "Block #4 for `util.py` failed" in follow_up
        assert "NAME = 'x'" in follow_up  # the closest real lines
        assert "#1 (app.py)" in follow_up  # applied blocks named, not to be re-sent
        await wait_until(lambda: not controller.chat.busy)
        window.close()
        await controller.shutdown()
        window.deleteLater()

    run_scenario(qloop, scenario())


def _actions(card: EditsCard) -> list[str]:
    return [b.text() for b in card.visible_actions()]


def _click(card: EditsCard, label: str) -> None:
    [button] = [b for b in card.visible_actions() if b.text() == label]
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


ONE_FILE = ANSWER.split("util.py")[0]  # the two app.py blocks


def test_card_follows_apply_all_and_undo(qloop, sim, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "app.py").write_text(APP)
    sim.enqueue(Reply.text(ONE_FILE))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.open_project(project)
        window.send_prompt("Add type hints")
        await wait_until(lambda: window.edits_ui.card is not None)
        card = window.edits_ui.card
        assert "2 of 2 blocks match · 1 file\n" in card.plain_text()
        assert "● app.py — edited · +2 −2 · proposed" in card.plain_text()
        assert _actions(card) == ["Review (Ctrl+Shift+R)", "Apply all"]

        _click(card, "Apply all")
        await wait_until(lambda: "· applied" in card.plain_text())
        assert "def sub(a: int, b: int) -> int:" in (project / "app.py").read_text()
        assert "✔ app.py — edited · +2 −2 · applied" in card.plain_text()
        assert "Applied to 1 file ·" in card.plain_text()
        assert _actions(card) == ["Undo"]  # applying again is not offered
        window.transcript.sig_action.emit("apply_all")  # nor done by the palette
        assert "Nothing left to apply" in window.statusBar().currentMessage()

        _click(card, "Undo")
        await wait_until(lambda: "· undone" in card.plain_text())
        assert (project / "app.py").read_text() == APP
        assert "Undone: 1 change set, 1 file restored" in card.plain_text()
        assert _actions(card) == ["Review (Ctrl+Shift+R)", "Apply all"]
        _click(card, "Apply all")  # the file is as planned against again: no "changed on disk"
        await wait_until(lambda: "· applied" in card.plain_text())
        assert "def add(a: int, b: int) -> int:" in (project / "app.py").read_text()
        assert "changed on disk" not in window.transcript.plain_text()
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_review_buttons_and_a_rejected_file(qloop, sim, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "app.py").write_text(APP)
    (project / "util.py").write_bytes(UTIL.encode())
    sim.enqueue(Reply.text(ANSWER))

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.open_project(project)
        window.send_prompt("Add type hints")
        await wait_until(lambda: window.edits_ui.card is not None)
        card = window.edits_ui.card
        _click(card, "Review (Ctrl+Shift+R)")
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), ReviewDialog))
        review = QApplication.activeModalWidget()
        assert isinstance(review, ReviewDialog)
        assert not review.buttons["prev"].isEnabled()
        buttons = review.buttons
        QTest.mouseClick(buttons["next"], Qt.MouseButton.LeftButton)
        QTest.mouseClick(buttons["next"], Qt.MouseButton.LeftButton)  # util.py's hunk
        QTest.mouseClick(buttons["reject_file"], Qt.MouseButton.LeftButton)
        assert "0/1 hunks accepted" in review.view.toPlainText()
        assert review.view.hasFocus() or not review.isActiveWindow()  # keys keep working
        QTest.mouseClick(buttons["apply"], Qt.MouseButton.LeftButton)
        await wait_until(lambda: QApplication.activeModalWidget() is None)
        assert (project / "util.py").read_bytes() == UTIL.encode()
        text = card.plain_text()
        assert "✔ app.py — edited · +2 −2 · applied" in text
        assert "○ util.py — edited · +1 −1 · rejected" in text
        assert _actions(card) == [
            "Review (Ctrl+Shift+R)",
            "Apply the rest (1 file)",
            "Undo",
            "Fix failed edits",
        ]
        _click(card, "Apply the rest (1 file)")
        await wait_until(lambda: "· rejected" not in card.plain_text())
        assert (project / "util.py").read_bytes() == b"VALUE = 2\r\nNAME = 'x'\r\n"
        assert _actions(card) == ["Undo", "Fix failed edits"]
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_edit_to_a_file_changed_since_the_model_saw_it_is_refused(
    qloop, sim, tmp_path: Path
) -> None:
    import asyncio

    from dsdesk.workspace.tokenizer_data import v4_counter

    project = tmp_path / "proj"
    project.mkdir()
    (project / "app.py").write_text(APP)
    answer = ANSWER.split("app.py\n```python", 2)[1]
    sim.enqueue(
        Reply.text(
            "app.py\n```python" + answer.split("```", 1)[0] + "```\n",
            chunk_size=4,
            chunk_delay=0.01,
        )
    )

    async def scenario() -> None:
        await asyncio.to_thread(v4_counter)
        controller = AppController(Settings())
        ctx = controller.context
        ctx.set_project(project)
        controller.edits.set_project(project)
        ctx.add([project / "app.py"])
        await wait_until(lambda: "app.py" in ctx.files)
        controller.chat.send("type hints please")
        await wait_until(lambda: controller.chat.busy)
        history = controller.history
        assert history is not None and history.conversation_id is not None
        [stored_prompt] = history.store.thread(history.conversation_id).messages[:1]
        assert [(c.rel_path, c.kind) for c in stored_prompt.context] == [("app.py", "file")]
        assert stored_prompt.context[0].tokens == ctx.files["app.py"].tokens
        # The user edits the file while the answer (made from the old version) streams.
        (project / "app.py").write_text(APP + "\n# local change\n")
        await wait_until(lambda: controller.edits.plan is not None, within=15)
        [outcome] = controller.edits.plan.outcomes
        assert outcome.status == "failed" and outcome.reason == "file_changed"
        assert (project / "app.py").read_text().endswith("# local change\n")
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_optional_git_commit_per_change_set(qloop, tmp_path: Path) -> None:
    import shutil
    import subprocess

    from dsdesk.core.edits_parse import parse_edits

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "repo"
    project.mkdir()
    (project / "app.py").write_text(APP)
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    for cmd in (["init", "-q"], ["add", "."], ["commit", "-qm", "init"]):
        subprocess.run(["git", "-C", str(project), *cmd], check=True, env=env)

    async def scenario() -> None:
        controller = AppController(Settings(commit_edits=True))
        edits = controller.edits
        assert edits.commit_edits
        edits.set_project(project)
        edits.begin_answer()
        edits.feed(ANSWER.split("util.py")[0])
        edits.finish_answer()
        await wait_until(lambda: edits.plan is not None)
        applied: list[object] = []
        failures: list[str] = []
        edits.sig_applied.connect(applied.append)
        edits.sig_failed.connect(failures.append)
        edits.apply(edits.plan, {c.rel_path: c.new_text for c in edits.plan.changes}, "hints")
        await wait_until(lambda: applied)
        await wait_until(lambda: len(git_log()) == 2 or failures)  # the commit follows
        assert failures == []
        await controller.shutdown()

    def git_log() -> list[str]:
        out = subprocess.run(
            ["git", "-C", str(project), "log", "--format=%s"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.splitlines()

    import os

    old = {k: os.environ.get(k) for k in env}
    os.environ.update({k: v for k, v in env.items() if k != "PATH"})
    try:
        run_scenario(qloop, scenario())
    finally:
        for k, v in old.items():
            if k != "PATH":
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    assert git_log()[0] == "dsdesk: hints"
    assert parse_edits(ANSWER)  # the answer used here does hold edits
