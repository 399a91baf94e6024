"""Transcript building blocks (dsdesk.ui.transcript_widgets)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from dsdesk.services.history import MessageRef
from dsdesk.ui.transcript import TranscriptView
from dsdesk.ui.transcript_widgets import WrappedLabel

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

LONG = "12,345 tokens in (99% from the cache) · 678 out · $0.0012 · 3.4 s · " * 4


def test_a_wrapped_label_is_as_tall_as_its_text_at_its_width(qtbot: QtBot) -> None:
    box = QWidget()
    qtbot.addWidget(box)
    lay = QVBoxLayout(box)
    label = WrappedLabel(box)
    lay.addWidget(label)
    lay.addStretch(1)
    label.setText(LONG)
    box.resize(900, 400)
    box.show()
    qtbot.waitExposed(box)
    qtbot.waitUntil(lambda: label.height() == label.heightForWidth(label.width()))
    wide = label.height()
    assert 0 < wide < label.heightForWidth(300)

    box.resize(220, 400)  # narrow: more lines, all of them shown
    qtbot.waitUntil(lambda: label.height() == label.heightForWidth(label.width()))
    assert label.height() > 2 * wide
    label.setText("short")  # a new text: fitted on the next layout pass
    qtbot.waitUntil(lambda: label.height() < wide + 1)
    assert label.height() == label.heightForWidth(label.width())
    assert not label.hasHeightForWidth()  # the point: no layout above asks it again


def test_answers_with_a_usage_line_do_not_make_the_transcript_height_for_width(
    qtbot: QtBot,
) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    qtbot.waitExposed(view)
    view.add_user_message("go", "V4 Pro", MessageRef(1, 1, 1))
    for n in range(5):
        view.begin_answer("V4 Pro", MessageRef(10 + n, 1, 1), continuation=n > 0)
        view.append_content(f"step {n}")
        view.end_answer("done", LONG)
    QApplication.processEvents()
    body = view._body.layout()
    assert body is not None and not body.hasHeightForWidth()
    answer = view.last_answer()
    assert answer is not None and LONG.strip() in answer.plain_text()


def test_the_transcripts_flat_scroll_bar_follows_the_theme(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    qtbot.waitExposed(view)
    for n in range(30):  # enough to scroll
        view.add_user_message(f"prompt {n}\n" * 3, "")
    QApplication.processEvents()
    bar = view.scroll_bar()
    bar.setValue(0)  # the handle at the top: the groove at the bottom
    QApplication.processEvents()

    def groove() -> QColor:
        return bar.grab().toImage().pixelColor(1, bar.height() - 3)

    assert bar.isVisible() and groove() == view.theme.base
    pal = QPalette(view.palette())
    pal.setColor(QPalette.ColorRole.Window, QColor(37, 37, 40))
    pal.setColor(QPalette.ColorRole.Base, QColor(28, 28, 31))
    pal.setColor(QPalette.ColorRole.Text, QColor(220, 220, 222))
    view.setPalette(pal)
    QApplication.processEvents()
    assert view.theme.dark and groove() == QColor(28, 28, 31)
