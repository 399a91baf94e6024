"""Files into context from the keyboard: Space in the tree, the list above the prompt, the meter
moving, and the guard against a request that does not fit the window."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from dsdesk.config.settings import Settings
from dsdesk.workspace.tokenizer_data import v4_counter
from tests.qt_async import close_window, open_window, run_scenario, wait_until


def test_space_attaches_meter_moves_and_overflow_is_blocked(qloop, sim, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "src").mkdir(parents=True)
    (project / "src" / "small.py").write_text("def f():\n    return 1\n" * 30)
    (project / "src" / "big.txt").write_text("lorem ipsum dolor sit amet " * 40_000)
    (project / "README.md").write_text("# demo\n")

    async def scenario() -> None:
        await asyncio.to_thread(v4_counter)
        window, controller = await open_window(tmp_path, Settings(max_tokens=384_000))
        window.open_project(project)
        ctx = controller.context
        await wait_until(lambda: ctx.folder_totals.get("src", 0) > 0)  # counts in the tree
        before = window.meter.budget.total
        target = (project / "src" / "small.py").resolve()
        assert window.tree.select_path(target)
        await wait_until(lambda: window.tree.current_path() == target)
        window.tree.setFocus()
        QTest.keyClick(window.tree, Qt.Key.Key_Space)
        await wait_until(lambda: "src/small.py" in ctx.files)
        await wait_until(lambda: window.meter.budget.total > before)
        assert window.meter.budget.files >= ctx.files["src/small.py"].tokens
        assert "src/small.py" in window.chat_panel.context_bar.text()
        assert ctx.info("src", True)[0] == "some"

        QTest.keyClick(window.tree, Qt.Key.Key_Space)  # again: out of the context
        await wait_until(lambda: "src/small.py" not in ctx.files)

        # The whole project with 384k reserved for the answer cannot fit: sending is refused.
        window.chat_panel.context_bar.sig_action.emit("whole_project")
        await wait_until(lambda: "src/big.txt" in ctx.files)
        for _ in range(3):  # make the context exceed the window
            (project / "src" / f"more{_}.txt").write_text("lorem ipsum dolor sit amet " * 70_000)
        window.chat_panel.context_bar.sig_action.emit("whole_project")
        await wait_until(lambda: len(ctx.files) >= 6, within=40)  # ≈6 MB to count
        assert window.meter.budget.level == "over"
        window.prompt.setFocus()
        QTest.keyClicks(window.prompt, "explain")
        QTest.keyClick(window.prompt, Qt.Key.Key_Return)
        text = window.transcript.plain_text()
        assert "Not sent" in text and "src/more" in text and "Nothing was dropped" in text
        assert "Summarise older turns" in text and "New chat with the same files" in text
        assert sim.chat_requests == [] and window.prompt.toPlainText() == "explain"
        window.transcript.sig_action.emit("drop_largest")
        await wait_until(lambda: len(ctx.files) == 5)
        await close_window(window, controller)

    run_scenario(qloop, scenario(), timeout=60)


def test_at_completion_attaches_and_keeps_the_mention(qloop, sim, tmp_path: Path) -> None:
    from dsdesk.ui.mention import fuzzy_rank

    assert fuzzy_rank("cfg", ["src/config.py", "docs/x.md", "cfg.toml"])[0] == "cfg.toml"
    assert fuzzy_rank("srccfg", ["src/config.py", "docs/x.md"]) == ["src/config.py"]
    project = tmp_path / "proj"
    (project / "src").mkdir(parents=True)
    (project / "src" / "config.py").write_text("X = 1\n")
    (project / "notes.md").write_text("# notes\n")

    async def scenario() -> None:
        await asyncio.to_thread(v4_counter)
        window, controller = await open_window(tmp_path)
        window.open_project(project)
        await wait_until(lambda: "src/config.py" in controller.context.project_counts)
        window.prompt.setFocus()
        QTest.keyClicks(window.prompt, "look at @scfg")
        mention = window.prompt.mention
        assert mention is not None
        await wait_until(mention.popup_visible)
        assert mention._popup().currentIndex().data() == "src/config.py"
        QTest.keyClick(mention._popup(), Qt.Key.Key_Return)
        await wait_until(lambda: "src/config.py" in controller.context.files)
        # The mention stays in the sentence, completed; the file is attached as well.
        assert window.prompt.toPlainText() == "look at @src/config.py "
        assert not mention.popup_visible()
        await close_window(window, controller)

    run_scenario(qloop, scenario())


def test_meter_names_what_is_sent_and_what_is_reserved(qtbot) -> None:
    from PySide6.QtGui import QTextDocumentFragment

    from dsdesk.core.budget import ContextBudget
    from dsdesk.ui.context_meter import ContextMeter

    meter = ContextMeter()
    qtbot.addWidget(meter)
    # Nothing attached: a short system prompt, and 32k held back for the answer.
    meter.set_budget(ContextBudget(instructions=420, reserved_output=32_768))
    label = QTextDocumentFragment.fromHtml(meter.label_text()).toPlainText()
    assert "420 sent" in label and "33k reserved" in label
    assert not label.startswith(("≈33k", "33k"))  # the reserved part is not shown as context
    assert "Reserved for the answer" in meter.toolTip() and "32,768" in meter.toolTip()


def test_pending_updates_are_a_short_state_with_the_why_in_the_tooltip(qtbot) -> None:
    from dsdesk.ui.context_bar import ContextBar

    bar = ContextBar()
    qtbot.addWidget(bar)
    bar.show_context([("core/edits_parse.py", 31_000)], None, 2, True)
    text = bar.text()
    assert "2 updates pending" in text and "action:rebuild" in text
    assert "cache miss" not in text  # the explanation is not in the line itself …
    assert "one cache miss of ≈31k tokens" in bar.toolTip()  # … but one hover away
    # One line at an ordinary chat width, not three.
    lines = bar.heightForWidth(900) // bar.fontMetrics().lineSpacing()
    assert lines == 1, bar.heightForWidth(900)
    bar.show_context([("core/edits_parse.py", 31_000)], None, 0, True)
    assert bar.toolTip() == "" and "pending" not in bar.text()


BLIND_ANSWER = """app.py
```python
<<<<<<< SEARCH
X = 1
=======
X = 2
>>>>>>> REPLACE
```

