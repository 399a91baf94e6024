"""A controllable clock and a store in a temporary folder, shared by the store's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dsdesk.store import Store


class Clock:
    """Fake time: ``t`` until changed; with ``step``, every call is that much later."""

    def __init__(self, t: float = 1_700_000_000.0, step: float = 0.0) -> None:
        self.t = t
        self.step = step

    def __call__(self) -> float:
        self.t += self.step
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    s = Store(tmp_path / "history.sqlite3", clock=clock)
    yield s
    s.close()
