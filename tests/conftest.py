"""Test-wide isolation: offscreen Qt, a private DSDESK_HOME, no real key or server from the env."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any QApplication exists

from dsdesk.devserver import Simulator
from tests.qt_async import qloop  # noqa: F401  (the qasync loop fixture)

pytest_plugins = ["tests.store_fixtures"]  # clock, store: for the history store's tests

FIXTURES = Path(__file__).parent / "fixtures"
SIM_KEY = "sk-test-simulator-000001"
RECORDINGS = FIXTURES / "deepseek-recordings"


def pytest_configure(config: pytest.Config) -> None:
    # As in the app (services/main_thread_gc.py): never let the collector free Qt objects from
    # a worker or simulator thread. Tests collect on the main thread after each test instead.
    gc.disable()


@pytest.fixture(autouse=True)
def _collect_on_main_thread() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSDESK_HOME", str(tmp_path / "dsdesk-home"))
    for var in ("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def recording(kind: str) -> Path:
    """The recorded V4 stream whose file name contains ``kind``."""
    matches = sorted(RECORDINGS.glob(f"*{kind}*.jsonl"))
    assert len(matches) == 1, (kind, matches)
    return matches[0]


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    """The simulator on loopback, with the app's environment pointing at it (a test module
    that needs a bare simulator defines its own ``sim``)."""
    with Simulator(api_key=SIM_KEY) as s:
        monkeypatch.setenv("DEEPSEEK_API_KEY", SIM_KEY)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", s.base_url)
        yield s
