"""Error mapping from real DeepSeek bodies, and the cost function."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dsdesk.config.paths import user_prices_path
from dsdesk.config.prices import load_price_table, shipped_prices_text
from dsdesk.core import errors as E
from dsdesk.core.events import Usage
from dsdesk.core.pricing import PriceTable
from tests.conftest import RECORDINGS

BODIES = json.loads((RECORDINGS / "deepseek-error-bodies__from-github-issues.json").read_text())[
    "bodies"
]


def body_text(entry: dict) -> str:
    return json.dumps(entry["body"]) if "body" in entry else entry["body_text"]


@pytest.mark.parametrize("entry", BODIES, ids=lambda e: f"{e['status']}")
def test_every_recorded_body_maps_to_a_plain_message(entry: dict) -> None:
    err = E.api_error_from_response(entry["status"], body_text(entry))
    assert err.status == entry["status"]
    assert err.user_message and "{" not in err.user_message
    expected = {
        400: E.BadRequestError,
        401: E.AuthenticationError,
        402: E.InsufficientBalanceError,
        429: E.RateLimitError,
    }[entry["status"]]
    assert isinstance(err, expected)


def test_402_names_the_top_up_page() -> None:
    err = E.api_error_from_response(402, json.dumps(BODIES[8]["body"]))
    assert err.user_message.startswith("Your DeepSeek balance is used up — top up at")
    assert "platform.deepseek.com" in err.user_message
    assert not err.retryable


def test_context_overflow_says_sent_and_limit() -> None:
    text = next(b["body_text"] for b in BODIES if "1048576" in b.get("body_text", ""))
    err = E.api_error_from_response(400, text)
    assert isinstance(err, E.ContextOverflowError)
    assert (err.requested, err.limit) == (1_060_836, 1_048_576)
    assert "1,060,836" in err.user_message and "1,048,576" in err.user_message


def test_retryable_classes() -> None:
    assert E.api_error_from_response(429, "{}", retry_after=3).retryable
    assert E.api_error_from_response(503, "{}").retryable
    for status in (400, 401, 402, 422):
        assert not E.api_error_from_response(status, "{}").retryable


USAGE = Usage(
    prompt_tokens=1_000_000,
    completion_tokens=1_000_000,
    cache_hit_tokens=400_000,
    cache_miss_tokens=600_000,
    reasoning_tokens=100,
)
PEAK = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 02:00 UTC = 10:00 Beijing
OFF_PEAK = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # Sunday


def test_cost_from_the_shipped_table() -> None:
    table = PriceTable.from_toml(shipped_prices_text())
    assert table.as_of is not None and table.currency == "USD"
    pro_peak = 0.4 * 0.044 + 0.6 * 1.32 + 1 * 3.96
    assert table.cost(USAGE, "deepseek-v4-pro", PEAK) == pytest.approx(pro_peak)
    assert table.cost(USAGE, "deepseek-v4-pro", OFF_PEAK) == pytest.approx(pro_peak / 2)
    flash = table.cost(USAGE, "deepseek-flash", PEAK)
    assert flash == table.cost(USAGE, "deepseek-v4-flash", PEAK)
    assert flash == pytest.approx(0.4 * 0.006 + 0.6 * 0.3 + 1.2)
    assert table.cost(USAGE, "my-local-model", PEAK) is None


def test_user_table_overrides_and_a_broken_one_is_reported() -> None:
    path = user_prices_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        "[models.my-model]\npeak = {cache_hit = 1, cache_miss = 2, output = 3}\n"
        "off_peak = {cache_hit = 1, cache_miss = 2, output = 3}\n"
    )
    table, problem = load_price_table()
    assert problem is None and "my-model" in table.models
    path.write_text("[models.x]\npeak = 3\n")
    table, problem = load_price_table()
    assert problem and "ignored" in problem and "deepseek-v4-pro" in table.models


RATES = "{cache_hit = 1, cache_miss = 2, output = 3}"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("models = 5", "models"),
        ('[models]\nx = "y"', "models.x"),
        (f"[models.x]\npeak = {RATES}\noff_peak = 7", "models.x.off_peak"),
        (f"[models.x]\npeak = {RATES}\noff_peak = {{cache_hit = -1}}", "models.x.off_peak"),
        (f"[models.x]\npeak = {RATES}\noff_peak = {RATES}\naliases = 5", "models.x.aliases"),
        ("[models.x]\npeak = {cache_hit = inf, cache_miss = 1, output = 1}", "cache_hit"),
        ("[models.x]\npeak = {cache_hit = nan, cache_miss = 1, output = 1}", "cache_hit"),
        ('[models.x]\npeak = {cache_hit = "1", cache_miss = 1, output = 1}', "cache_hit"),
        ("[models.x]\npeak = {cache_hit = true, cache_miss = 1, output = 1}", "cache_hit"),
        ("[models.x]\npeak = {cache_hit = -0.5, cache_miss = 1, output = 1}", "cache_hit"),
        (f"[models.x]\npeak = {{cache_hit = {10**400}, cache_miss = 1, output = 1}}", "cache_hit"),
        ("[peak]\nhours_utc = [1]", "peak.hours_utc[0]"),
        ("[peak]\nhours_utc = [[1, 99]]", "peak.hours_utc"),
        ("[peak]\nhours_utc = [[true, 4]]", "peak.hours_utc[0][0]"),
        ("[peak]\nweekdays_only = 1", "peak.weekdays_only"),
        ("peak = []", "peak"),
        ('as_of = "last week"', "as_of"),
        ("currency = { code = 1 }", "currency"),
    ],
)
def test_a_wrong_typed_price_table_falls_back_to_the_shipped_one(text: str, named: str) -> None:
    path = user_prices_path()
    path.parent.mkdir(parents=True)
    path.write_text(text + "\n")
    table, problem = load_price_table()
    assert table == PriceTable.from_toml(shipped_prices_text())
    assert problem is not None and "using the shipped prices" in problem
    assert f"{named}" in problem and "Error" not in problem and "<class" not in problem
