"""Fuzzing the settings and price-table loaders with arbitrary TOML values (hypothesis): whatever
a hand edit holds, the result is defaults plus plain messages, never an exception."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsdesk.config.paths import settings_path, user_prices_path
from dsdesk.config.prices import load_price_table, shipped_prices_text
from dsdesk.config.settings import Settings, load_settings
from dsdesk.core import schema
from dsdesk.core.pricing import PriceTable

# Each example rewrites the same file under the test's DSDESK_HOME, so sharing that
# function-scoped fixture between examples is safe.
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Past float range, and past the 4,300 digits int()/str() accept by default.
HUGE = st.sampled_from([2**63, -(2**63) - 1, 10**30, 10**400, -(10**400)])
SCALARS = st.one_of(
    st.text(max_size=12),
    st.integers(),
    HUGE,
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
)
SETTING_NAMES = [f.name for f in dataclasses.fields(Settings)]
PRICE_NAMES = ["as_of", "currency", "models", "peak", "peak", "off_peak", "aliases", "hours_utc"]
RATE_NAMES = ["cache_hit", "cache_miss", "output", "weekdays_only"]
# Keys are mostly the real ones, so the checks behind them are reached, not just "unknown key".
KEYS = st.one_of(st.sampled_from(SETTING_NAMES + PRICE_NAMES + RATE_NAMES), st.text(max_size=6))


def values(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
        max_leaves=15,
    )


# Built, not st.just(): hypothesis cannot repr a 5,000-digit int.
VALUES = values(SCALARS | st.integers(4301, 5000).map(lambda n: 10**n))
DOCS = st.dictionaries(KEYS, VALUES, max_size=8)
# tomli_w itself cannot write a 5,000-digit int; the raw-text strategy below covers that.
WRITABLE_DOCS = st.dictionaries(KEYS, values(SCALARS), max_size=8)


def price_docs(vals: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Documents shaped like a price table, with any values in the places that matter."""
    rates = st.fixed_dictionaries({}, optional={k: st.floats() | vals for k in RATE_NAMES[:3]})
    model = st.fixed_dictionaries({}, optional={"peak": rates, "off_peak": rates, "aliases": vals})
    peak = st.fixed_dictionaries({}, optional={"hours_utc": vals, "weekdays_only": vals})
    return st.fixed_dictionaries(
        {},
        optional={
            "models": st.dictionaries(st.text(max_size=6), model | vals, max_size=3),
            "peak": peak,
            "as_of": vals,
            "currency": vals,
        },
    )


RAW_TEXT = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["max_tokens = " + "9" * 5000, "a = " + "[" * 5000 + "]" * 5000]),
)


def assert_plain(problems: list[str]) -> None:
    for p in problems:
        # The user's own values are quoted back ("not the text 'Error'"): judge only our words.
        ours = re.sub(r"'[^']*'|\"[^\"]*\"", "''", p)
        assert "Traceback" not in ours and "<class" not in ours and "Error" not in ours, p


@FUZZ
@given(DOCS)
def test_any_parsed_settings_document_gives_valid_settings(doc: dict[str, Any]) -> None:
    s, problems = schema.load(Settings, doc)
    assert isinstance(s, Settings)
    # What comes out always passes the same check again: every field is a usable value.
    assert schema.load(Settings, dataclasses.asdict(s)) == (s, [])
    assert_plain([str(p) for p in problems])


@FUZZ
@given(st.one_of(WRITABLE_DOCS.map(tomli_w.dumps), RAW_TEXT))
def test_any_settings_file_loads(text: str) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    s, problems = load_settings(path)
    assert schema.load(Settings, dataclasses.asdict(s)) == (s, [])
    assert_plain(problems)


@FUZZ
@given(st.one_of(price_docs(VALUES), DOCS))
def test_any_parsed_price_document_gives_a_table_or_a_plain_value_error(
    doc: dict[str, Any],
) -> None:
    try:
        table = PriceTable.from_doc(doc)
    except ValueError as exc:  # the one documented failure: the caller falls back
        assert_plain([str(exc)])
        return
    for prices in table.models.values():
        for rates in (prices.peak, prices.off_peak):
            assert all(0 <= r < float("inf") for r in dataclasses.astuple(rates))


@FUZZ
@given(st.one_of(price_docs(values(SCALARS)), WRITABLE_DOCS).map(tomli_w.dumps) | RAW_TEXT)
def test_any_price_file_gives_a_table_and_at_most_a_plain_problem(text: str) -> None:
    path = user_prices_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    table, problem = load_price_table()
    if problem is not None:
        assert table == PriceTable.from_toml(shipped_prices_text())
        assert_plain([problem])
