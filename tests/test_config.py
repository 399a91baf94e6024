"""Settings round-trip and validation; the API key never lands in a plain file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from dsdesk.config import secrets
from dsdesk.config.paths import settings_path
from dsdesk.config.settings import Settings, effective_base_url, load_settings, save_settings


class MemoryKeyring(KeyringBackend):
    priority = 10  # type: ignore[assignment]

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


def test_defaults_when_no_file() -> None:
    assert load_settings() == (Settings(), [])


def test_round_trip_and_atomic_file() -> None:
    s = Settings(model="deepseek-flash", max_tokens=1000, theme="dark", idle_timeout=30.0)
    save_settings(s)
    assert load_settings() == (s, [])
    assert [p.name for p in settings_path().parent.iterdir()] == ["settings.toml"]


def test_bad_values_fall_back_with_a_reason() -> None:
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text('theme = "purple"\nmax_tokens = "lots"\nidle_timeout = 10\nextra = 1\n')
    s, problems = load_settings()
    assert s.theme == "system" and s.max_tokens == Settings().max_tokens
    assert s.idle_timeout == 10.0
    assert any("theme" in p for p in problems) and any("max_tokens" in p for p in problems)
    path.write_text("not toml [")
    assert load_settings()[0] == Settings()


def test_base_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(base_url="https://from-settings")
    assert effective_base_url(s) == "https://from-settings"
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "http://env")
    assert effective_base_url(s) == "http://env"
    assert effective_base_url(s, "http://cli") == "http://cli"


def test_key_in_keyring_env_overrides(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets.store_api_key("  sk-keyring-1234567890  ")
    assert memory_keyring.store[("dsdesk", "deepseek-api-key")] == "sk-keyring-1234567890"
    key = secrets.load_api_key()
    assert (key.value, key.source) == ("sk-keyring-1234567890", "keyring")
    assert "sk-keyring" not in repr(key)
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-env-abcdefghij")
    assert secrets.load_api_key().source == "environment"
    secrets.delete_api_key()
    assert memory_keyring.store == {}


def test_no_secure_keyring_refuses_plainly() -> None:
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert "DEEPSEEK_API_KEY" in (secrets.keyring_status() or "")
        with pytest.raises(secrets.KeyringUnavailable, match="DEEPSEEK_API_KEY"):
            secrets.store_api_key("sk-should-not-be-written")
        assert secrets.load_api_key().value is None
    finally:
        keyring.set_keyring(previous)


def test_mask_key() -> None:
    from dsdesk.core.redact import mask_key
    from dsdesk.llm.config import ClientConfig

    assert mask_key("sk-1234567890abcdef") == "sk-…cdef"
    assert "1234567890" not in repr(ClientConfig(api_key="sk-1234567890abcdef"))


HOSTILE_SETTINGS = """
base_url = 5
model = ""
thinking = 1
effort = "ultra"
max_tokens = 99999999999999999999
connect_timeout = nan
idle_timeout = inf
total_timeout = -3
theme = { a = 1 }
commit_edits = "yes"
shortcuts = { "app.quit" = "Ctrl+Q", "bad" = 5, "nest" = { x = 1 } }
"""


def test_wrong_types_fall_back_per_field_with_a_plain_reason() -> None:
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text(HOSTILE_SETTINGS + "extra = [1]\n")
    s, problems = load_settings()
    assert s == Settings(shortcuts={"app.quit": "Ctrl+Q"})  # the good entry is kept
    named = {p.split(":")[0] for p in problems}
    assert named == {
        *("base_url", "model", "thinking", "effort", "max_tokens", "connect_timeout"),
        *("idle_timeout", "total_timeout", "theme", "commit_edits", "shortcuts.bad"),
        "shortcuts.nest",
    }
    assert "connect_timeout: must be a finite number, not nan; using 15.0" in problems
    assert all("Error" not in p and "<class" not in p for p in problems)


def test_good_values_survive_beside_bad_ones() -> None:
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_text('theme = "dark"\nidle_timeout = 30\nmax_tokens = true\nthinking = false\n')
    s, problems = load_settings()
    assert (s.theme, s.idle_timeout, s.thinking) == ("dark", 30.0, False)
    assert s.max_tokens == Settings().max_tokens  # a bool is not a number here
    assert problems == [f"max_tokens: must be a whole number, not true; using {s.max_tokens}"]


def test_the_cli_starts_with_hostile_config_files(tmp_path: Path) -> None:
    """The real CLI, in a process of its own, with broken files where XDG says config lives."""
    config = tmp_path / "xdg-config" / "dsdesk"
    config.mkdir(parents=True)
    (config / "settings.toml").write_text(HOSTILE_SETTINGS)
    (config / "prices.toml").write_text("models = 5\n[peak]\nhours_utc = [1]\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DSDESK_HOME", "DEEPSEEK_API_KEY")}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",  # no real keyring, no key
    )
    proc = subprocess.run(
        [sys.executable, "-m", "dsdesk", "ask", "hi"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2  # it got as far as asking for the missing key
    assert "dsdesk: settings: idle_timeout: must be a finite number, not inf" in proc.stderr
    assert f"{config / 'prices.toml'} ignored (models: must be a table, not 5" in proc.stderr
    assert "DEEPSEEK_API_KEY" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "dsdesk", "prices"], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "ignored (models: must be a table, not 5" in proc.stderr
    assert "deepseek-v4-pro" in proc.stdout
