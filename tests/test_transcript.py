"""The chat transcript widget (dsdesk.ui.transcript) and code highlighting (dsdesk.ui.highlight)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.lexers.special import TextLexer
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextCursor, QTextDocument
from PySide6.QtWidgets import QAbstractButton, QApplication, QTextBrowser, QWidget
from pytestqt.qtbot import QtBot

from dsdesk.ui.highlight import highlight_html, lexer_for
from dsdesk.ui.transcript import TranscriptView
from dsdesk.ui.transcript_messages import AnswerMessage, ErrorBox
from dsdesk.ui.transcript_render import StreamRenderer
from dsdesk.ui.transcript_style import Theme
from dsdesk.ui.transcript_widgets import AutoHeightBrowser, DisclosureButton, LinkButton

# The offscreen platform warns whenever a top-level widget's size hints change.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

ANSWER = """# Plan

Intro with `inline code`, **bold** and a [link](https://example.com/docs).

## Steps

1. First step
2. Second step
   - nested item
3. Third step

| Name | Value |
|------|------:|
| alpha | 1 |
| beta | 22 |

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"
```

> quoted

Done.
"""
CODE = 'def greet(name: str) -> str:\n    return f"Hello, {name}!"'


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[TranscriptView]:
    v = TranscriptView()
    qtbot.addWidget(v)
    v.resize(900, 700)
    v.show()
    qtbot.waitExposed(v)
    yield v


def stream(view: TranscriptView, text: str, seed: int = 1, flush_every: int = 7) -> None:
    """Append ``text`` in 1–3 character pieces, rendering every few pieces."""
    rnd = random.Random(seed)
    i = n = 0
    while i < len(text):
        k = rnd.randint(1, 3)
        view.append_content(text[i : i + k])
        i += k
        n += 1
        if n % flush_every == 0:
            view.flush()


def answer(view: TranscriptView) -> AnswerMessage:
    (msg,) = [m for m in view.findChildren(AnswerMessage) if not m.isHidden()][-1:]
    return msg


def content_doc(view: TranscriptView) -> QTextDocument:
    return answer(view).content_view.document()


def iter_fragments(doc: QTextDocument) -> Iterator[tuple[str, QTextCursor]]:
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            cur = QTextCursor(doc)
            cur.setPosition(frag.position())
            cur.setPosition(frag.position() + frag.length(), QTextCursor.MoveMode.KeepAnchor)
            yield frag.text(), cur
            it += 1
        block = block.next()


def settle(qtbot: QtBot) -> None:
    """Let posted layout requests and scroll range changes happen."""
    for _ in range(3):
        QApplication.processEvents()
    qtbot.wait(10)


def focus_by_tab(qtbot: QtBot, start: QWidget, target: QWidget, limit: int = 40) -> None:
    """Press Tab from ``start`` until ``target`` has focus, as a keyboard user would."""
    start.setFocus(Qt.FocusReason.TabFocusReason)
    for _ in range(limit):
        if target.hasFocus():
            return
        focused = QApplication.focusWidget() or start
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert target.hasFocus(), f"Tab never reached {target!r}"


# -- rendering -------------------------------------------------------------------------------------


def test_streamed_in_small_pieces_renders_like_all_at_once(qtbot: QtBot) -> None:
    views = []
    for streamed in (False, True):
        v = TranscriptView()
        qtbot.addWidget(v)
        v.resize(900, 700)
        v.begin_answer("m")
        if streamed:
            stream(v, ANSWER)
        else:
            v.append_content(ANSWER)
        v.end_answer("done")
        views.append(v)
    whole, streamed_view = views
    assert streamed_view.answer_text() == whole.answer_text()
    assert content_doc(streamed_view).toHtml() == content_doc(whole).toHtml()
    assert content_doc(whole).blockCount() == content_doc(streamed_view).blockCount()


MARKDOWN_PARTS = st.sampled_from(
    [
        "Some *text* here",
        " and `code`",
        "\n",
        "\n\n",
        "# Head\n",
        "- item\n",
        "  - nested\n",
        "1. one\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n",
        "```py\nx = 1\n",
        "```\n",
        "   ```\n",
        "> quote\n",
        "    indented\n",
    ]
)


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(MARKDOWN_PARTS, max_size=25), data=st.data())
def test_renderer_any_split_and_flush_pattern_gives_the_same_document(
    qapp: QApplication, parts: list[str], data: st.DataObject
) -> None:
    text = "".join(parts)
    theme = Theme.from_palette(qapp.palette(), qapp.font())
    whole_doc = QTextDocument()
    whole = StreamRenderer(whole_doc, theme)
    whole.update(text)
    whole.finish()
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=40)))
    doc = QTextDocument()
    renderer = StreamRenderer(doc, theme)
    pos = 0
    for cut in [*cuts, len(text)]:
        renderer.update(text[pos:cut])  # one update = one timer tick
        pos = cut
    renderer.finish()
    assert doc.toPlainText() == whole_doc.toPlainText()
    assert doc.toHtml() == whole_doc.toHtml()