util.py
```python
<<<<<<< SEARCH
Y = 1
=======
Y = 2
>>>>>>> REPLACE
```

new.py
```python
<<<<<<< SEARCH
=======
Z = 3
>>>>>>> REPLACE
```
"""


def test_an_edit_to_a_file_never_shown_is_flagged_on_the_card(qloop, sim, tmp_path: Path) -> None:
    from dsdesk.devserver import Reply

    project = tmp_path / "proj"
    project.mkdir()
    (project / "app.py").write_text("X = 1\n")
    (project / "util.py").write_text("Y = 1\n")
    sim.enqueue(Reply.text(BLIND_ANSWER))

    async def scenario() -> None:
        await asyncio.to_thread(v4_counter)
        window, controller = await open_window(tmp_path)
        window.open_project(project)
        ctx = controller.context
        ctx.add([project / "app.py"])  # util.py is never attached
        await wait_until(lambda: "app.py" in ctx.files)
        window.send_prompt("bump both")
        await wait_until(lambda: window.edits_ui.card is not None, within=15)
        rows = window.edits_ui.card.plain_text().splitlines()
        util = next(r for r in rows if r.startswith("● util.py"))
        assert util.endswith("not shown to the model")
        # The attached file and a new file are not flagged.
        assert all("not shown" not in r for r in rows if "util.py" not in r), rows
        await close_window(window, controller)

    run_scenario(qloop, scenario())
