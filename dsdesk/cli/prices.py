"""``dsdesk prices [--path]``: the price table in effect, where it comes from, and why your copy
was refused if it was; ``--path`` prints where your editable copy goes (nothing is created)."""

from __future__ import annotations

import argparse
import sys

from dsdesk.cli import EXIT_OK
from dsdesk.config.paths import user_prices_path
from dsdesk.config.prices import load_prices, shipped_prices_location
from dsdesk.core.pricing import PriceTable


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--path", action="store_true", help="print the path of your editable copy (creates nothing)"
    )


def run(args: argparse.Namespace) -> int:
    user_path = user_prices_path()
    if args.path:
        print(user_path)
        return EXIT_OK
    loaded = load_prices()
    if loaded.problem:
        print(f"dsdesk: {loaded.problem}", file=sys.stderr)
    if loaded.path is not None:
        print(f"Prices from {loaded.path}")
    else:
        print(f"Prices from the table shipped with dsdesk: {shipped_prices_location()}")
        if loaded.problem:
            print(f"Your copy, {user_path}, was not used (see above): fix or delete it.")
        else:
            print(f"To change them, copy it to {user_path} and edit the copy.")
    print(*describe(loaded.table), sep="\n")
    return EXIT_OK


def describe(table: PriceTable) -> list[str]:
    """The table as text lines: its date and currency, peak hours, then one row per period."""
    dated = f"as of {table.as_of}" if table.as_of else "undated"
    spans = ", ".join(f"{a:02}:00-{b:02}:00" for a, b in table.peak_hours_utc)
    weekdays = " on weekdays" if table.weekdays_only and spans else ""
    lines = [f"{table.currency} per 1M tokens, {dated}", f"Peak hours (UTC): {spans or 'none'}"]
    lines[-1] += weekdays
    names = [n for n in table.models if n not in table.aliases]
    width = max([len("model"), *map(len, names)])
    header = f"{'model':<{width}}  {'period':<8}  {'cache hit':>10}  {'cache miss':>10}  output"
    lines += ["", header]
    for name in names:
        prices = table.models[name]
        for label, rates in (("peak", prices.peak), ("off-peak", prices.off_peak)):
            first = name if label == "peak" else ""
            lines.append(
                f"{first:<{width}}  {label:<8}  {rates.cache_hit:>10g}  {rates.cache_miss:>10g}"
                f"  {rates.output:g}"
            )
        aliases = [a for a, target in table.aliases.items() if target == name]
        if aliases:
            lines.append(f"  (also billed as: {', '.join(aliases)})")
    if not names:
        lines.append("(no models: every answer's cost shows as n/a)")
    return lines