def _render_in_pieces(theme: Theme, text: str, cuts: list[int]) -> QTextDocument:
    doc = QTextDocument()
    renderer = StreamRenderer(doc, theme)
    pos = 0
    for cut in [*cuts, len(text)]:
        renderer.update(text[pos:cut])
        pos = cut
    renderer.finish()
    return doc


def test_removing_an_open_fence_keeps_the_format_of_the_block_before_it(
    qapp: QApplication,
) -> None:
    # Found by the property test above (split at 19, just after the fence line): the indented
    # code block ends in an empty <pre> block, the open fence's code box (a table) was drawn after
    # it, and removing the box reset that block to the default format.
    text = "".join(["    indented\n", "```py\nx = 1\n", "```\n"])
    theme = Theme.from_palette(qapp.palette(), qapp.font())
    whole = _render_in_pieces(theme, text, [])
    splits = [[19], [19, 23], [19, 26], [13, 19], *([k] for k in range(len(text) + 1))]
    for cuts in splits:
        doc = _render_in_pieces(theme, text, cuts)
        assert doc.toPlainText() == whole.toPlainText(), cuts
        assert doc.toHtml() == whole.toHtml(), cuts


def test_costly_open_block_is_redrawn_at_most_every_few_costs(qapp: QApplication) -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 0.010  # every reading is 10 ms later: each redraw "costs" 10 ms
        return now[0]

    doc = QTextDocument()
    theme = Theme.from_palette(qapp.palette(), qapp.font())
    r = StreamRenderer(doc, theme, clock=clock)
    r.update("| a | b |\n|---|---|\n| 1 | 2 |\n", force=False)
    assert "1" in doc.toPlainText() and not r.stale
    r.update("| 3 | 4 |\n", force=False)  # within 4 × 10 ms of the last redraw: postponed
    assert r.stale and "3" not in doc.toPlainText()
    now[0] += 0.050
    r.update("", force=False)  # catching up once the budget allows
    assert not r.stale and "3" in doc.toPlainText()
    r.update("| 5 | 6 |\n", force=True)  # flush() always draws
    assert "5" in doc.toPlainText()
    # Finished blocks and open code are never postponed.
    r.update("\n```py\nx = 1\n", force=False)
    r.update("y = 2\n", force=False)
    assert "y = 2" in doc.toPlainText()


def test_a_postponed_tail_is_drawn_by_the_timer(view: TranscriptView, qtbot: QtBot) -> None:
    view.begin_answer("m")
    view.append_content("| a | b |\n|---|---|\n")
    view.flush()
    answer(view).content._tail_due = float("inf")  # as if the last redraw was very costly
    view.append_content("| late | row |\n")
    qtbot.wait(100)
    assert "late" not in view.answer_text() and answer(view).content.stale
    answer(view).content._tail_due = 0.0
    qtbot.waitUntil(lambda: "late" in view.answer_text(), timeout=2000)


def test_mid_stream_shows_the_open_tail(view: TranscriptView) -> None:
    view.begin_answer("m")
    view.append_content("First paragraph.\n\nSecond para")
    view.flush()
    assert view.answer_text() == "First paragraph.\nSecond para"
    view.append_content("graph grows")
    view.flush()
    assert view.answer_text() == "First paragraph.\nSecond paragraph grows"


