"""``dsdesk prices``: the table in effect, where it comes from, and problems; ``--path``."""

from __future__ import annotations

import pytest

from dsdesk.cli import main
from dsdesk.config.paths import config_dir, user_prices_path


def test_path_prints_where_the_copy_goes_and_creates_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["prices", "--path"]) == 0
    assert capsys.readouterr().out == f"{user_prices_path()}\n"
    assert not config_dir().exists()


def test_shipped_table_shown_with_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prices"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "shipped with dsdesk" in out and f"copy it to {user_prices_path()}" in out
    assert "USD per 1M tokens, as of 2026-11-01" in out
    assert "Peak hours (UTC): 01:00-04:00, 06:00-10:00 on weekdays" in out
    pro = next(line for line in out.splitlines() if line.startswith("deepseek-v4-pro"))
    assert pro.split()[1:] == ["peak", "0.044", "1.32", "3.96"]
    assert "(also billed as: deepseek-v4-flash)" in out
    assert not config_dir().exists()


def test_the_users_copy_is_named_and_a_broken_one_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = user_prices_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        'currency = "EUR"\n[models.my-model]\npeak = {cache_hit = 1, cache_miss = 2, output = 3}\n'
        "off_peak = {cache_hit = 0.5, cache_miss = 1, output = 1.5}\n"
    )
    assert main(["prices"]) == 0
    out = capsys.readouterr().out
    assert f"Prices from {path}\n" in out and "EUR per 1M tokens, undated" in out
    assert "Peak hours (UTC): none" in out
    lines = out.splitlines()
    header = next(i for i, ln in enumerate(lines) if ln.startswith("model "))
    assert [ln.split() for ln in lines[header + 1 :]] == [
        ["my-model", "peak", "1", "2", "3"],
        ["off-peak", "0.5", "1", "1.5"],
    ]
    path.write_text("models = 5\n")
    assert main(["prices"]) == 0
    out, err = capsys.readouterr()
    why = "models: must be a table, not 5"
    assert err == f"dsdesk: {path} ignored ({why}); using the shipped prices\n"
    assert "shipped with dsdesk" in out and "was not used" in out and "deepseek-v4-pro" in out
