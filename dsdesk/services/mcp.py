"""MCP servers for the window: the hub (its own thread), the project's configuration and trust,
per-tool answers, and signals the Settings ▸ Tools page and the agent service listen to.

Nothing here blocks the GUI thread: configuration files, trust and rules are read and written in
worker threads; servers start, answer and stop on the hub's thread. Servers start the first time
an agent mode or the Tools page needs them, not merely because a project was opened.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from dsdesk.agent.events import Decision
from dsdesk.agent.mcp.config import McpConfig, ServerConfig, parse_servers, read_config_bytes
from dsdesk.agent.mcp.hub import McpHub
from dsdesk.agent.mcp.rules import load_tool_rules, set_tool_decision
from dsdesk.agent.mcp.setup import load_for, new_hub, project_note
from dsdesk.agent.mcp.state import ServerState
from dsdesk.agent.mcp.tools import McpTool, make_tools
from dsdesk.agent.mcp.trust import TrustStore
from dsdesk.agent.policy import Rule
from dsdesk.services.tasks import TaskRegistry

__all__ = ["McpService"]


class McpService(QObject):
    sig_state = Signal(object)
    """(ServerState) a server started, failed, stopped or changed its tools (GUI thread)."""
    sig_config = Signal()
    """The configuration was (re)read: servers, problems, the project file's trust state."""
    sig_rules = Signal(object)
    """(list[Rule]) the per-tool answers now stored."""
    sig_notice = Signal(str)
    """(message) for the status bar."""
    _sig_from_hub = Signal(object)  # hub thread → GUI thread (queued)

    def __init__(self, tasks: TaskRegistry, data_dir: Path, hub: McpHub | None = None) -> None:
        super().__init__()
        self._tasks = tasks
        self._data_dir = data_dir
        self.hub = hub or new_hub()
        self.root: Path | None = None
        self.config = McpConfig()
        self.rules: list[Rule] = []
        self.started = False  # servers were asked to run for this configuration
        self.loaded = False
        self._sig_from_hub.connect(self.sig_state.emit)
        self._listener = self._sig_from_hub.emit
        self.hub.add_listener(self._listener)

    # -- configuration -----------------------------------------------------------------------------

    def set_project(self, root: Path | None) -> None:
        self.root = root
        self.started = False
        self.reload()

    def reload(self, start: bool | None = None) -> None:
        """Read the files again (worker thread); servers follow if they run (or ``start``)."""
        self._tasks.spawn(self._reload(self.root, start), name="mcp-config")

    async def _reload(self, root: Path | None, start: bool | None) -> None:
        cfg = await asyncio.to_thread(load_for, root)
        rules, problems = await asyncio.to_thread(load_tool_rules, self._data_dir)
        if root != self.root:
            return  # another project was opened meanwhile
        self.config, self.rules, self.loaded = cfg, rules, True
        if start or (start is None and self.started):
            self._configure()
        self.sig_config.emit()
        self.sig_rules.emit(list(self.rules))
        for problem in cfg.problems + problems:
            self.sig_notice.emit(f"MCP: {problem}")
        note = project_note(cfg, "review it in Settings ▸ Tools")
        if note:
            self.sig_notice.emit(note)

    def ensure_started(self) -> None:
        """Start the configured servers once (agent mode, or the Tools page, needs them)."""
        if self.started:
            return
        self.started = True
        if self.loaded:
            self._configure()
        # else: _reload starts them when the files are read

    def _configure(self) -> None:
        self.started = True
        self.hub.configure(self.config.servers)

    def restart(self, name: str) -> None:
        self.hub.restart(name)

    def states(self) -> list[ServerState]:
        return self.hub.states()

    def tools(self) -> list[McpTool]:
        """Tools of the running servers, as a session takes them (fixed from then on)."""
        return make_tools(self.hub.states(), self.hub)

    # -- trust -----------------------------------------------------------------------------------

    def trust_project(self) -> None:
        """Trust the project's mcp.json as it is now — the exact bytes the user was shown (a
        file changed since then is not trusted) — and start its servers."""
        root, shown = self.root, self.config.project_servers
        if root is None or self.config.project_file is None:
            return
        self._tasks.spawn(self._trust(root, self.config.project_file, shown), name="mcp-trust")

    async def _trust(self, root: Path, path: Path, shown: list[ServerConfig]) -> None:
        try:
            data = await asyncio.to_thread(read_config_bytes, path)
            if data is None:
                raise OSError("the file is gone")
            # Exactly these bytes are trusted, so they must say exactly what was shown.
            if parse_servers(data, "project", str(path))[0] != shown:
                self.sig_notice.emit(f"{path} changed while you looked at it: not trusted")
                self.reload()
                return
            await asyncio.to_thread(TrustStore(self._data_dir).trust, root, data)
        except (OSError, ValueError) as exc:
            self.sig_notice.emit(f"Not trusted: {exc}")
            return
        self.sig_notice.emit(f"Trusted {path}: its servers start now")
        self.reload(start=True)

    # -- per-tool answers ------------------------------------------------------------------------

    def set_decision(self, tool: str, decision: Decision | None) -> None:
        self._tasks.spawn(self._set_decision(tool, decision), name="mcp-rule")

    async def _set_decision(self, tool: str, decision: Decision | None) -> None:
        try:
            self.rules = await asyncio.to_thread(set_tool_decision, self._data_dir, tool, decision)
        except OSError as exc:
            self.sig_notice.emit(f"Not saved: {exc}")
            return
        self.sig_rules.emit(list(self.rules))

    def decision(self, tool: str) -> Decision | None:
        return next((r.decision for r in self.rules if r.tool == tool), None)

    # -- shutdown --------------------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Stop every server and its processes (off the GUI thread), then the hub."""
        self.hub.remove_listener(self._listener)
        await self.hub.aclose()
