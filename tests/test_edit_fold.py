"""SEARCH/REPLACE blocks in an answer are folded to one line (the edits card shows them) and
unfold on a click or Enter; everything else renders as before."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from dsdesk.core.edit_fold import edit_fold
from dsdesk.core.markdown_blocks import BlockSplitter
from dsdesk.ui.transcript import TranscriptView
from dsdesk.ui.transcript_render import StreamRenderer
from dsdesk.ui.transcript_style import Theme
from tests.test_transcript import answer, focus_by_tab, stream

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

EDIT = """<<<<<<< SEARCH
def add(a, b):
    return a + b
=======
def add(a: int, b: int) -> int:
    return a + b
>>>>>>> REPLACE"""
ANSWER = f"""I'll add the hints.

app.py
```python
{EDIT}
```

Then run the tests.

```bash
pytest -q
```
"""


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[TranscriptView]:
    v = TranscriptView()
    qtbot.addWidget(v)
    v.resize(900, 700)
    v.show()
    yield v


def test_edit_fold_names_the_files_and_counts_lines() -> None:
    blocks = BlockSplitter().feed(ANSWER)
    path_line, fence = blocks[1], blocks[2]
    fold = edit_fold(fence, path_line.text)
    assert fold is not None
    assert (fold.label, fold.lines, fold.path_before) == ("edit to app.py", 7, True)
    assert edit_fold(blocks[-1], "") is None  # a plain code block
    two = f"```\nsrc/a.py\n{EDIT}\nsrc/b.py\n{EDIT}\n```\n"
    fold = edit_fold(BlockSplitter().feed(two)[0], "Change both:\n")
    assert fold is not None and fold.label == "2 edits to src/a.py, src/b.py"
    assert not fold.path_before


def test_edit_block_folds_to_one_line_and_unfolds(view: TranscriptView) -> None:
    view.begin_answer("m")
    stream(view, ANSWER)
    view.end_answer("done")
    text = view.answer_text()
    assert "▸ edit to app.py (7 lines)" in text
    assert "<<<<<<<" not in text and "app.py\n" not in text  # the path line is in the fold
    assert "pytest -q" in text and "Then run the tests." in text
    msg = answer(view)
    msg.content_view.anchorClicked.emit(QUrl("edit:0"))
    text = view.answer_text()
    assert "▾ edit to app.py" in text and "<<<<<<< SEARCH" in text
    assert "pytest -q" in text and "Copy" in text
    msg.content_view.anchorClicked.emit(QUrl("edit:0"))
    assert "▸ edit to app.py (7 lines)" in view.answer_text()
    assert msg.source_text() == ANSWER  # Copy of the whole answer keeps the raw blocks


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_streamed_edit_answer_renders_like_all_at_once(qapp: QApplication, seed: int) -> None:
    theme = Theme.from_palette(qapp.palette(), qapp.font())
    docs = []
    for pieces in (1, 40 + seed * 7):
        doc = QTextDocument()
        r = StreamRenderer(doc, theme, fold_edits=True)
        step = max(1, len(ANSWER) // pieces)
        for i in range(0, len(ANSWER), step):
            r.update(ANSWER[i : i + step])
        r.finish()
        docs.append(doc)
    assert docs[0].toHtml() == docs[1].toHtml()


def test_open_edit_fence_streams_as_one_line(view: TranscriptView) -> None:
    view.begin_answer("m")
    view.append_content(ANSWER.split("=======")[0])
    view.flush()
    text = view.answer_text()
    assert "▸ writing an edit… (3 lines)" in text and "<<<<<<<" not in text
    view.append_content("=======" + ANSWER.split("=======")[1])
    view.end_answer("done")
    assert "▸ edit to app.py (7 lines)" in view.answer_text()


def test_reasoning_keeps_edit_blocks_raw(view: TranscriptView) -> None:
    view.begin_answer("m")
    view.append_reasoning(ANSWER)
    view.append_content("ok")
    view.end_answer("done")
    assert "<<<<<<< SEARCH" in answer(view).reasoning_text()


def test_fold_toggles_from_the_keyboard(view: TranscriptView, qtbot: QtBot) -> None:
    view.begin_answer("m")
    view.append_content(ANSWER)
    view.end_answer("done")
    browser = answer(view).content_view
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    focus_by_tab(qtbot, view, browser)
    for _ in range(3):
        if browser.textCursor().charFormat().anchorHref() == "edit:0":
            break
        qtbot.keyClick(browser, Qt.Key.Key_Tab)
    assert browser.textCursor().charFormat().anchorHref() == "edit:0"
    qtbot.keyClick(browser, Qt.Key.Key_Return)
    assert "<<<<<<< SEARCH" in view.answer_text()
    assert browser.textCursor().charFormat().anchorHref() == "edit:0"  # still on the link
    qtbot.keyClick(browser, Qt.Key.Key_Return)
    assert "▸ edit to app.py" in view.answer_text()
