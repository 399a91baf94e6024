"""Connection settings of the client. The key is excluded from ``repr`` so it is never logged."""

from __future__ import annotations

from dataclasses import dataclass, field

DEEPSEEK_BASE_URL = "https://api.deepseek.com"


@dataclass(frozen=True, slots=True)
class ClientConfig:
    base_url: str = DEEPSEEK_BASE_URL
    api_key: str | None = field(default=None, repr=False)
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
