"""What the chat service reports: how an answer ended, why a request failed."""

from __future__ import annotations

from dataclasses import dataclass

from dsdesk.core.errors import (
    AuthenticationError,
    ConfigError,
    DsdeskError,
    InsufficientBalanceError,
    NetworkError,
)
from dsdesk.core.events import Usage
from dsdesk.core.request import ChatOptions


@dataclass(frozen=True, slots=True)
class AnswerEnd:
    """How an answer ended: status is done, length, stopped or error."""

    status: str
    finish_reason: str | None
    usage: Usage | None
    cost: float | None
    model: str


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed request: plain message and what the user can do (kind: auth, balance, config,
    network, api)."""

    message: str
    kind: str
    status: int | None


def describe_mode(opts: ChatOptions) -> str:
    mode = f"thinking · {opts.effort}" if opts.thinking else "non-thinking"
    return f"{opts.model} · {mode}"


def failure_kind(exc: DsdeskError) -> str:
    if isinstance(exc, AuthenticationError):
        return "auth"
    if isinstance(exc, InsufficientBalanceError):
        return "balance"
    if isinstance(exc, ConfigError):
        return "config"
    if isinstance(exc, NetworkError):
        return "network"
    return "api"
