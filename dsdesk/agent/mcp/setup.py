"""Reading the configuration for a project and starting its servers: shared by ``dsdesk mcp``,
``dsdesk agent`` and the window."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dsdesk.agent.mcp.config import McpConfig, load_config
from dsdesk.agent.mcp.hub import McpHub
from dsdesk.agent.mcp.state import ServerState, Status
from dsdesk.agent.mcp.trust import TrustStore
from dsdesk.config.paths import config_dir, data_dir
from dsdesk.config.secrets import load_mcp_secret

__all__ = ["load_for", "new_hub", "project_note", "state_line", "tools_changed_note"]

STARTUP_TIMEOUT = 30.0
CALL_TIMEOUT = 120.0


def load_for(root: Path | None, extra: Sequence[Path] = ()) -> McpConfig:
    trust = TrustStore(data_dir())
    return load_config(config_dir(), root, trust.verdict, extra)


def new_hub(startup_timeout: float = STARTUP_TIMEOUT, call_timeout: float = CALL_TIMEOUT) -> McpHub:
    return McpHub(load_mcp_secret, startup_timeout, call_timeout)


def project_note(cfg: McpConfig, how: str = "run: dsdesk mcp trust") -> str | None:
    """Why the project's servers are not used, if they are not."""
    if cfg.project_state == "untrusted":
        return (
            f"{cfg.project_file} is not trusted, so its {len(cfg.project_servers)} MCP server(s) "
            f"are not started ({how})"
        )
    if cfg.project_state == "changed":
        return (
            f"{cfg.project_file} changed since you trusted it: its servers are not started ({how})"
        )
    return None


def state_line(state: ServerState) -> str:
    if state.status is Status.RUNNING:
        n = len(state.tools)
        return f"running · started in {state.seconds:.1f} s · {n} tool{'s' if n != 1 else ''}"
    if state.status is Status.FAILED:
        return f"failed: {state.detail}"
    return str(state.status.value)


def tools_changed_note(name: str) -> str:
    return (
        f"MCP server {name!r} changed its tools; this conversation keeps the list it started "
        "with (the prompt cache depends on it) — the change applies to the next conversation"
    )
