"""The chat transcript: a scrollable column of messages that streams long answers cheaply.

Stream deltas (1–3 characters, thousands per second) only go into a pending list; a single-shot
timer coalesces them and renders about 30 times a second. Each answer renders incrementally
(``transcript_render.StreamRenderer``): finished markdown blocks once, the open tail again, so the
cost of a token stays constant however long the answer grows (docs/ARCHITECTURE.md §6).

Each entry is its own widget holding auto-height text browsers; the transcript's scroll area does
all the scrolling, and its keys (PageUp/PageDown/Home/End/arrows) work wherever focus is inside.
Entries far from the viewport are parked (``transcript_park``): a long agent session keeps only
the few screens around the view built.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QPalette, QResizeEvent
from PySide6.QtWidgets import QAbstractSlider, QFrame, QScrollArea, QVBoxLayout, QWidget

from dsdesk.services.history import MessageRef, StoredTurn
from dsdesk.ui.transcript_column import EntryColumn
from dsdesk.ui.transcript_entry_list import Entry, EntryList
from dsdesk.ui.transcript_keys import TranscriptKeys
from dsdesk.ui.transcript_messages import ActionRow, AnswerMessage, ErrorBox, UserMessage
from dsdesk.ui.transcript_park import Parked, Parking
from dsdesk.ui.transcript_style import Theme

__all__ = ["TranscriptView"]

_AT_BOTTOM_SLACK = 4  # px: "at the bottom" survives rounding in layout


class TranscriptView(QWidget):
    """The chat transcript (see the module docstring)."""

    sig_action = Signal(str)
    """action_id of an activated action link ("retry", "settings", "continue", …)."""

    FLUSH_INTERVAL_MS = 33

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = Theme.from_palette(self.palette(), self.font())
        self._entries = EntryList()
        self._answer: AnswerMessage | None = None  # the last answer
        self._next_answer_ref: MessageRef | None = None  # stored before the answer began
        self._streaming = False
        self._pending_reasoning: list[str] = []
        self._pending_content: list[str] = []
        self._scheduled = False
        self._follow = True  # the view is at the bottom: keep it there as content grows

        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scroll.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._scroll.viewport().setBackgroundRole(QPalette.ColorRole.Base)
        self._scroll.viewport().setAutoFillBackground(True)
        self._body = QWidget()
        self._body.setObjectName("transcriptBody")
        self._column = EntryColumn(self._body)
        self._scroll.setWidget(self._body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._scroll)
        self.setFocusProxy(self._scroll)
        self._keys = TranscriptKeys(self._scroll)
        self._insert_at: int | None = None  # adding earlier messages above the others
        self._placeholder: QWidget | None = None  # shown while there are no entries

        vbar = self._scroll.verticalScrollBar()
        vbar.setSingleStep(40)
        vbar.setStyleSheet(self._theme.scroll_bar_css())
        vbar.rangeChanged.connect(self._on_vbar_rangeChanged)
        vbar.valueChanged.connect(self._on_vbar_valueChanged)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.FLUSH_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.parking = Parking(
            self._scroll,
            self._column,
            self._entries,  # type: ignore[arg-type]
            lambda: self._theme,
            self._keep_built,
            self._wire,
        )

    # -- messages --------------------------------------------------------------------------------

    def add_user_message(self, text: str, meta: str, ref: MessageRef | None = None) -> None:
        self.flush()
        self._follow = True  # the user just sent this: show it, and follow the answer
        message = UserMessage(text, meta, self._theme, self._body, ref)
        message.sig_action.connect(self.sig_action)
        self._add_entry(message)

    def begin_answer(
        self, meta: str, ref: MessageRef | None = None, *, continuation: bool = False
    ) -> None:
        """Start an answer; ``continuation``: a later round of an agent turn (no header)."""
        if self._streaming:
            self.end_answer("stopped")
        ref, self._next_answer_ref = ref or self._next_answer_ref, None
        answer = AnswerMessage(meta, self._theme, self._body, ref, continuation=continuation)
        answer.sig_action.connect(self.sig_action)
        self._answer = answer
        self._streaming = True
        self._add_entry(answer)

    def resume_answer(self) -> None:
        """Stream on into the last answer (Continue extended it in place)."""
        answer = self._answer
        if self._streaming or answer is None:
            return
        self._follow = True
        answer.resume()
        self._streaming = True

    def append_reasoning(self, text: str) -> None:
        if self._streaming:  # a late delta from a finished stream is dropped
            self._pending_reasoning.append(text)
            if not self._scheduled:
                self._scheduled = True
                self._timer.start()

    def append_content(self, text: str) -> None:
        if self._streaming:
            self._pending_content.append(text)
            if not self._scheduled:
                self._scheduled = True
                self._timer.start()

    def set_reasoning_tokens(self, n: int) -> None:
        if self._answer is not None:
            self._answer.set_reasoning_tokens(n)

    def end_answer(self, status: str, usage: str | None = None) -> None:
        """Finish the streaming answer; ``status`` is done, stopped, length or error."""
        if not self._streaming or self._answer is None:
            return
        self.flush()
        self._streaming = False
        with self.layout_deferred():
            self._answer.finish(status, usage)

    def tag_turn(self, turn: StoredTurn) -> None:
        """Give the last prompt and the answer about to stream their stored ids."""
        prompt = self.last_user_message()
        if prompt is not None and prompt.text == turn.text:
            prompt.set_ref(turn.prompt)
        if self._streaming and self._answer is not None:
            self._answer.set_ref(turn.answer)
        else:
            self._next_answer_ref = turn.answer

    def show_error(self, message: str, actions: list[tuple[str, str]]) -> None:
        self.flush()
        box = ErrorBox(message, actions, self._theme, self._body)
        box.sig_action.connect(self.sig_action)
        self._add_entry(box)

    @property
    def theme(self) -> Theme:
        return self._theme

    def add_card(self, card: QWidget) -> None:
        """Add a widget entry (e.g. the edits card); it needs ``plain_text()``; a ``sig_action``
        signal, if it has one, is forwarded."""
        self.flush()
        action = getattr(card, "sig_action", None)
        if action is not None:
            action.connect(self.sig_action)
        self._add_entry(card)  # type: ignore[arg-type]

    def add_actions(self, actions: list[tuple[str, str]]) -> None:
        """Action links under the last answer (e.g. Continue after a cut answer)."""
        if self._answer is None:
            row = ActionRow(actions, self._body)
            row.sig_action.connect(self.sig_action)
            self._add_entry(row)
            return
        self._answer.set_actions(actions)
        if self._answer.action_row is not None:
            self._keys.watch(self._answer.action_row)
            self._keys.chain(self._entries, self._answer, skip=Parked)

    def set_placeholder(self, widget: QWidget) -> None:
        """Show ``widget`` (e.g. example prompts) while the transcript has no entries."""
        self._placeholder = widget
        self._column.add_header(widget)
        QWidget.setTabOrder(self._scroll, widget)
        widget.setVisible(not self._entries)

    def clear(self) -> None:
        self._timer.stop()
        self._scheduled = False
        self._pending_reasoning.clear()
        self._pending_content.clear()
        self._streaming = False
        self._answer = None
        self._next_answer_ref = None
        for entry in self._entries:
            self._column.remove(entry)
            entry.hide()
            entry.deleteLater()
            self.parking.forget(entry)
        self._entries.clear()
        self._follow = True
        if self._placeholder is not None:
            self._placeholder.show()

    def flush(self) -> None:
        """Render everything pending now, in full."""
        self._render(force=True)

    def _render(self, force: bool) -> None:
        with self.layout_deferred():
            self._render_pending(force)

    def _render_pending(self, force: bool) -> None:
        """Render pending deltas. The timer's unforced renders may postpone redrawing a costly
        open block (a long table); then the timer stays armed until it is drawn."""
        self._timer.stop()
        self._scheduled = False
        answer = self._answer
        if answer is None:
            return
        if self._pending_reasoning or answer.reasoning_stale:
            text = "".join(self._pending_reasoning)
            self._pending_reasoning.clear()
            # With the first content in the same render, the reasoning would collapse at once:
            # it starts collapsed (and is not laid out until shown).
            answer.add_reasoning(text, force, expand=not self._pending_content)
        if self._pending_content or answer.content.stale:
            text = "".join(self._pending_content)
            self._pending_content.clear()
            answer.add_content(text, force)
        if answer.stale and self._streaming:
            self._scheduled = True
            self._timer.start()

    # -- queries ---------------------------------------------------------------------------------

    def plain_text(self) -> str:
        return "\n\n".join(entry.plain_text() for entry in self._entries)

    def last_user_message(self) -> UserMessage | None:
        i = self._entries.last_prompt()
        entry = self.parking.build_at(i) if i is not None else None
        return entry if isinstance(entry, UserMessage) else None

    def last_answer(self) -> AnswerMessage | None:
        return self._answer

    def message(self, message_id: int) -> UserMessage | AnswerMessage | None:
        """The entry showing a stored message, if it is in the transcript (built now if it was
        parked)."""
        return self._entries.find_message(message_id, self.parking.build_at)

    def scroll_to(self, entry: QWidget) -> None:
        """Show ``entry`` at the top of the view (a search hit, a message just switched)."""
        self._follow = False
        self._column.activate()  # entries just added have no geometry until the layout runs
        self._scroll.verticalScrollBar().setValue(self._column.top_of(entry) - 12)

    def answer_text(self) -> str:
        return self._answer.answer_text() if self._answer is not None else ""

    def reasoning_text(self) -> str:
        return self._answer.reasoning_text() if self._answer is not None else ""

    def is_reasoning_expanded(self) -> bool:
        return self._answer is not None and self._answer.is_reasoning_expanded()

    def is_at_bottom(self) -> bool:
        vbar = self._scroll.verticalScrollBar()
        return vbar.value() >= vbar.maximum() - _AT_BOTTOM_SLACK

    def scroll_bar(self) -> QAbstractSlider:
        return self._scroll.verticalScrollBar()

    # -- internals -------------------------------------------------------------------------------

    @contextmanager
    def layout_deferred(self) -> Iterator[None]:
        """Showing a widget makes Qt lay out the layouts of its visible ancestors on the spot,
        the column too: a pass over every entry, and a 500-step agent turn has a thousand.
        Inside, the column is disabled, so entries added or grown lay it out once, on the
        request queued for the event loop, not once per widget shown."""
        if not self._column.is_enabled():  # nested
            yield
            return
        self._column.set_enabled(False)
        try:
            yield
        finally:
            self._column.set_enabled(True)

    @contextmanager
    def inserting_at_top(self) -> Iterator[None]:
        """Entries added inside go above the existing ones, in order (earlier messages of a
        long conversation); the last answer stays the one the chat continues."""
        self.flush()
        saved = (self._answer, self._streaming, self._next_answer_ref)
        self._answer, self._streaming, self._next_answer_ref = None, False, None
        self._insert_at, self._follow = 0, False
        try:
            yield
        finally:
            self._answer, self._streaming, self._next_answer_ref = saved
            self._insert_at = None

    def remove_first(self) -> None:
        """Remove the top entry (the "Show earlier messages" link being replaced)."""
        if self._entries:
            entry = self._entries.take_first()
            self.parking.forget(entry)
            self._column.remove(entry)
            entry.hide()
            entry.deleteLater()

    def _add_entry(self, entry: Entry) -> None:
        if self._placeholder is not None:
            self._placeholder.hide()
        self._column.insert(self._entries.add(entry, self._insert_at), entry)
        if self._insert_at is not None:
            self._insert_at += 1
        with self.layout_deferred():
            entry.show()  # now, not on the layout's queued show: tests and flush() see it at once
        self._wire(entry, rebuilt=False)
        self.parking.schedule(lazy=self._follow)

    def _wire(self, entry: QWidget, rebuilt: bool = True) -> None:
        """Keys and Tab order for an entry just added or built back from parking."""
        if rebuilt:
            action = getattr(entry, "sig_action", None)
            if action is not None:
                action.connect(self.sig_action)
        built = getattr(entry, "sig_built", None)
        if built is not None:
            built.connect(self._keys.watch)  # a part built later (an answer's reasoning)
        self._keys.watch(entry)
        self._keys.chain(self._entries, entry, skip=Parked)

    def _keep_built(self) -> tuple[QWidget | None, ...]:
        """The answer the chat streams into or continues, and the last prompt, stay built."""
        i = self._entries.last_prompt()
        return self._answer, self._entries[i] if i is not None else None

    def _on_timer_timeout(self) -> None:
        self._render(force=False)

    def _on_vbar_valueChanged(self, value: int) -> None:
        self._follow = value >= self._scroll.verticalScrollBar().maximum() - _AT_BOTTOM_SLACK
        self.parking.schedule(lazy=self._follow)  # at the bottom, the newest are built

    def _on_vbar_rangeChanged(self, _minimum: int, maximum: int) -> None:
        # Growth alone never moves the value, so _follow still says whether the view was at the
        # bottom before this update.
        if self._follow:
            self._scroll.verticalScrollBar().setValue(maximum)
        else:
            self.parking.restore_anchor()
        self.parking.schedule(lazy=self._follow)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.parking.schedule()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.FontChange):
            self._theme = Theme.from_palette(self.palette(), self.font())
            self._scroll.verticalScrollBar().setStyleSheet(self._theme.scroll_bar_css())
            for entry in self._entries:
                if not isinstance(entry, ActionRow | Parked):
                    entry.apply_theme(self._theme)
        super().changeEvent(event)
