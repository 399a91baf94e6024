"""What the history recorder hands the window: stored ids of a turn, and a branch to resend."""

from __future__ import annotations

from dataclasses import dataclass

from dsdesk.core.messages import Message
from dsdesk.store import Thread

__all__ = ["Branch", "MessageRef", "StoredTurn"]


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A stored message as the transcript shows it: its id and "position / count" of versions."""

    id: int
    position: int = 1
    count: int = 1


@dataclass(frozen=True, slots=True)
class StoredTurn:
    """Where a turn that just started was stored (``text``: the prompt as sent)."""

    prompt: MessageRef
    answer: MessageRef
    text: str


@dataclass(frozen=True, slots=True)
class Branch:
    """What the chat needs to resend from an earlier point: the thread to show (cut after
    ``shown`` messages), the turns before the prompt, the prompt's text and its stored id."""

    thread: Thread
    shown: int
    turns: list[Message]
    prompt: str
    answer_to: int
