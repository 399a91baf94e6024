"""Test-wide isolation: offscreen Qt, a private DSDESK_HOME, no real key or server from the env."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any QApplication exists

FIXTURES = Path(__file__).parent / "fixtures"
RECORDINGS = FIXTURES / "deepseek-recordings"


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