def test_markdown_elements_render(view: TranscriptView) -> None:
    view.begin_answer("m")
    view.append_content(ANSWER)
    view.end_answer("done")
    doc = content_doc(view)
    text = view.answer_text()
    for expected in ("Plan", "Intro with inline code, bold and a link.", "nested item", "quoted"):
        assert expected in text
    assert "**" not in text and "`" not in text and "|" not in text

    headings = {}
    lists = 0
    block = doc.begin()
    while block.isValid():
        if block.blockFormat().headingLevel():
            headings[block.text()] = block.blockFormat().headingLevel()
        lists += block.textList() is not None
        block = block.next()
    assert headings == {"Plan": 1, "Steps": 2}
    assert lists == 4  # three numbered items and the nested bullet

    frags = dict(iter_fragments(doc))
    assert "mono" in " ".join(frags["inline code"].charFormat().fontFamilies()).lower()
    assert frags["link"].charFormat().anchorHref() == "https://example.com/docs"
    assert frags["bold"].charFormat().fontWeight() >= 600

    # Two tables: the markdown table, then the code block's box.
    tables = [f.firstCursorPosition().currentTable() for f in doc.rootFrame().childFrames()]
    assert len(tables) == 2 and tables[0] is not None
    cells = [
        tables[0].cellAt(r, c).firstCursorPosition().block().text()
        for r in range(3)
        for c in range(2)
    ]
    assert cells == ["Name", "Value", "alpha", "1", "beta", "22"]


def test_user_message_is_plain_escaped_text(view: TranscriptView) -> None:
    view.add_user_message("<b>not bold</b> & **not markdown**", "deepseek-v4-pro · thinking high")
    assert view.plain_text() == (
        "You · deepseek-v4-pro · thinking high\n<b>not bold</b> & **not markdown**"
    )


# -- code blocks -----------------------------------------------------------------------------------


def test_code_block_copy_link_puts_exactly_the_code_in_the_clipboard(
    view: TranscriptView, qtbot: QtBot
) -> None:
    QGuiApplication.clipboard().clear()
    view.begin_answer("m")
    stream(view, "Some code:\n\n```python\n" + CODE + "\n```\n\nAfter.\n")
    view.end_answer("done")
    browser = answer(view).content_view
    assert "Copy" in view.answer_text()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    # Keyboard: Tab into the answer, Tab to the link, Enter.
    focus_by_tab(qtbot, view, browser)
    for _ in range(3):
        if browser.textCursor().charFormat().anchorHref().startswith("copy:"):
            break
        qtbot.keyClick(browser, Qt.Key.Key_Tab)
    assert browser.textCursor().charFormat().anchorHref() == "copy:0"
    with qtbot.waitSignal(browser.anchorClicked):
        qtbot.keyClick(browser, Qt.Key.Key_Return)
    assert QGuiApplication.clipboard().text() == CODE
    assert "Copied" in view.answer_text()  # feedback, reverted after a moment
    qtbot.waitUntil(lambda: "Copied" not in view.answer_text(), timeout=3000)


def test_copy_links_by_mouse_and_in_reasoning_copy_their_own_block(
    view: TranscriptView, qtbot: QtBot
) -> None:
    view.begin_answer("m")
    view.append_reasoning("Try:\n\n```sh\nls -la\n```\n")
    view.flush()
    stream(view, "Answer:\n\n```python\n" + CODE + "\n```\n")
    view.end_answer("done")
    msg = answer(view)
    msg.reasoning_button.click()  # expand, to click inside it
    settle(qtbot)
    for browser, expected in ((msg.content_view, CODE), (msg.reasoning_view, "ls -la")):
        QGuiApplication.clipboard().clear()
        (cur,) = [c for text, c in iter_fragments(browser.document()) if text == "Copy"]
        mid = QTextCursor(cur)
        mid.setPosition(cur.selectionStart() + 2)
        point = browser.cursorRect(mid).center()
        with qtbot.waitSignal(browser.anchorClicked):
            qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert QGuiApplication.clipboard().text() == expected


