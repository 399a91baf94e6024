"""What the rest of dsdesk knows of an MCP server, without loading the MCP SDK.

The SDK (with its pydantic models) takes half a second and ~40 MB to import, so only
``client.py`` imports it, and only when a server is started; a user with no MCP servers never
loads it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dsdesk.agent.mcp.config import ServerConfig

if TYPE_CHECKING:
    import mcp_types as types

__all__ = ["McpCallError", "SecretLookup", "ServerState", "Status"]


class Status(enum.Enum):
    STARTING = "starting"
    RUNNING = "running"
    FAILED = "failed"  # did not start, or stopped working
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ServerState:
    """A snapshot for people and for building sessions. ``generation`` grows with every
    (re)start and tool-list change; ``detail`` says why it failed (redacted)."""

    config: ServerConfig
    status: Status = Status.STARTING
    detail: str = ""
    tools: tuple[types.Tool, ...] = ()
    seconds: float = 0.0  # how long the start took
    generation: int = 0
    stderr: str = ""

    @property
    def name(self) -> str:
        return self.config.name


class McpCallError(Exception):
    """A call that did not give a result: ``message`` goes back to the model."""


SecretLookup = Callable[[str], str | None]
