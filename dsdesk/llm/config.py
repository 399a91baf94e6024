"""Connection settings of the client. The key is excluded from ``repr`` so it is never logged."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEEPSEEK_BASE_URL = "https://api.deepseek.com"
DEEPSEEK_BETA_URL = "https://api.deepseek.com/beta"  # beta features: chat prefix completion


def beta_base_url(base_url: str, configured: str = "") -> str | None:
    """Where beta features are served: ``configured`` when set; for DeepSeek's own API its
    beta URL; for any other server None, since nothing says it takes them."""
    if configured:
        return configured.rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname == "api.deepseek.com":
        return DEEPSEEK_BETA_URL
    return None


@dataclass(frozen=True, slots=True)
class ClientConfig:
    base_url: str = DEEPSEEK_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    # Chat prefix completion (Continue) is only served here; None: use the fallback.
    beta_url: str | None = None
    connect_timeout: float = 15.0
    # Longest silence (keep-alive comments do not count) before giving up on a stream.
    idle_timeout: float = 180.0
    # Wall-clock ceiling for one answer; 384K output tokens take a long time.
    total_timeout: float = 3600.0
    # After the finishing chunk, how long to wait for a separate usage chunk.
    usage_grace: float = 5.0
    max_retries: int = 3
    backoff_base: float = 1.0
    backoff_cap: float = 20.0
    user_agent: str = "dsdesk"
