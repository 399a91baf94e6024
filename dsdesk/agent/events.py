"""What a turn reports, in order: typed events the window, the CLI and the history listen to.

A turn is a user message and everything until the next one: one or more *rounds* (one chat
request each); a round that ends with ``finish_reason == "tool_calls"`` runs its calls and starts
the next round. Events are small and immutable; deltas carry only the new piece.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from dsdesk.core.events import Usage
from dsdesk.core.messages import Message


class TurnStatus(enum.Enum):
    """How a turn ended."""

    DONE = "done"  # the model answered (finish_reason stop)
    LENGTH = "length"  # cut at max tokens: Continue is possible
    STOPPED = "stopped"  # the user stopped it (Esc, Ctrl+C); what arrived is kept
    LIMIT = "limit"  # a step budget, cost cap or repeat guard paused it: Continue extends
    FILTERED = "content_filter"  # the server withheld the answer
    BUSY = "insufficient_system_resource"  # the server was overloaded: Retry
    ERROR = "error"  # the request failed

    @classmethod
    def of_finish(cls, reason: str | None) -> TurnStatus:
        """The status of a turn whose last round ended with ``finish_reason``."""
        return _BY_FINISH.get(reason or "stop", cls.DONE)

    @property
    def finish_reason(self) -> str | None:
        """The server's ``finish_reason`` this status stands for, if it stands for one."""
        return next((r for r, s in _BY_FINISH.items() if s is self), None)


_BY_FINISH = {
    "stop": TurnStatus.DONE,
    "length": TurnStatus.LENGTH,
    "content_filter": TurnStatus.FILTERED,
    "insufficient_system_resource": TurnStatus.BUSY,
}


class ToolStatus(enum.Enum):
    """What became of one tool call; every status still gets a result message for the model."""

    DONE = "done"
    FAILED = "failed"  # ran, and reported an error (the model sees why)
    DENIED = "denied"  # the user or a rule said no
    CANCELLED = "cancelled"  # the turn was stopped before or while it ran


class Decision(enum.Enum):
    """A rule's verdict on a call."""

    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"


class Answer(enum.Enum):
    """The user's answer to an approval question."""

    ONCE = "once"  # y: this call only
    SESSION = "session"  # s: the same kind of call for the rest of this session
    ALWAYS = "always"  # a: a stored rule for this project
    DENY = "deny"  # n (optionally with a reason for the model)
    STOP = "stop"  # Esc: end the turn


@dataclass(frozen=True, slots=True)
class Approval:
    """An answer with the optional reason typed for the model."""

    answer: Answer
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RoundStarted:
    round: int  # 1-based within the turn
    model: str


@dataclass(frozen=True, slots=True)
class ReasoningText:
    text: str


@dataclass(frozen=True, slots=True)
class ContentText:
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    """The model began a call (its name is known; arguments still streaming)."""

    call_id: str
    index: int
    name: str


@dataclass(frozen=True, slots=True)
class ToolCallArguments:
    call_id: str
    text: str  # a fragment of the JSON arguments


@dataclass(frozen=True, slots=True)
class ToolCallReady:
    """The call is complete and about to be judged: ``title`` is the one-line description
    (``read_file src/app.py 1–120``, ``$ pytest -x``); ``decision`` the rules' verdict."""

    call_id: str
    name: str
    arguments: str
    title: str
    decision: Decision
    why: str = ""  # why it must ask: "deletes recursively", "mode read-only", …


@dataclass(frozen=True, slots=True)
class AwaitingApproval:
    """Nothing runs until the approver answers (or the turn is stopped)."""

    call_id: str
    title: str
    detail: str  # exactly what will run or change (the command, the diff)
    why: str


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """Live output of a running call (a command's stdout/stderr as it arrives)."""

    call_id: str
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallEnded:
    call_id: str
    status: ToolStatus
    result: str  # what the model gets (truncated as sent)
    summary: str  # "120 lines", "exit 1 · 3.2 s", "denied: reason"
    seconds: float
    changed: tuple[str, ...] = ()
    approval: Answer | None = None  # how it was allowed or refused, if it was asked
    reason: str = ""  # the reason the user typed with a denial (sent to the model too)
    diff: str = ""  # for edits: the unified diff of what was written (the window shows it)


@dataclass(frozen=True, slots=True)
class MessagesAdded:
    """Messages that joined the conversation (the assistant turn, tool results): what the
    history stores, in the order the API will see them again."""

    messages: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class RoundEnded:
    round: int
    finish_reason: str | None
    usage: Usage | None
    cost: float | None
    model: str


@dataclass(frozen=True, slots=True)
class CheckpointMade:
    """A snapshot of the project before the first change of this turn."""

    checkpoint_id: str
    label: str


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should read that is not an error: a repeated call warning, a cache
    miss caused by a change of tools or effort, DSML markup detected, …"""

    text: str


@dataclass(frozen=True, slots=True)
class Retrying:
    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True, slots=True)
class TurnEnded:
    status: TurnStatus
    rounds: int
    tool_calls: int
    usage: Usage | None  # summed over the rounds
    cost: float | None
    model: str
    message: str = ""  # plain-language explanation for LIMIT / FILTERED / BUSY / ERROR
    error_kind: str = ""  # for ERROR: auth, balance, config, network, api
    http_status: int | None = None


@dataclass(frozen=True, slots=True)
class AnswerResumed:
    """Continue by prefix completion: the server took the request, so the text that follows
    extends the last answer (it is not a new one)."""


@dataclass(frozen=True, slots=True)
class ContinuedAsPrompt:
    """Continue could not extend the answer in place (``refused``: the server turned prefix
    completion down); ``prompt`` goes as a visible user turn instead."""

    prompt: str
    refused: bool


TurnEvent = (
    RoundStarted
    | ReasoningText
    | ContentText
    | ToolCallStarted
    | ToolCallArguments
    | ToolCallReady
    | AwaitingApproval
    | ToolOutput
    | ToolCallEnded
    | MessagesAdded
    | RoundEnded
    | CheckpointMade
    | Notice
    | Retrying
    | AnswerResumed
    | ContinuedAsPrompt
    | TurnEnded
)