def test_unclosed_fence_is_plain_text_until_it_closes(view: TranscriptView) -> None:
    view.begin_answer("m")
    view.append_content("Here:\n\n```python\ndef f():\n    return 1\n")
    view.flush()
    doc = content_doc(view)
    assert "def f():\n    return 1" in view.answer_text()
    assert "Copy" not in view.answer_text()
    code_frags = [cur for text, cur in iter_fragments(doc) if "return" in text]
    assert code_frags and all(
        not c.charFormat().hasProperty(c.charFormat().Property.ForegroundBrush) for c in code_frags
    )
    # More lines stream into the open block, then the fence closes: highlighted, with Copy.
    view.append_content("\nprint(f())\n")
    view.flush()
    assert view.answer_text().rstrip("\n").endswith("def f():\n    return 1\n\nprint(f())")
    view.append_content("```\n")
    view.flush()
    assert "Copy" in view.answer_text()
    coloured = [
        text.strip()
        for text, cur in iter_fragments(content_doc(view))
        if cur.charFormat().hasProperty(cur.charFormat().Property.ForegroundBrush)
    ]
    assert "def" in coloured and "return" in coloured


# -- reasoning -------------------------------------------------------------------------------------


def test_reasoning_expanded_while_streaming_then_collapsed_and_toggled_by_keyboard(
    view: TranscriptView, qtbot: QtBot
) -> None:
    view.begin_answer("m")
    assert not view.is_reasoning_expanded()
    for piece in ("The user ", "wants a ", "greeting."):
        view.append_reasoning(piece)
    view.flush()
    msg = answer(view)
    assert view.is_reasoning_expanded()
    assert view.reasoning_text() == "The user wants a greeting."
    assert msg.reasoning_button.text() == "▾  Reasoning…"
    view.set_reasoning_tokens(1234)
    assert msg.reasoning_button.text() == "▾  Reasoning · 1,234 tokens"

    view.append_content("Hello")
    view.flush()
    assert not view.is_reasoning_expanded()
    assert msg.reasoning_button.text() == "▸  Reasoning · 1,234 tokens"

    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    focus_by_tab(qtbot, view, msg.reasoning_button)
    qtbot.keyClick(msg.reasoning_button, Qt.Key.Key_Return)
    assert view.is_reasoning_expanded()
    qtbot.keyClick(msg.reasoning_button, Qt.Key.Key_Space)
    assert not view.is_reasoning_expanded()
    qtbot.mouseClick(msg.reasoning_button, Qt.MouseButton.LeftButton)
    assert view.is_reasoning_expanded()
    # The user chose: the end of the answer does not collapse it behind their back.
    view.end_answer("done")
    assert view.is_reasoning_expanded()


def test_reasoning_collapses_when_the_answer_ends_without_content(view: TranscriptView) -> None:
    view.begin_answer("m")
    view.append_reasoning("thinking")
    view.flush()
    assert view.is_reasoning_expanded()
    view.end_answer("stopped")
    assert not view.is_reasoning_expanded()
    # Finished without a count: no ellipsis that would say it is still arriving.
    assert "▸  Reasoning\n" in view.plain_text() and "Reasoning…" not in view.plain_text()


def test_reasoning_arriving_with_the_content_is_built_only_when_shown(
    view: TranscriptView, qtbot: QtBot
) -> None:
    # A reopened answer (or one whose reasoning and first content share a render) starts
    # collapsed, and its reasoning is not laid out until the user shows it.
    view.begin_answer("m")
    view.append_reasoning("Use **ls**:\n\n```sh\nls -la\n```\n")
    view.append_content("Done.\n\n" + "more\n\n" * 80)
    view.end_answer("done")
    msg = answer(view)
    assert not view.is_reasoning_expanded()
    assert msg.reasoning_button.isVisible() and msg.reasoning_button.text() == "▸  Reasoning"
    assert msg.findChildren(AutoHeightBrowser) == [msg.content_view]  # not built yet
    assert "ls -la" not in view.plain_text()
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    focus_by_tab(qtbot, view, msg.reasoning_button)
    qtbot.keyClick(msg.reasoning_button, Qt.Key.Key_Return)
    assert view.is_reasoning_expanded() and msg.reasoning_view.isVisible()
    assert view.reasoning_text() == "Use ls:\nsh\nCopy\nls -la\n"  # rendered and finished
    # Built late, it is still a Tab stop right after its button, and scroll keys pressed in it
    # scroll the transcript.
    qtbot.keyClick(msg.reasoning_button, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is msg.reasoning_view
    settle(qtbot)
    bar = view.scroll_bar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    qtbot.keyClick(msg.reasoning_view, Qt.Key.Key_Home)
    assert bar.value() == 0


def test_no_reasoning_section_without_reasoning(view: TranscriptView) -> None:
    view.begin_answer("deepseek-v4-flash · non-thinking")
    view.append_content("Hi")
    view.end_answer("done")
    assert not answer(view).reasoning_button.isVisible()
    assert view.plain_text() == "DeepSeek · deepseek-v4-flash · non-thinking\nHi"


# -- status, errors, actions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "usage", "line"),
    [
        ("done", "input 1,234 (hit 1,000 / miss 234) · output 18 · $0.0012", None),
        ("done", None, ""),
        ("stopped", None, "■ stopped"),
        ("length", "output 8,192", "Answer cut at max tokens  ·  output 8,192"),
        ("error", None, "✕ failed"),
    ],
)
def test_end_answer_status_line(
    view: TranscriptView, status: str, usage: str | None, line: str | None
) -> None:
    view.begin_answer("m")
    view.append_content("Answer text")  # not flushed: end_answer flushes at once
    view.end_answer(status, usage)
    assert view.answer_text() == "Answer text"
    expected = usage if line is None else line
    last = view.plain_text().splitlines()[-1]
    assert last == (expected or "Answer text")
    # Late deltas of a finished stream are dropped.
    view.append_content(" more")
    view.flush()
    assert view.answer_text() == "Answer text"


