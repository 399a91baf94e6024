"""Cost of an answer from its usage and a dated, user-editable price table (TOML).

cost = cache_hit × hit_price + cache_miss × miss_price + completion × output_price, with the
prices of the peak or off-peak period the request was made in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from dsdesk.core import schema
from dsdesk.core.events import Usage
from dsdesk.core.schema import limits

PER = 1_000_000


_PRICE = limits(ge=0)


@dataclass(frozen=True, slots=True)
class Rates:
    """USD (or the table's currency) per 1M tokens."""

    cache_hit: float = field(metadata=_PRICE)
    cache_miss: float = field(metadata=_PRICE)
    output: float = field(metadata=_PRICE)


@dataclass(frozen=True, slots=True)
class ModelPrices:
    peak: Rates
    off_peak: Rates


def _hours_problem(spans: tuple[tuple[int, int], ...]) -> str | None:
    if all(0 <= start < end <= 24 for start, end in spans):
        return None
    return "each span must be [start, end] with 0 <= start < end <= 24"


# The file's shape (the schema step in ``schema.load`` checks a parsed file against it).
@dataclass(frozen=True, slots=True)
class _ModelDoc:
    peak: Rates
    off_peak: Rates
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _PeakDoc:
    weekdays_only: bool = True
    hours_utc: tuple[tuple[int, int], ...] = field(
        default=(), metadata=limits(check=_hours_problem)
    )


@dataclass(frozen=True, slots=True)
class _TableDoc:
    as_of: date | None = None
    currency: str = "USD"
    models: dict[str, _ModelDoc] = field(default_factory=dict)
    peak: _PeakDoc = field(default_factory=_PeakDoc)


@dataclass(frozen=True, slots=True)
class PriceTable:
    as_of: date | None
    currency: str
    models: dict[str, ModelPrices]  # aliases resolved to the same entry
    peak_hours_utc: tuple[tuple[int, int], ...]
    weekdays_only: bool
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> the model id it stands for

    @staticmethod
    def from_toml(text: str) -> PriceTable:
        """Parse and check the table; raises ``ValueError`` naming everything wrong with it."""
        return PriceTable.from_doc(schema.parse_toml(text))

    @staticmethod
    def from_doc(raw: dict[str, Any]) -> PriceTable:
        """The table from a parsed TOML document. A price table is all or nothing: any wrong
        value raises ``ValueError`` (with every problem named), so the caller can fall back."""
        try:
            doc, problems = schema.load(_TableDoc, raw)
        except schema.Invalid as exc:
            raise ValueError(str(exc)) from exc
        if problems:
            raise ValueError("; ".join(f"{p.where}: {p.why}" for p in problems))
        models: dict[str, ModelPrices] = {}
        aliases: dict[str, str] = {}
        for name, entry in doc.models.items():
            prices = ModelPrices(entry.peak, entry.off_peak)
            models[name] = prices
            for alias in entry.aliases:
                models.setdefault(alias, prices)
                aliases.setdefault(alias, name)
        return PriceTable(
            as_of=doc.as_of,
            currency=doc.currency,
            models=models,
            peak_hours_utc=doc.peak.hours_utc,
            weekdays_only=doc.peak.weekdays_only,
            aliases={a: n for a, n in aliases.items() if a not in doc.models},
        )

    def is_peak(self, when: datetime) -> bool:
        utc = when.astimezone(UTC)
        if self.weekdays_only and utc.weekday() >= 5:
            return False
        return any(start <= utc.hour < end for start, end in self.peak_hours_utc)

    def rates(self, model: str, when: datetime) -> Rates | None:
        prices = self.models.get(model)
        if prices is None:
            return None
        return prices.peak if self.is_peak(when) else prices.off_peak

    def cost(self, usage: Usage, model: str, when: datetime | None = None) -> float | None:
        """Cost of one answer, or None for a model the table does not list (a local server)."""
        rates = self.rates(model, when or datetime.now(UTC))
        if rates is None:
            return None
        return (
            usage.cache_hit_tokens * rates.cache_hit
            + usage.cache_miss_tokens * rates.cache_miss
            + usage.completion_tokens * rates.output
        ) / PER


def format_cost(cost: float | None, currency: str = "USD") -> str:
    if cost is None:
        return "cost n/a"
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{symbol}{cost:.4f}" if cost < 1 else f"{symbol}{cost:.2f}"
