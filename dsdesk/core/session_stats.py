"""Running totals of a chat session: cost and prompt-cache hit rate from the server's usage."""

from __future__ import annotations

from dataclasses import dataclass

from dsdesk.core.events import Usage


@dataclass(slots=True)
class SessionStats:
    cost: float = 0.0
    cost_known: bool = True  # False once any answer came from a model without a price
    cache_hit: int = 0
    cache_miss: int = 0
    output: int = 0
    answers: int = 0

    def add(self, usage: Usage, cost: float | None) -> None:
        self.answers += 1
        self.cache_hit += usage.cache_hit_tokens
        self.cache_miss += usage.cache_miss_tokens
        self.output += usage.completion_tokens
        if cost is None:
            self.cost_known = False
        else:
            self.cost += cost

    @property
    def hit_rate(self) -> float | None:
        total = self.cache_hit + self.cache_miss
        return self.cache_hit / total if total else None
