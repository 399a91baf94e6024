"""What the next request will carry against the 1,048,576-token window, by source.

Until the exact V4 tokenizer is wired in, counts are an *estimate* (flagged as such): about one
token per 3.6 ASCII characters of code/prose and ~0.75 per CJK or other non-ASCII character.
After each answer the server's own ``prompt_tokens`` replaces the estimate for everything that
was sent, so the error never accumulates over a conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTEXT_WINDOW = 1_048_576
WARN_FRACTION = 0.80
DANGER_FRACTION = 0.95
# Per-message framing the chat template adds (role markers); small but not zero.
MESSAGE_OVERHEAD = 4


def estimate_tokens(text: str) -> int:
    if not text:
        return 0
    ascii_chars = len(text.encode("ascii", "ignore"))
    other = len(text) - ascii_chars
    return int(ascii_chars / 3.6 + other * 0.75) + 1


@dataclass(frozen=True, slots=True)
class ContextBudget:
    """Token figures of the next request. ``exact`` is False while any part is estimated."""

    instructions: int = 0
    files: int = 0
    conversation: int = 0
    prompt: int = 0
    reserved_output: int = 0
    window: int = CONTEXT_WINDOW
    exact: bool = False

    @property
    def input_tokens(self) -> int:
        return self.instructions + self.files + self.conversation + self.prompt

    @property
    def total(self) -> int:
        return self.input_tokens + self.reserved_output

    @property
    def fraction(self) -> float:
        return self.total / self.window

    @property
    def level(self) -> str:
        """ "ok", "warn" (≥80 %), "danger" (≥95 %) or "over" (does not fit)."""
        if self.total > self.window:
            return "over"
        if self.fraction >= DANGER_FRACTION:
            return "danger"
        if self.fraction >= WARN_FRACTION:
            return "warn"
        return "ok"
