"""An assistant answer in the transcript (the other entries are in ``transcript_entries``)."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from dsdesk.services.history import MessageRef
from dsdesk.ui.message_tools import MessageTools
from dsdesk.ui.transcript_entries import (
    ActionRow,
    ErrorBox,
    UserMessage,
    header_html,
    header_row,
    label,
    set_text_color,
)
from dsdesk.ui.transcript_reasoning import ReasoningPane, open_link
from dsdesk.ui.transcript_render import StreamRenderer
from dsdesk.ui.transcript_style import Theme
from dsdesk.ui.transcript_widgets import (
    AutoHeightBrowser,
    DisclosureButton,
    RoundedFrame,
)

__all__ = ["ActionRow", "AnswerMessage", "AnswerState", "ErrorBox", "UserMessage"]

_STATUS_TEXT = {"stopped": "■ stopped", "length": "Answer cut at max tokens", "error": "✕ failed"}


@dataclasses.dataclass(frozen=True, slots=True)
class AnswerState:
    """A finished answer, parked (see ``transcript_park``): its text and what the user chose."""

    meta: str
    ref: MessageRef | None
    continuation: bool
    reasoning: str | None  # None: the answer had no reasoning section
    content: str | None  # None: no content
    reasoning_tokens: int | None
    expanded: bool
    user_toggled: bool
    status: str
    usage: str | None
    actions: tuple[tuple[str, str], ...]
    kind: str = "answer"

    @property
    def ref_id(self) -> int | None:
        return self.ref.id if self.ref is not None else None

    def build(self, theme: Theme, parent: QWidget) -> AnswerMessage:
        answer = AnswerMessage(self.meta, theme, parent, self.ref, continuation=self.continuation)
        answer._user_toggled = self.user_toggled
        if self.reasoning is not None:
            answer.add_reasoning(self.reasoning, expand=self.expanded)
        if self.content is not None:
            answer.add_content(self.content, final=True)
        if self.reasoning_tokens is not None:
            answer.set_reasoning_tokens(self.reasoning_tokens)
        answer.finish(self.status, self.usage)
        if self.actions:
            answer.set_actions(list(self.actions))
        return answer


class AnswerMessage(QWidget):
    """An assistant answer: header, collapsible reasoning, streamed content, status, actions."""

    sig_action = Signal(str)
    """action_id of an action link under the answer."""
    sig_built = Signal(QWidget)
    """A part built after the answer was added (its reasoning, when first shown)."""

    def __init__(
        self,
        meta: str,
        theme: Theme,
        parent: QWidget | None = None,
        ref: MessageRef | None = None,
        *,
        continuation: bool = False,
    ) -> None:
        super().__init__(parent)
        self._meta = meta
        self._theme = theme
        # A later round of an agent turn: it goes on under the tool cards, without a header.
        self.continuation = continuation
        self._source: list[str] = []  # the markdown as received, for Copy
        self._reasoning_tokens: int | None = None
        self._user_toggled = False  # once the user chose, never collapse behind their back
        self._has_reasoning = False
        self._has_content = False
        self._finished = False
        self._status_text = ""
        self._ended: tuple[str, str | None] = ("done", None)  # finish()'s status and usage
        self._reasoning_source: list[str] = []  # as received, for building it again
        self._actions: tuple[tuple[str, str], ...] = ()
        self.action_row: ActionRow | None = None

        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 0, 2, 0)
        lay.setSpacing(4)
        self._lay = lay
        # The header and its links are built when first shown: an agent round's answer (most
        # of a long session) has neither, and building them was a fifth of building it.
        self._ref = ref
        self._header: QLabel | None = None
        self._tools: MessageTools | None = None
        if not continuation:
            self._build_header()

        self.reasoning_button = DisclosureButton(self)
        self.reasoning_button.clicked.connect(self._on_reasoning_button_clicked)
        self.reasoning_button.hide()
        lay.addWidget(self.reasoning_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._reasoning: ReasoningPane | None = None  # built when first shown
        self._reasoning_unbuilt: list[str] = []  # received while not built
        self._expanded = False

        self.content_view = AutoHeightBrowser(self)
        self.content_view.hide()
        self.content_view.anchorClicked.connect(self._on_content_view_anchorClicked)
        lay.addWidget(self.content_view)

        self._status = label(self)
        self._status.hide()
        lay.addWidget(self._status)

        self.content = StreamRenderer(self.content_view.document(), theme, fold_edits=True)
        self.apply_theme(theme)

    # -- parts built on demand -------------------------------------------------------------------

    @property
    def tools(self) -> MessageTools:
        """The header's links (versions, Regenerate, Copy)."""
        return self._build_header()[1]

    @property
    def ref(self) -> MessageRef | None:
        """The stored message this answer shows."""
        return self._ref

    def set_ref(self, ref: MessageRef | None) -> None:
        self._ref = ref
        if self._tools is not None:
            self._tools.set_ref(ref)

    def _build_header(self) -> tuple[QLabel, MessageTools]:
        if self._header is None or self._tools is None:
            header = label(self, rich=True)
            header.setText(header_html("DeepSeek", self._meta, self._theme))
            tools = MessageTools("answer", self.source_text, self)
            tools.sig_action.connect(self.sig_action)
            tools.set_ref(self._ref)
            tools.apply_theme(self._theme.font, self._theme.dim)
            tools.setVisible(self._finished and not self.continuation)
            header.setVisible(not self.continuation)
            self._lay.insertLayout(0, header_row(header, tools))
            self._header, self._tools = header, tools
            if self.parentWidget() is not None and self.isVisible():
                self.sig_built.emit(tools)
        return self._header, self._tools

    @property
    def reasoning_frame(self) -> RoundedFrame:
        return self._build_reasoning().frame

    @property
    def reasoning_view(self) -> AutoHeightBrowser:
        return self._build_reasoning().view

    @property
    def reasoning(self) -> StreamRenderer:
        return self._build_reasoning().renderer

    @property
    def reasoning_stale(self) -> bool:
        return self._reasoning is not None and self._reasoning.renderer.stale

    def _build_reasoning(self) -> ReasoningPane:
        if self._reasoning is None:
            pane = self._reasoning = ReasoningPane(self, self._theme)
            pane.view.anchorClicked.connect(self._on_reasoning_view_anchorClicked)
            pane.frame.setVisible(self._expanded)
            self._lay.insertWidget(self._lay.indexOf(self.reasoning_button) + 1, pane.frame)
            text = "".join(self._reasoning_unbuilt)
            self._reasoning_unbuilt.clear()
            if text or self._finished:
                pane.renderer.update(text, True, final=self._finished)
            QWidget.setTabOrder(self.reasoning_button, pane.view)  # Tab order: as on screen
            self.sig_built.emit(pane.frame)
        return self._reasoning

    # -- theme -----------------------------------------------------------------------------------

    def apply_theme(self, theme: Theme) -> None:
        self._theme = theme
        if self._header is not None and self._tools is not None:
            self._header.setText(header_html("DeepSeek", self._meta, theme))
            self._tools.apply_theme(theme.font, theme.dim)
        small = self.font()
        small.setPointSizeF(theme.font.pointSizeF() * 0.86)
        self._status.setFont(small)
        self.reasoning_button.setFont(small)
        self.reasoning_button.set_color(theme.dim)
        set_text_color(self._status, theme.dim)
        self.content_view.setFont(theme.font)
        self.content.set_theme(theme)
        if self._reasoning is not None:
            self._reasoning.set_theme(theme)

    # -- streaming -------------------------------------------------------------------------------

    def add_reasoning(self, text: str, force: bool = True, *, expand: bool = True) -> None:
        """More reasoning; the first shows the section, expanded unless ``expand`` is False
        (the answer's content arrives with it: it would collapse at once)."""
        if not self._has_reasoning:
            self._has_reasoning = True
            self.reasoning_button.show()
            self._set_expanded(expand)
        self._reasoning_source.append(text)
        if self._reasoning is None:
            self._reasoning_unbuilt.append(text)
        else:
            self._reasoning.renderer.update(text, force)

    def add_content(self, text: str, force: bool = True, *, final: bool = False) -> None:
        """More content; ``final``: the last of it (see ``StreamRenderer.update``)."""
        if not self._has_content:
            self._has_content = True
            self.content_view.show()
            self._auto_collapse()
        if text:
            self._source.append(text)
        self.content.update(text, force, final=final)

    @property
    def stale(self) -> bool:
        """A throttled update is still to be drawn (see StreamRenderer)."""
        return self.reasoning_stale or self.content.stale

    def finish(self, status: str, usage: str | None) -> None:
        if self._finished:
            return
        self._finished = True
        self._ended = (status, usage)
        self._update_reasoning_header()
        if self._reasoning is not None:
            self._reasoning.renderer.finish()
        self.content.finish()
        self._auto_collapse()
        parts = [p for p in (_STATUS_TEXT.get(status, ""), usage or "") if p]
        self._status_text = "  ·  ".join(parts)
        self._status.setText(self._status_text)
        self._status.setVisible(bool(parts))
        if not self.continuation:
            self.tools.show()

    def resume(self) -> None:
        """Open the finished answer for more (Continue): its text is drawn again, once, as
        still streaming, so a block cut in the middle goes on instead of starting anew."""
        self._finished = False
        self._status.hide()
        if self._tools is not None:
            self._tools.hide()
        if self.action_row is not None:  # "Continue" is being done
            self.action_row.hide()
            self.action_row.deleteLater()
            self.action_row = None
            self._actions = ()
        self.content_view.document().clear()
        self.content = StreamRenderer(self.content_view.document(), self._theme, fold_edits=True)
        self.content.update("".join(self._source))

    def set_continuation(self) -> None:
        """Become a later round of an agent turn (the rounds before it were just built)."""
        self.continuation = True
        if self._header is not None and self._tools is not None:
            self._header.hide()
            self._tools.hide()

    def set_reasoning_tokens(self, n: int) -> None:
        self._reasoning_tokens = n
        self._update_reasoning_header()

    def set_actions(self, actions: list[tuple[str, str]]) -> None:
        if self.action_row is not None:
            self.action_row.hide()
            self.action_row.deleteLater()
        self._actions = tuple(actions)
        self.action_row = ActionRow(actions, self)
        self.action_row.sig_action.connect(self.sig_action)
        self._lay.addWidget(self.action_row)

    def snapshot(self) -> AnswerState | None:
        """What building it again takes; None while it is still streaming."""
        if not self._finished:
            return None
        reasoning = "".join(self._reasoning_source) if self._has_reasoning else None
        return AnswerState(
            self._meta,
            self._ref,
            self.continuation,
            reasoning,
            self.source_text() if self._has_content else None,
            self._reasoning_tokens,
            self._expanded,
            self._user_toggled,
            *self._ended,
            self._actions,
        )

    # -- reasoning section -----------------------------------------------------------------------

    def is_reasoning_expanded(self) -> bool:
        return self._has_reasoning and self._expanded

    def _auto_collapse(self) -> None:
        if self._has_reasoning and not self._user_toggled:
            self._set_expanded(False)

    def _set_expanded(self, expanded: bool) -> None:
        self._expanded = expanded
        if expanded or self._reasoning is not None:
            self.reasoning_frame.setVisible(expanded)
        self._update_reasoning_header()

    def _on_reasoning_button_clicked(self) -> None:
        self._user_toggled = True
        self._set_expanded(not self.is_reasoning_expanded())

    def _update_reasoning_header(self) -> None:
        arrow = "▾" if self.is_reasoning_expanded() else "▸"
        n = self._reasoning_tokens
        if n is not None:
            label = f"Reasoning · {n:,} tokens"
        else:  # no count: still arriving, or the answer ended without usage (stopped, cut off)
            label = "Reasoning" if self._finished else "Reasoning…"
        self.reasoning_button.setText(f"{arrow}  {label}")
        self.reasoning_button.setToolTip("Hide reasoning" if arrow == "▾" else "Show reasoning")

    # -- links -----------------------------------------------------------------------------------

    def _on_content_view_anchorClicked(self, url: QUrl) -> None:
        open_link(self, self.content, self.content_view, url)

    def _on_reasoning_view_anchorClicked(self, url: QUrl) -> None:
        open_link(self, self.reasoning, self.reasoning_view, url)

    # -- text ------------------------------------------------------------------------------------

    def answer_text(self) -> str:
        return self.content_view.document().toPlainText()

    def source_text(self) -> str:
        """The answer's markdown as it arrived (what Copy puts on the clipboard)."""
        if len(self._source) > 1:
            self._source[:] = ["".join(self._source)]
        return self._source[0] if self._source else ""

    def reasoning_text(self) -> str:
        return self.reasoning_view.document().toPlainText()

    def plain_text(self) -> str:
        parts = [f"DeepSeek · {self._meta}" if self._meta else "DeepSeek"]
        versions = self._tools.plain_text() if self._tools is not None else ""
        parts[0] += f"  [{versions}]" if versions else ""
        if self._has_reasoning:
            parts.append(self.reasoning_button.text())
            if self.is_reasoning_expanded():
                parts.append(self.reasoning_text())
        if self._has_content:
            parts.append(self.answer_text())
        if self._status_text:
            parts.append(self._status_text)
        if self.action_row is not None:
            parts.append(self.action_row.plain_text())
        return "\n".join(parts)
