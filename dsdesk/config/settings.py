"""Typed settings with defaults, stored as TOML. Unknown keys are kept out; bad values fall back
to the default and are reported, so a hand-edited file never stops the app from starting."""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from dsdesk.config.paths import settings_path
from dsdesk.core.request import DEFAULT_MAX_TOKENS, DEFAULT_MODEL, MAX_OUTPUT_TOKENS
from dsdesk.llm.config import DEEPSEEK_BASE_URL, ClientConfig

THEMES = ("system", "light", "dark")
EFFORTS = ("high", "max")


@dataclass(frozen=True, slots=True)
class Settings:
    base_url: str = DEEPSEEK_BASE_URL
    model: str = DEFAULT_MODEL
    thinking: bool = True
    effort: str = "high"
    max_tokens: int = DEFAULT_MAX_TOKENS
    connect_timeout: float = 15.0
    idle_timeout: float = 180.0
    total_timeout: float = 3600.0
    theme: str = "system"
    # Off by default: some users want one git commit per accepted change set.
    commit_edits: bool = False
    # Shortcut overrides, action id -> key sequence text ("" removes the shortcut).
    shortcuts: dict[str, str] = field(default_factory=dict)

    def validated(self) -> tuple[Settings, list[str]]:
        """A copy with out-of-range values reset to defaults, and what was reset."""
        problems: list[str] = []
        fixes: dict[str, Any] = {}
        default = Settings()

        def reset(name: str, why: str) -> None:
            problems.append(f"{name}: {why}; using {getattr(default, name)!r}")
            fixes[name] = getattr(default, name)

        if not self.base_url.startswith(("http://", "https://")):
            reset("base_url", "must start with http:// or https://")
        if not self.model.strip():
            reset("model", "empty")
        if self.effort not in EFFORTS:
            reset("effort", f"must be one of {', '.join(EFFORTS)}")
        if not 1 <= self.max_tokens <= MAX_OUTPUT_TOKENS:
            reset("max_tokens", f"must be 1..{MAX_OUTPUT_TOKENS}")
        for name in ("connect_timeout", "idle_timeout", "total_timeout"):
            if getattr(self, name) <= 0:
                reset(name, "must be positive")
        if self.theme not in THEMES:
            reset("theme", f"must be one of {', '.join(THEMES)}")
        return replace(self, **fixes), problems

    def client_config(self, api_key: str | None, base_url: str | None = None) -> ClientConfig:
        return ClientConfig(
            base_url=base_url or self.base_url,
            api_key=api_key,
            connect_timeout=self.connect_timeout,
            idle_timeout=self.idle_timeout,
            total_timeout=self.total_timeout,
        )


def effective_base_url(settings: Settings, cli_value: str | None = None) -> str:
    """--base-url beats DEEPSEEK_BASE_URL, which beats the settings file."""
    return cli_value or os.environ.get("DEEPSEEK_BASE_URL") or settings.base_url


def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """Read settings; a missing file gives defaults. Returns the problems found, if any."""
    path = path or settings_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Settings(), [f"{path} could not be read ({exc}); using defaults"]
    values: dict[str, Any] = {}
    problems: list[str] = []
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value = raw[f.name]
        expected = type(getattr(Settings(), f.name))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not expected:
            problems.append(f"{f.name}: expected {expected.__name__}; using the default")
            continue
        if isinstance(value, dict):
            value = {str(k): str(v) for k, v in value.items() if isinstance(v, str)}
        values[f.name] = value
    settings, more = Settings(**values).validated()
    return settings, problems + more


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write atomically (temp file in the same folder, fsync, replace): never half a file."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = tomli_w.dumps(asdict(settings)).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
