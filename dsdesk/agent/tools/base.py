"""What a tool is to the loop: a name, a JSON schema for the model, and an async ``run``.

Tool results are plain text. Output beyond ``MAX_OUTPUT_BYTES`` / ``MAX_OUTPUT_LINES`` is cut to
head + tail with a note; the full text is kept in an ``OutputStore`` that the model can page
through with ``read_output`` (as Codex does), so a huge log never floods the context.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from dsdesk.agent.tools.output import (
    EMPTY_OUTPUT,
    MAX_OUTPUT_BYTES,
    MAX_OUTPUT_LINES,
    OutputStore,
)
from dsdesk.workspace.edit_plan import Fingerprint

__all__ = [
    "EMPTY_OUTPUT",
    "MAX_OUTPUT_BYTES",
    "MAX_OUTPUT_LINES",
    "Effect",
    "OutputStore",
    "Tool",
    "ToolContext",
    "ToolError",
    "ToolResult",
]


class Effect(enum.Enum):
    """What running a call can do; the approval policy decides on this, not on tool names."""

    READ = "read"  # reads project files only
    EDIT = "edit"  # changes project files (journaled, undoable, checkpointed)
    EXECUTE = "execute"  # runs a program
    EXTERNAL = "external"  # acts outside the project through an MCP server (not sandboxed)


class ToolError(Exception):
    """A call that could not be carried out; ``message`` goes back to the model as the result
    (the turn goes on: the model can correct itself)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What the model gets back (``text``) and what the user sees summarised (``summary``,
    e.g. "120 lines", "exit 1 · 3.2 s"). ``changed`` lists project files the call wrote; for
    an edit, ``change_set_id`` names its undo-journal entry and ``diff`` is the unified diff
    (for the window's diff card; the model gets ``text``)."""

    text: str
    summary: str = ""
    is_error: bool = False
    changed: tuple[str, ...] = ()
    exit_code: int | None = None
    change_set_id: str | None = None
    diff: str = ""


@dataclass(slots=True)
class ToolContext:
    """Per-conversation state every tool call sees. ``read_files``: rel path -> fingerprint of
    the file when the model last read it (edits refuse files it never read or that changed
    since). ``outputs``: the full text of cut outputs, for ``read_output``. ``on_output``:
    live output of a running command, for the window."""

    root: Path
    data_dir: Path
    read_files: dict[str, Fingerprint] = field(default_factory=dict)
    outputs: OutputStore = field(default_factory=OutputStore)
    on_output: Callable[[str], None] | None = None
    sandbox: bool = True
    network: bool = False


class Tool(Protocol):
    """A tool may also set ``pages_itself = True`` (read_file, read_output): its output is
    already bounded and paged, so the registry does not cut it to head + tail."""

    name: str
    description: str
    parameters: Mapping[str, Any]  # JSON schema of the arguments object
    effect: Effect

    def run(self, args: Mapping[str, Any], ctx: ToolContext) -> Awaitable[ToolResult]: ...

    def describe(self, args: Mapping[str, Any]) -> str:
        """The call in one line for people: ``read_file src/app.py 1–120``, ``$ pytest -x``."""
        ...
