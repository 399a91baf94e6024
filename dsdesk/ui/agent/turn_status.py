"""The status bar during an agent turn: step n / budget, tokens in and out, cache-hit rate,
cost of this turn, and how to stop it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from dsdesk.core.events import Usage
from dsdesk.core.pricing import format_cost

__all__ = ["TurnStatus"]


def _k(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 10_000 else f"{n:,}"


class TurnStatus(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("turn-status")
        self.hide()
        self.reset(50)

    def reset(self, budget: int) -> None:
        self.budget = budget
        self.step = 0
        self.prompt = self.hit = self.output = 0
        self.cost: float | None = 0.0
        self.currency = "USD"
        self.waiting = ""

    def begin(self, budget: int, currency: str) -> None:
        self.reset(budget)
        self.currency = currency
        self.show()
        self._render(running=True)

    def round_started(self, step: int) -> None:
        self.step = step
        self._render(running=True)

    def round_ended(self, usage: Usage | None, cost: float | None) -> None:
        if usage is not None:
            self.prompt += usage.prompt_tokens
            self.hit += usage.cache_hit_tokens
            self.output += usage.completion_tokens
        self.cost = None if cost is None or self.cost is None else self.cost + cost
        self._render(running=True)

    def set_waiting(self, title: str) -> None:
        self.waiting = title
        self._render(running=True)

    def end(self) -> None:
        self.waiting = ""
        self._render(running=False)

    def _render(self, running: bool) -> None:
        rate = f"{self.hit / self.prompt:.0%}" if self.prompt else "—"
        parts = [
            f"Step {self.step}/{self.budget}",
            f"in {_k(self.prompt)} · out {_k(self.output)}",
            f"cache {rate}",
            format_cost(self.cost, self.currency),
        ]
        if self.waiting:
            parts.insert(0, f"Approval needed: {self.waiting} (y / s / a / n, Esc stops)")
        elif running:
            parts.append("Esc stops")
        self.setText("  ·  ".join(parts))
