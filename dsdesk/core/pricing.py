"""Cost of an answer from its usage and a dated, user-editable price table (TOML).

cost = cache_hit × hit_price + cache_miss × miss_price + completion × output_price, with the
prices of the peak or off-peak period the request was made in.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from dsdesk.core.events import Usage

PER = 1_000_000


@dataclass(frozen=True, slots=True)
class Rates:
    """USD (or the table's currency) per 1M tokens."""

    cache_hit: float
    cache_miss: float
    output: float


@dataclass(frozen=True, slots=True)
class ModelPrices:
    peak: Rates
    off_peak: Rates


@dataclass(frozen=True, slots=True)
class PriceTable:
    as_of: date | None
    currency: str
    models: dict[str, ModelPrices]  # aliases resolved to the same entry
    peak_hours_utc: tuple[tuple[int, int], ...]
    weekdays_only: bool

    @staticmethod
    def from_toml(text: str) -> PriceTable:
        """Parse the table; raises ``ValueError`` naming what is wrong."""
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"price table is not valid TOML: {exc}") from exc
        models: dict[str, ModelPrices] = {}
        for name, entry in (doc.get("models") or {}).items():
            try:
                prices = ModelPrices(_rates(entry["peak"]), _rates(entry["off_peak"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"price table entry for {name!r} is incomplete: {exc}") from exc
            for model_id in (name, *entry.get("aliases", ())):
                models[model_id] = prices
        peak = doc.get("peak") or {}
        as_of = doc.get("as_of")
        return PriceTable(
            as_of=as_of if isinstance(as_of, date) else None,
            currency=str(doc.get("currency", "USD")),
            models=models,
            peak_hours_utc=tuple((int(a), int(b)) for a, b in peak.get("hours_utc", ())),
            weekdays_only=bool(peak.get("weekdays_only", True)),
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


def _rates(d: Any) -> Rates:
    return Rates(float(d["cache_hit"]), float(d["cache_miss"]), float(d["output"]))


def format_cost(cost: float | None, currency: str = "USD") -> str:
    if cost is None:
        return "cost n/a"
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{symbol}{cost:.4f}" if cost < 1 else f"{symbol}{cost:.2f}"
