"""Where dsdesk keeps its files. ``DSDESK_HOME`` relocates everything (tests, portable use)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "dsdesk"


def _home() -> Path | None:
    home = os.environ.get("DSDESK_HOME")
    return Path(home) if home else None


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP, appauthor=False))


def settings_path() -> Path:
    return config_dir() / "settings.toml"


def user_prices_path() -> Path:
    return config_dir() / "prices.toml"
