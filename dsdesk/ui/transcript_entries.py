"""The small transcript entries — the user's prompt, an error box, a row of action links — and
the helpers the answer widget shares with them."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from dsdesk.services.history import MessageRef
from dsdesk.ui.message_tools import MessageTools
from dsdesk.ui.transcript_style import Theme
from dsdesk.ui.transcript_widgets import AutoHeightBrowser, LinkButton, RoundedFrame, WrappedLabel

__all__ = [
    "ActionRow",
    "ErrorBox",
    "UserMessage",
    "UserState",
    "header_html",
    "header_row",
    "label",
    "set_text_color",
]


def header_html(who: str, meta: str, theme: Theme) -> str:
    who_html = f"<b>{html.escape(who)}</b>"
    if not meta:
        return who_html
    return (
        f'{who_html}&nbsp;&nbsp;<span style="color:{theme.dim.name()}">{html.escape(meta)}</span>'
    )


def label(parent: QWidget, rich: bool = False) -> QLabel:
    label = WrappedLabel(parent)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def header_row(header: QLabel, tools: MessageTools) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(header, 1)
    row.addWidget(tools, 0, Qt.AlignmentFlag.AlignTop)
    return row


def set_text_color(widget: QWidget, color: QColor) -> None:
    pal = widget.palette()
    pal.setColor(QPalette.ColorRole.WindowText, color)
    pal.setColor(QPalette.ColorRole.Text, color)
    widget.setPalette(pal)


class ActionRow(QWidget):
    """A row of action links, e.g. Retry · Open settings."""

    sig_action = Signal(str)
    """action_id of the link that was activated."""

    def __init__(self, actions: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        self.buttons: list[LinkButton] = []
        for label, action_id in actions:
            button = LinkButton(label, self)
            button.setObjectName(f"action:{action_id}")
            button.clicked.connect(lambda _=False, a=action_id: self.sig_action.emit(a))
            row.addWidget(button)
            self.buttons.append(button)
        row.addStretch(1)

    def plain_text(self) -> str:
        return " · ".join(b.text() for b in self.buttons)


@dataclass(frozen=True, slots=True)
class UserState:
    """A parked prompt (see ``transcript_park``)."""

    text: str
    meta: str
    ref: MessageRef | None
    kind: str = "user"

    @property
    def ref_id(self) -> int | None:
        return self.ref.id if self.ref is not None else None

    def build(self, theme: Theme, parent: QWidget) -> UserMessage:
        return UserMessage(self.text, self.meta, theme, parent, self.ref)


class UserMessage(RoundedFrame):
    """The user's prompt, as escaped plain text in a tinted box."""

    sig_action = Signal(str)
    """A header link: "edit:ID" or "version:ID:STEP"."""

    def __init__(
        self,
        text: str,
        meta: str,
        theme: Theme,
        parent: QWidget | None = None,
        ref: MessageRef | None = None,
    ) -> None:
        super().__init__(parent)
        self._text, self._meta = text, meta
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 7, 10, 10)
        lay.setSpacing(3)
        self._header = label(self, rich=True)
        self.tools = MessageTools("user", lambda: self._text, self)
        self.tools.sig_action.connect(self.sig_action)
        self.tools.set_ref(ref)
        self.body = AutoHeightBrowser(self)
        self.body.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # selectable, but not a Tab stop
        self.body.setPlainText(text)
        lay.addLayout(header_row(self._header, self.tools))
        lay.addWidget(self.body)
        self.apply_theme(theme)

    @property
    def text(self) -> str:
        return self._text

    @property
    def ref(self) -> MessageRef | None:
        """The stored prompt this shows."""
        return self.tools.ref

    def set_ref(self, ref: MessageRef | None) -> None:
        self.tools.set_ref(ref)

    def snapshot(self) -> UserState:
        return UserState(self._text, self._meta, self.tools.ref)

    def apply_theme(self, theme: Theme) -> None:
        self.set_colors(theme.user_bg, theme.user_border)
        self.tools.apply_theme(theme.font, theme.dim)
        self._header.setText(header_html("You", self._meta, theme))
        self.body.setFont(theme.font)
        self.body.document().setDefaultFont(theme.font)

    def plain_text(self) -> str:
        head = f"You · {self._meta}" if self._meta else "You"
        versions = self.tools.plain_text()
        head += f"  [{versions}]" if versions else ""
        return f"{head}\n{self._text}"


class ErrorBox(RoundedFrame):
    """An inline error: the plain-language message and action links."""

    sig_action = Signal(str)
    """action_id of the link that was activated."""

    def __init__(
        self,
        message: str,
        actions: list[tuple[str, str]],
        theme: Theme,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._message = message
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 14, 8)
        lay.setSpacing(4)
        self._text = label(self)
        self._text.setText(f"⚠  {message}")
        self._text.setFont(theme.font)
        lay.addWidget(self._text)
        self.action_row = ActionRow(actions, self)
        self.action_row.sig_action.connect(self.sig_action)
        lay.addWidget(self.action_row)
        self.action_row.setVisible(bool(actions))
        self.apply_theme(theme)

    def apply_theme(self, theme: Theme) -> None:
        self.set_colors(theme.error_bg, theme.error_border)

    def plain_text(self) -> str:
        lines = [f"⚠ {self._message}"]
        if self.action_row.buttons:
            lines.append(self.action_row.plain_text())
        return "\n".join(lines)
