"""Settings ▸ Tools: the MCP servers with their status, a restart button, each tool with its
kind and the user's answer (default / allow / ask / deny), and — when the open project has a
``.dsdesk/mcp.json`` that is not trusted — exactly what it would start, with a button to trust it.

The page only shows what ``McpService`` knows and asks it to act; answers are saved at once
(in a worker) and hold in every project.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dsdesk.agent.events import Decision
from dsdesk.agent.mcp.config import project_config_path, user_config_path
from dsdesk.agent.mcp.setup import state_line
from dsdesk.agent.mcp.state import ServerState, Status
from dsdesk.agent.mcp.tools import hints, make_tools
from dsdesk.config.paths import config_dir
from dsdesk.core.redact import clean_server_text
from dsdesk.services.mcp import McpService

__all__ = ["McpToolsPage"]

CHOICES: list[tuple[str, Decision | None]] = [
    ("Default", None),
    ("Allow", Decision.ALLOW),
    ("Ask", Decision.ASK),
    ("Deny", Decision.DENY),
]
_NAME = Qt.ItemDataRole.UserRole


class McpToolsPage(QWidget):
    def __init__(self, mcp: McpService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mcp-tools-page")
        self.mcp = mcp
        lay = QVBoxLayout(self)

        self.trust_box = QGroupBox("This project's MCP servers are not trusted")
        trust_lay = QVBoxLayout(self.trust_box)
        self.trust_note = QLabel("")
        self.trust_note.setWordWrap(True)
        self.trust_list = QPlainTextEdit()
        self.trust_list.setReadOnly(True)
        self.trust_list.setMaximumHeight(72)
        self.trust_list.setAccessibleName("What the project's mcp.json would start")
        self.trust_button = QPushButton("T&rust this file and start them")
        trust_lay.addWidget(self.trust_note)
        trust_lay.addWidget(self.trust_list)
        trust_lay.addWidget(self.trust_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.trust_box)

        self.tree = QTreeWidget()
        self.tree.setObjectName("mcp-servers")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Server / tool", "Status / kind", "Approval"])
        self.tree.setAccessibleName("MCP servers and their tools")
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(2, 110)
        self.tree.setMinimumHeight(260)
        lay.addWidget(self.tree, 1)

        row = QHBoxLayout()
        self.restart_button = QPushButton("Re&start server")
        self.restart_button.setEnabled(False)
        self.files = QLabel("")
        self.files.setWordWrap(True)
        self.files.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.files, 1)
        row.addWidget(self.restart_button)
        lay.addLayout(row)
        self.empty = QLabel("")
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty)

        self.trust_button.clicked.connect(self._on_trust_clicked)
        self.restart_button.clicked.connect(self._on_restart_clicked)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        mcp.sig_state.connect(self._on_mcp_state)
        mcp.sig_config.connect(self.refresh)
        mcp.ensure_started()  # the page shows what runs: start what is configured
        self.refresh()

    # -- filling in --------------------------------------------------------------------------------

    def refresh(self) -> None:
        cfg = self.mcp.config
        untrusted = cfg.project_state in ("untrusted", "changed") and bool(cfg.project_servers)
        self.trust_box.setVisible(untrusted)
        self.trust_button.setEnabled(True)
        if untrusted:
            again = " It changed since you trusted it." if cfg.project_state == "changed" else ""
            self.trust_note.setText(
                f"{cfg.project_file} asks dsdesk to start these programs or connect to these "
                f"servers.{again} A cloned repository never starts anything by itself: trust "
                "the file only if you trust these commands."
            )
            shown = [f"{s.name}: {clean_server_text(s.describe())}" for s in cfg.project_servers]
            self.trust_list.setPlainText("\n".join(shown))
        where = [str(user_config_path(config_dir()))]
        if self.mcp.root is not None:
            where.append(str(project_config_path(self.mcp.root)))
        self.files.setText(
            "Servers come from " + " and ".join(where) + ". Approvals are saved at once and "
            "hold in every project."
        )
        self._fill(self.mcp.states())

    def _fill(self, states: list[ServerState]) -> None:
        current = self.tree.currentItem()
        keep = current.data(0, _NAME) if current is not None else None
        self.tree.clear()
        self.empty.setText(
            ""
            if states or self.mcp.config.servers
            else 'No MCP servers yet. Add them to the file above as {"mcpServers": {...}} — '
            "see the README, “MCP servers”."
        )
        tools = make_tools(states, self.mcp.hub)
        for state in states:
            top = QTreeWidgetItem([f"{state.name}  ({state.config.source})", _status(state), ""])
            top.setData(0, _NAME, ("server", state.name))
            top.setToolTip(0, clean_server_text(state.config.describe()))
            tip = _status(state)
            if state.status is Status.FAILED and state.stderr:
                tip += "\n\nLast lines of its stderr:\n" + clean_server_text(state.stderr)[-2000:]
            top.setToolTip(1, tip)
            self.tree.addTopLevelItem(top)
            raw = {t.name: t for t in state.tools}
            for tool in (t for t in tools if t.server == state.name):
                read_only, destructive = hints(raw[tool.tool])
                kind = "read-only" if read_only else "destructive" if destructive else "writes"
                child = QTreeWidgetItem([tool.name, kind, ""])
                child.setData(0, _NAME, ("tool", tool.name))
                child.setToolTip(0, tool.description)
                top.addChild(child)
                self.tree.setItemWidget(child, 2, self._choice(tool.name))
            top.setExpanded(True)
            if keep == ("server", state.name):
                self.tree.setCurrentItem(top)
        self._update_buttons()

    def _choice(self, tool: str) -> QComboBox:
        box = QComboBox()
        box.setAccessibleName(f"Approval for {tool}")
        for label, decision in CHOICES:
            box.addItem(label, decision)
        current = self.mcp.decision(tool)
        box.setCurrentIndex(next(k for k, (_, d) in enumerate(CHOICES) if d is current))
        box.currentIndexChanged.connect(
            lambda index, name=tool: self.mcp.set_decision(name, CHOICES[index][1])
        )
        return box

    def _update_buttons(self) -> None:
        self.restart_button.setEnabled(self._selected_server() is not None)

    def _selected_server(self) -> str | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        parent = item.parent()
        if parent is not None:
            item = parent
        kind, name = item.data(0, _NAME)
        return str(name) if kind == "server" else None

    # -- slots -----------------------------------------------------------------------------------

    def _on_mcp_state(self, _state: object) -> None:
        self._fill(self.mcp.states())

    def _on_trust_clicked(self) -> None:
        self.trust_button.setEnabled(False)
        self.mcp.trust_project()

    def _on_restart_clicked(self) -> None:
        name = self._selected_server()
        if name is not None:
            self.mcp.restart(name)


def _status(state: ServerState) -> str:
    return clean_server_text(state_line(state))