def test_show_error_emits_sig_action_on_click_and_keyboard(
    view: TranscriptView, qtbot: QtBot
) -> None:
    view.begin_answer("m")
    view.end_answer("error")
    view.show_error(
        "The server is busy (HTTP 503).", [("Retry", "retry"), ("Open settings", "settings")]
    )
    box = view.findChildren(ErrorBox)[-1]
    assert "⚠ The server is busy (HTTP 503).\nRetry · Open settings" in view.plain_text()
    retry, settings = box.findChildren(LinkButton)
    with qtbot.waitSignal(view.sig_action) as blocker:
        qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    assert blocker.args == ["retry"]
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    focus_by_tab(qtbot, view, settings)
    with qtbot.waitSignal(view.sig_action) as blocker:
        qtbot.keyClick(settings, Qt.Key.Key_Return)
    assert blocker.args == ["settings"]
    with qtbot.waitSignal(view.sig_action) as blocker:
        qtbot.keyClick(settings, Qt.Key.Key_Space)
    assert blocker.args == ["settings"]


def test_add_actions_under_the_last_answer(view: TranscriptView, qtbot: QtBot) -> None:
    view.begin_answer("m")
    view.append_content("cut her")
    view.end_answer("length")
    view.add_actions([("Continue", "continue")])
    button = answer(view).findChild(LinkButton, "action:continue")
    assert view.plain_text().endswith("Answer cut at max tokens\nContinue")
    with qtbot.waitSignal(view.sig_action) as blocker:
        qtbot.keyClick(button, Qt.Key.Key_Enter)
    assert blocker.args == ["continue"]


# -- timer, scrolling, keys, clear -----------------------------------------------------------------


def test_deltas_are_coalesced_by_the_timer(view: TranscriptView, qtbot: QtBot) -> None:
    view.begin_answer("m")
    calls = []
    original = view._render

    def counting_render(force: bool) -> None:
        calls.append(force)
        original(force)

    view._render = counting_render  # type: ignore[method-assign]
    for ch in "coalesced into one render":
        view.append_content(ch)
    assert view.answer_text() == ""
    qtbot.waitUntil(lambda: view.answer_text() == "coalesced into one render", timeout=2000)
    assert calls == [False]  # one unforced render by the timer


def test_auto_scroll_follows_only_when_at_the_bottom(view: TranscriptView, qtbot: QtBot) -> None:
    bar = view.scroll_bar()
    view.begin_answer("m")
    view.append_content("".join(f"Paragraph {i}.\n\n" for i in range(80)))
    view.flush()
    settle(qtbot)
    assert bar.maximum() > 0 and bar.value() == bar.maximum()

    bar.setValue(0)  # the user scrolls up to read
    view.append_content("".join(f"More {i}.\n\n" for i in range(20)))
    view.flush()
    settle(qtbot)
    assert bar.value() == 0

    bar.setValue(bar.maximum())  # back at the bottom: following again
    old_max = bar.maximum()
    view.append_content("".join(f"Even more {i}.\n\n" for i in range(20)))
    view.flush()
    settle(qtbot)
    assert bar.maximum() > old_max and bar.value() == bar.maximum()


