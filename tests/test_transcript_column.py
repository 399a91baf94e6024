"""The transcript's column in pages (dsdesk.ui.transcript_column): entries keep their order and
one rhythm across pages, and a change in one entry lays out its own page only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtWidgets import QApplication, QLabel, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from dsdesk.services.history import MessageRef
from dsdesk.ui.transcript import TranscriptView
from dsdesk.ui.transcript_column import SPACING, EntryColumn

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


@pytest.fixture
def column(qtbot: QtBot) -> Iterator[tuple[EntryColumn, QWidget]]:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    body = QWidget()
    col = EntryColumn(body)
    scroll.setWidget(body)
    qtbot.addWidget(scroll)
    scroll.resize(600, 400)
    scroll.show()
    qtbot.waitExposed(scroll)
    yield col, body


def label(text: str) -> QLabel:
    w = QLabel(text)
    w.setWordWrap(True)
    return w


def in_order(col: EntryColumn) -> list[str]:
    out = []
    for page in col.pages():
        lay = page.layout()
        assert lay is not None
        for k in range(lay.count()):
            item = lay.itemAt(k)
            w = item.widget() if item is not None else None
            assert isinstance(w, QLabel)
            out.append(w.text())
    return out


def test_entries_keep_their_order_in_pages_appended_and_inserted_above(
    column: tuple[EntryColumn, QWidget],
) -> None:
    col, _ = column
    names = [f"late {n}" for n in range(70)]
    for n, name in enumerate(names):
        col.insert(n, label(name))
    # "Show earlier": older entries inserted one after another above the others
    early = [f"early {n}" for n in range(45)]
    for n, name in enumerate(early):
        col.insert(n, label(name))
    # and one in the middle of a page
    col.insert(50, label("middle"))
    expected = early + names
    expected.insert(50, "middle")
    assert in_order(col) == expected
    sizes = [p.layout().count() for p in col.pages()]  # type: ignore[union-attr]
    assert sum(sizes) == len(expected)
    assert max(sizes) <= EntryColumn.PAGE + 1  # a full page grows only by inserts inside it
    assert len(col.pages()) <= len(expected) // (EntryColumn.PAGE // 2) + 1


def test_emptied_pages_go_away(column: tuple[EntryColumn, QWidget]) -> None:
    col, _ = column
    widgets = [label(str(n)) for n in range(EntryColumn.PAGE * 2 + 5)]
    for n, w in enumerate(widgets):
        col.insert(n, w)
    assert len(col.pages()) == 3
    for w in widgets[: EntryColumn.PAGE]:
        col.remove(w)
    assert len(col.pages()) == 2
    assert in_order(col) == [w.text() for w in widgets[EntryColumn.PAGE :]]


class _Resizes(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[QObject] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move):
            self.seen.append(watched)
        return False


def test_a_growing_last_entry_leaves_the_earlier_pages_untouched(
    column: tuple[EntryColumn, QWidget], qtbot: QtBot
) -> None:
    col, _ = column
    widgets = [label(f"entry {n} " * 8) for n in range(EntryColumn.PAGE * 3)]
    for n, w in enumerate(widgets):
        col.insert(n, w)
    for _ in range(5):  # word-wrapped labels settle in a few passes
        col.activate()
        QApplication.processEvents()
    spy = _Resizes()
    earlier = widgets[: EntryColumn.PAGE * 2]
    for w in [*earlier, *col.pages()[:2]]:
        w.installEventFilter(spy)
    last = widgets[-1]
    before = last.height()
    last.setText("grows " * 400)
    for _ in range(5):
        QApplication.processEvents()
        col.activate()
    assert last.height() > before
    assert spy.seen == []  # nothing in the earlier pages was moved, resized or laid out


def test_the_transcript_keeps_one_rhythm_across_pages(qtbot: QtBot) -> None:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    view.parking.enabled = False
    for n in range(EntryColumn.PAGE + 30):
        view.add_user_message(f"question {n}", "V4 Pro", MessageRef(n + 1, 1, 1))
    view._column.activate()
    QApplication.processEvents()
    assert len(view._column.pages()) == 2
    tops = [e.mapTo(view._body, QPoint(0, 0)).y() for e in view._entries]
    assert tops == [view._column.top_of(e) for e in view._entries]
    gaps = {tops[i + 1] - (tops[i] + e.height()) for i, e in enumerate(view._entries[:-1])}
    assert gaps == {SPACING}
    view.scroll_to(view._entries[EntryColumn.PAGE + 3])  # an entry in the second page
    QApplication.processEvents()
    assert view.scroll_bar().value() == tops[EntryColumn.PAGE + 3] - 12
    view.clear()
    assert view._column.pages() == []
