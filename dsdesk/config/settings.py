"""Typed settings with defaults, stored as TOML. Unknown keys are kept out; bad values fall back
to the default and are reported, so a hand-edited file never stops the app from starting."""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import tomli_w

from dsdesk.config.paths import settings_path
from dsdesk.core import schema
from dsdesk.core.request import DEFAULT_MAX_TOKENS, DEFAULT_MODEL, MAX_OUTPUT_TOKENS
from dsdesk.core.schema import limits
from dsdesk.llm.config import DEEPSEEK_BASE_URL, ClientConfig, beta_base_url

THEMES = ("system", "light", "dark")
EFFORTS = ("high", "max")


def _url_problem(url: str) -> str | None:
    return (
        None if url.startswith(("http://", "https://")) else "must start with http:// or https://"
    )


def _beta_problem(url: str) -> str | None:
    return _url_problem(url) if url else None


def _empty_problem(text: str) -> str | None:
    return None if text.strip() else "must not be empty"


# Past a week a timeout means "never"; larger numbers only risk overflowing timers.
_SECONDS = limits(gt=0, le=7 * 24 * 3600)


@dataclass(frozen=True, slots=True)
class Settings:
    """The schema of settings.toml: field types and ``limits`` decide what a value may be."""

    base_url: str = field(default=DEEPSEEK_BASE_URL, metadata=limits(check=_url_problem))
    # Where chat prefix completion (Continue extends the answer) is served; empty: DeepSeek's
    # own beta URL with DeepSeek's API, none (Continue sends a prompt) with other servers.
    beta_base_url: str = field(default="", metadata=limits(check=_beta_problem))
    model: str = field(default=DEFAULT_MODEL, metadata=limits(check=_empty_problem))
    thinking: bool = True
    effort: str = field(default="high", metadata=limits(choices=EFFORTS))
    max_tokens: int = field(default=DEFAULT_MAX_TOKENS, metadata=limits(ge=1, le=MAX_OUTPUT_TOKENS))
    connect_timeout: float = field(default=15.0, metadata=_SECONDS)
    idle_timeout: float = field(default=180.0, metadata=_SECONDS)
    total_timeout: float = field(default=3600.0, metadata=_SECONDS)
    theme: str = field(default="system", metadata=limits(choices=THEMES))
    # Off by default: some users want one git commit per accepted change set.
    commit_edits: bool = False
    # Shortcut overrides, action id -> key sequence text ("" removes the shortcut).
    shortcuts: dict[str, str] = field(default_factory=dict)

    def client_config(self, api_key: str | None, base_url: str | None = None) -> ClientConfig:
        url = base_url or self.base_url
        return ClientConfig(
            base_url=url,
            api_key=api_key,
            beta_url=beta_base_url(url, self.beta_base_url),
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
        raw = schema.parse_toml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), []
    except (OSError, UnicodeDecodeError, schema.Invalid) as exc:
        return Settings(), [f"{path} could not be read ({exc}); using defaults"]
    settings, problems = schema.load(Settings, raw)
    return settings, [str(p) for p in problems]


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
