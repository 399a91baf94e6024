"""The house rules that tools can check: layer contracts, lint, types, the PySide6 pin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_import_layers() -> None:
    res = run(str(BIN / "lint-imports"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 broken" in res.stdout


def test_ruff() -> None:
    res = run(str(BIN / "ruff"), "check", "--quiet", ".")
    assert res.returncode == 0, res.stdout + res.stderr
    res = run(str(BIN / "ruff"), "format", "--check", "--quiet", ".")
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.timeout(300)
def test_mypy_strict_on_the_qt_free_layers() -> None:
    res = run(str(BIN / "mypy"), "dsdesk")
    assert res.returncode == 0, res.stdout + res.stderr


def test_core_llm_config_import_without_qt() -> None:
    code = (
        "import sys; import dsdesk.core.request, dsdesk.core.sse, dsdesk.llm.client, "
        "dsdesk.config.settings, dsdesk.cli.ask; "
        "assert not any(m.startswith(('PySide6', 'qasync')) for m in sys.modules), 'Qt imported'"
    )
    res = run(sys.executable, "-c", code)
    assert res.returncode == 0, res.stderr


def test_pyside6_pinned_to_a_version_that_does_not_crash_python_311() -> None:
    import PySide6

    assert PySide6.__version__ == "6.11.3"
