"""The price table: the user's copy under the config dir if present, else the shipped one."""

from __future__ import annotations

from importlib import resources

from dsdesk.config.paths import user_prices_path
from dsdesk.core.pricing import PriceTable


def shipped_prices_text() -> str:
    return resources.files("dsdesk.data").joinpath("prices.toml").read_text(encoding="utf-8")


def load_price_table() -> tuple[PriceTable, str | None]:
    """The table in use, and a problem to report if the user's copy could not be used."""
    path = user_prices_path()
    try:
        return PriceTable.from_toml(path.read_text(encoding="utf-8")), None
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        shipped = PriceTable.from_toml(shipped_prices_text())
        return shipped, f"{path} ignored ({exc}); using the shipped prices"
    return PriceTable.from_toml(shipped_prices_text()), None
