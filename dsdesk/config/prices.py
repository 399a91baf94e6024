"""The price table: the user's copy under the config dir if present, else the shipped one."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from dsdesk.config.paths import user_prices_path
from dsdesk.core.pricing import PriceTable


def shipped_prices_text() -> str:
    return resources.files("dsdesk.data").joinpath("prices.toml").read_text(encoding="utf-8")


def shipped_prices_location() -> str:
    """Where the shipped table lives, for people to copy it (a path in every normal install)."""
    return str(resources.files("dsdesk.data").joinpath("prices.toml"))


@dataclass(frozen=True, slots=True)
class LoadedPrices:
    table: PriceTable
    path: Path | None  # the user's copy in use; None: the shipped table
    problem: str | None  # why the user's copy could not be used


def load_prices() -> LoadedPrices:
    """The table in use, where it came from, and a problem if the user's copy was refused."""
    path = user_prices_path()
    try:
        return LoadedPrices(PriceTable.from_toml(path.read_text(encoding="utf-8")), path, None)
    except FileNotFoundError:
        problem = None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        problem = f"{path} ignored ({exc}); using the shipped prices"
    return LoadedPrices(PriceTable.from_toml(shipped_prices_text()), None, problem)


def load_price_table() -> tuple[PriceTable, str | None]:
    """The table in use, and a problem to report if the user's copy could not be used."""
    loaded = load_prices()
    return loaded.table, loaded.problem
