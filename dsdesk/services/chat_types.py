"""What the chat service reports: how an answer ended, why a request failed."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from dsdesk.core.errors import FailureKind, failure_kind
from dsdesk.core.events import Usage
from dsdesk.core.request import ChatOptions

__all__ = [
    "AnswerEnd",
    "AnswerStatus",
    "Failure",
    "FailureKind",
    "describe_mode",
    "failure_kind",
    "mode_text",
]


class AnswerStatus(enum.StrEnum):
    """How an answer ended, as the transcript and the history show it."""

    DONE = "done"
    LENGTH = "length"  # cut at max tokens: Continue
    STOPPED = "stopped"
    LIMIT = "limit"  # an agent turn paused by its step budget, cost cap or repeat guard
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class AnswerEnd:
    """How an answer ended."""

    status: AnswerStatus
    finish_reason: str | None
    usage: Usage | None
    cost: float | None
    model: str
    notice: str = ""  # plain words the window shows: a filtered answer, a busy server, …
    # An answer extended by Continue: the continuation's own usage (``usage`` and ``cost``
    # are then the whole answer's, as far as this session has seen it).
    added: Usage | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed request: plain message and what the user can do (kind: auth, balance, config,
    network, api)."""

    message: str
    kind: str
    status: int | None
    retry: tuple[str, str] = ("Retry", "retry")  # the link that tries again (label, action)


def describe_mode(opts: ChatOptions) -> str:
    return mode_text(opts.model, opts.thinking, opts.effort)


def mode_text(model: str | None, thinking: bool | None, effort: str | None) -> str:
    """ "deepseek-v4-pro · thinking · high"; parts that are not known are left out."""
    mode = "non-thinking" if thinking is False else "thinking" if thinking else ""
    if thinking and effort:
        mode += f" · {effort}"
    return " · ".join(p for p in (model or "", mode) if p)
