"""FilePreview: off-thread reading, Pygments highlighting, refusals, reload on change, Esc."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from pytestqt.qtbot import QtBot

from dsdesk.ui.preview import FilePreview
from dsdesk.ui.preview_text import read_for_preview, token_runs

pytestmark = pytest.mark.qt_log_ignore(
    # The offscreen platform says so whenever a top-level window with a layout gets a minimum size.
    "This plugin does not support propagateSizeHints"
)

PY_SOURCE = 'def greet(name):\n    """Say\n    hello."""\n    value = name\n    return value\n'


@pytest.fixture
def preview(qtbot: QtBot) -> FilePreview:
    widget = FilePreview()
    qtbot.addWidget(widget)
    widget.resize(600, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def formats_of(preview: FilePreview, line: int) -> dict[int, QColor]:
    """Start column -> foreground colour of the formats set on one line of the view."""
    block = preview._view.document().findBlockByNumber(line)
    return {r.start: r.format.foreground().color() for r in block.layout().formats()}


def test_python_file_is_highlighted(qtbot: QtBot, preview: FilePreview, tmp_path: Path) -> None:
    path = tmp_path / "src/hello.py"
    path.parent.mkdir()
    path.write_text(PY_SOURCE, encoding="utf-8")
    preview.show_file(path, root=tmp_path)
    assert preview.current_path() == path
    assert preview._title.text() == "src/hello.py"
    qtbot.waitUntil(lambda: preview.text() == PY_SOURCE, timeout=5000)
    qtbot.waitUntil(lambda: bool(formats_of(preview, 0)), timeout=5000)

    first = formats_of(preview, 0)
    assert 0 in first  # "def" is a keyword and gets a colour...
    plain = preview.palette().color(QPalette.ColorRole.Text)
    assert first[0] != plain
    assert 4 in first and first[4] != first[0]  # ...the function name another
    # A plain identifier ("value" on line 3) keeps the default text format.
    assert 4 not in formats_of(preview, 3)
    # The docstring's second line is still a string: the whole file was lexed, not line by line.
    doc_colour = formats_of(preview, 1)[4]
    assert formats_of(preview, 2).get(0) == doc_colour != plain
    assert "5 lines" in preview._info.text()


def test_binary_file_is_refused(qtbot: QtBot, preview: FilePreview, tmp_path: Path) -> None:
    path = tmp_path / "blob.dat"
    path.write_bytes(b"\x7fELF\x00\x01\x02" + bytes(range(256)))
    preview.show_file(path)
    qtbot.waitUntil(lambda: preview.message() != "", timeout=5000)
    assert "Binary" in preview.message()
    assert preview.text() == ""


def test_oversized_file_is_refused(qtbot: QtBot, tmp_path: Path) -> None:
    widget = FilePreview(max_bytes=1024)
    qtbot.addWidget(widget)
    path = tmp_path / "big.txt"
    path.write_text("x" * 2048, encoding="utf-8")
    widget.show_file(path)
    qtbot.waitUntil(lambda: widget.message() != "", timeout=5000)
    assert "Too large" in widget.message()
    small = tmp_path / "small.txt"
    small.write_text("ok\n", encoding="utf-8")
    widget.show_file(small)
    qtbot.waitUntil(lambda: widget.text() == "ok\n", timeout=5000)
    assert widget.message() == ""


def test_reloads_when_the_file_changes(qtbot: QtBot, preview: FilePreview, tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("first\n", encoding="utf-8")
    preview.show_file(path)
    qtbot.waitUntil(lambda: preview.text() == "first\n", timeout=5000)
    path.write_text("second\n", encoding="utf-8")  # in place
    qtbot.waitUntil(lambda: preview.text() == "second\n", timeout=5000)
    tmp = tmp_path / "notes.md.tmp"
    tmp.write_text("third\n", encoding="utf-8")
    tmp.replace(path)  # replaced, as editors that save atomically do
    qtbot.waitUntil(lambda: preview.text() == "third\n", timeout=5000)
    path.write_text("fourth\n", encoding="utf-8")  # still followed after the replacement
    qtbot.waitUntil(lambda: preview.text() == "fourth\n", timeout=5000)
    path.unlink()
    qtbot.waitUntil(lambda: "no longer exists" in preview.message(), timeout=5000)


def test_escape_emits_sig_closed(qtbot: QtBot, preview: FilePreview, tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("hello\n", encoding="utf-8")
    preview.show_file(path)
    qtbot.waitUntil(lambda: preview.text() == "hello\n", timeout=5000)
    with qtbot.waitSignal(preview.sig_closed, timeout=2000):
        qtbot.keyClick(preview._view, Qt.Key.Key_Escape)
    assert preview._view.isReadOnly()


def test_clear_and_stale_results(qtbot: QtBot, preview: FilePreview, tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("A\n", encoding="utf-8")
    b.write_text("B\n", encoding="utf-8")
    preview.show_file(a)
    preview.show_file(b)  # a's read may still be in flight: it must not win
    qtbot.waitUntil(lambda: preview.text() == "B\n", timeout=5000)
    qtbot.wait(100)
    assert preview.text() == "B\n"
    preview.clear()
    assert preview.current_path() is None and preview.text() == ""


# -- the pure parts -------------------------------------------------------------------------------


def test_read_for_preview_decoding_fallbacks(tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9\r\nna\xefve\r\n")
    res = read_for_preview(latin)
    assert res.text == "café\nnaïve\n" and res.encoding == "CP1252"
    utf16 = tmp_path / "u16.txt"
    utf16.write_bytes("\ufeffhé\n".encode("utf-16-le"))
    res = read_for_preview(utf16)
    assert res.text == "hé\n" and "UTF-16" in res.encoding  # NULs, yet text thanks to the BOM
    bom8 = tmp_path / "bom8.txt"
    bom8.write_bytes(b"\xef\xbb\xbfok")
    assert read_for_preview(bom8).text == "ok"
    assert read_for_preview(tmp_path / "missing.txt").message == "The file no longer exists."
    assert read_for_preview(tmp_path).message == "This is a folder."
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert read_for_preview(empty).text == ""


def test_token_runs_split_multiline_tokens_and_count_utf16() -> None:
    runs = token_runs('s = "😀"; t = 1\n"""a\nb"""\n', "x.py")
    assert len(runs) == 4
    # The emoji is two UTF-16 units, so what follows it starts one column later than in Python.
    assert [r[:2] for r in runs[0][2:5]] == [(4, 1), (5, 2), (7, 1)]  # '"', '😀', '"'
    number = [r for r in runs[0] if str(r[2]).startswith("Token.Literal.Number")]
    assert number and number[0][0] == 14
    assert runs[1] and runs[2]  # both lines of the docstring
    assert token_runs("plain words\n", "notes.txt") == [[], []]


# -- header controls, wrapping, the project jail (issue 14, item 3) ----------------------------


def test_close_button_is_visible_and_names_its_key(
    qtbot: QtBot, preview: FilePreview, tmp_path: Path
) -> None:
    path = tmp_path / "a.txt"
    path.write_text("hello\n", encoding="utf-8")
    preview.show_file(path, root=tmp_path)
    button = preview.close_button
    assert button.isVisible() and button.text()
    assert "Esc" in button.toolTip()
    with qtbot.waitSignal(preview.sig_closed, timeout=2000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    # Keyboard users reach it with Tab from the text, and Space presses it.
    button.setFocus()
    with qtbot.waitSignal(preview.sig_closed, timeout=2000):
        qtbot.keyClick(button, Qt.Key.Key_Space)


def test_wrap_toggle_wraps_long_lines_and_is_kept_for_the_next_file(
    qtbot: QtBot, preview: FilePreview, tmp_path: Path
) -> None:
    long_line = "word " * 400 + "\n"
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(long_line, encoding="utf-8")
    b.write_text(long_line, encoding="utf-8")
    preview.show_file(a, root=tmp_path)
    qtbot.waitUntil(lambda: preview.text() == long_line, timeout=5000)
    bar = preview._view.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=5000)  # unwrapped: scrolls sideways
    assert not preview.wrap_button.isChecked()
    preview.wrap_button.setFocus()
    qtbot.keyClick(preview.wrap_button, Qt.Key.Key_Space)
    assert preview.wrap_button.isChecked() and preview.wraps()
    qtbot.waitUntil(lambda: bar.maximum() == 0, timeout=5000)
    assert preview._view.document().firstBlock().layout().lineCount() > 1
    preview.show_file(b, root=tmp_path)
    qtbot.waitUntil(lambda: preview.current_path() == b and preview.text() == long_line)
    assert preview.wraps()  # remembered for the session
    preview.toggle_wrap()
    assert not preview.wraps() and not preview.wrap_button.isChecked()


def test_a_file_resolving_outside_the_project_is_refused_with_the_reason(
    qtbot: QtBot, preview: FilePreview, tmp_path: Path
) -> None:
    project, outside = tmp_path / "proj", tmp_path / "secret.txt"
    project.mkdir()
    outside.write_text("TOKEN=abc\n", encoding="utf-8")
    (project / "notes.txt").symlink_to(outside)
    (project / "elsewhere").symlink_to(tmp_path, target_is_directory=True)
    preview.show_file(project / "notes.txt", root=project)
    qtbot.waitUntil(lambda: preview.message() != "", timeout=5000)
    assert "outside the project" in preview.message()
    assert "TOKEN" not in preview.text()
    preview.show_file(project / "elsewhere" / "secret.txt", root=project)
    qtbot.waitUntil(lambda: "linked folder" in preview.message(), timeout=5000)
    # Without a project (a file shown on its own) there is nothing to jail it to.
    assert read_for_preview(project / "notes.txt").text == "TOKEN=abc\n"
    assert read_for_preview(project / "notes.txt", root=project).text is None
