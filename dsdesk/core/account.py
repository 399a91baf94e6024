"""Parsing of ``GET /models`` and ``GET /user/balance`` answers (amounts arrive as strings)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from dsdesk.core.errors import ProtocolError


@dataclass(frozen=True, slots=True)
class BalanceInfo:
    currency: str
    total: Decimal
    granted: Decimal
    topped_up: Decimal


@dataclass(frozen=True, slots=True)
class Balance:
    is_available: bool
    infos: tuple[BalanceInfo, ...]

    def summary(self) -> str:
        """ "USD 110.00" (several currencies joined), or "unavailable"."""
        if not self.infos:
            return "unavailable"
        return ", ".join(f"{i.currency} {i.total:.2f}" for i in self.infos)


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def parse_balance(obj: Any) -> Balance:
    if not isinstance(obj, dict):
        raise ProtocolError("The server's balance answer is not a JSON object.")
    infos = tuple(
        BalanceInfo(
            currency=str(i.get("currency", "")),
            total=_dec(i.get("total_balance")),
            granted=_dec(i.get("granted_balance")),
            topped_up=_dec(i.get("topped_up_balance")),
        )
        for i in obj.get("balance_infos") or ()
        if isinstance(i, dict)
    )
    return Balance(bool(obj.get("is_available", False)), infos)


def parse_models(obj: Any) -> list[str]:
    """Model ids in the server's order (any id is allowed; nothing is filtered)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("data"), list):
        raise ProtocolError("The server's model list is not in the OpenAI format.")
    return [str(m["id"]) for m in obj["data"] if isinstance(m, dict) and m.get("id")]