def test_page_home_end_keys_scroll_from_inside_a_message(
    view: TranscriptView, qtbot: QtBot
) -> None:
    bar = view.scroll_bar()
    view.begin_answer("m")
    view.append_content("".join(f"Paragraph {i}.\n\n" for i in range(120)))
    view.end_answer("done")
    settle(qtbot)
    browser = answer(view).content_view
    qtbot.keyClick(browser, Qt.Key.Key_Home)
    assert bar.value() == 0
    qtbot.keyClick(browser, Qt.Key.Key_PageDown)
    assert bar.value() == bar.pageStep()
    qtbot.keyClick(browser, Qt.Key.Key_End)
    assert bar.value() == bar.maximum()
    qtbot.keyClick(view.focusProxy(), Qt.Key.Key_PageUp)
    assert bar.value() == bar.maximum() - bar.pageStep()
    assert view.focusProxy().focusPolicy() == Qt.FocusPolicy.StrongFocus


def test_scroll_keys_on_a_button_inside_an_entry_reach_the_transcript(
    view: TranscriptView, qtbot: QtBot
) -> None:
    """Buttons ignore these keys; Qt passes them up to the transcript, which scrolls."""
    bar = view.scroll_bar()
    view.add_user_message("a question", "m")
    view.begin_answer("m")
    view.append_reasoning("I should answer at length.")
    view.append_content("".join(f"Paragraph {i}.\n\n" for i in range(120)))
    view.end_answer("done")
    settle(qtbot)
    buttons = [
        b
        for entry in view._entries
        for b in entry.findChildren(QAbstractButton)
        if b.focusPolicy() & Qt.FocusPolicy.TabFocus
    ]
    kinds = {type(b): b for b in buttons}
    for button in (kinds[LinkButton], kinds[DisclosureButton]):
        qtbot.keyClick(button, Qt.Key.Key_Home)
        assert bar.value() == 0
        qtbot.keyClick(button, Qt.Key.Key_PageDown)
        assert bar.value() == bar.pageStep()
        qtbot.keyClick(button, Qt.Key.Key_Down)
        assert bar.value() == bar.pageStep() + bar.singleStep()
        qtbot.keyClick(button, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        assert bar.value() == bar.maximum()


def test_clear_and_a_second_answer(view: TranscriptView) -> None:
    view.add_user_message("q1", "m")
    view.begin_answer("m")
    view.append_content("a1")
    view.end_answer("done")
    view.clear()
    assert view.plain_text() == ""
    assert view.answer_text() == ""
    view.add_user_message("q2", "m")
    view.begin_answer("m")
    view.append_content("a2")
    view.end_answer("done")
    assert view.plain_text() == "You · m\nq2\n\nDeepSeek · m\na2"


# -- highlighting ----------------------------------------------------------------------------------


def test_lexer_choice_by_language_or_filename() -> None:
    assert lexer_for("python").name == "Python"
    assert lexer_for("py").name == "Python"
    assert lexer_for("TS").name == "TypeScript"
    assert lexer_for("shell").name == "Bash"
    assert lexer_for("", "src/main.rs").name == "Rust"
    assert lexer_for("src/app.go").name == "Go"  # a fence naming a file
    assert isinstance(lexer_for("no-such-language"), TextLexer)
    assert isinstance(lexer_for(""), TextLexer)  # never guessed from content
    assert lexer_for("python") is lexer_for("python")  # cached


@pytest.mark.parametrize("dark", [False, True])
def test_highlight_colours_show_in_a_qtextbrowser(qtbot: QtBot, dark: bool) -> None:
    markup = highlight_html('def f(x):\n    return "<tag>"  # note\n', "python", dark=dark)
    assert "<span style=" in markup and "&lt;tag&gt;" in markup
    browser = QTextBrowser()
    qtbot.addWidget(browser)
    browser.setHtml(f"<pre>{markup}</pre>")
    doc = browser.document()
    assert doc.toPlainText() == 'def f(x):\n    return "<tag>"  # note\n'
    colours = {
        cur.charFormat().foreground().color().name()
        for text, cur in iter_fragments(doc)
        if cur.charFormat().hasProperty(cur.charFormat().Property.ForegroundBrush)
    }
    assert len(colours) >= 3  # keyword, string, comment differ
