"""MCP servers in the window: Settings ▸ Tools shows a project's untrusted mcp.json with exactly
what it would start, trusts it, lists servers and tools, restarts, stores per-tool answers the
policy applies; agent sessions keep their tool list; quitting stops every server process."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox

from dsdesk.agent.events import Decision
from dsdesk.agent.mcp.state import Status
from dsdesk.agent.policy import Mode
from dsdesk.config.paths import data_dir
from dsdesk.ui.mcp_page import McpToolsPage
from dsdesk.ui.settings_dialog import SettingsDialog
from tests.mcp_helpers import TOY, alive
from tests.qt_async import close_window, open_window, run_scenario, wait_until


def project_with_servers(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "proj"
    (root / ".dsdesk").mkdir(parents=True)
    pidfile = tmp_path / "toy.pids"
    server = {
        "command": sys.executable,
        "args": [str(TOY), "--pidfile", str(pidfile), "grandchild"],
    }
    (root / ".dsdesk" / "mcp.json").write_text(json.dumps({"mcpServers": {"toy": server}}))
    return root, pidfile


def tool_names(controller: Any) -> list[str]:
    return [s["function"]["name"] for s in controller.chat.agent.schemas]


def test_trust_a_projects_servers_in_settings_tools_and_quit_leaves_no_process(
    qloop: Any, tmp_path: Path
) -> None:
    root, pidfile = project_with_servers(tmp_path)

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        window.open_project(root)
        await wait_until(lambda: controller.mcp.loaded)
        assert controller.mcp.config.project_state == "untrusted"
        QTest.keyClick(window.prompt, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
        await wait_until(lambda: isinstance(QApplication.activeModalWidget(), SettingsDialog))
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SettingsDialog)
        bar = dialog.tabs.tabBar()
        bar.setFocus()
        QTest.keyClick(bar, Qt.Key.Key_Right)  # General → Tools
        page = dialog.tabs.currentWidget()
        assert isinstance(page, McpToolsPage)
        await wait_until(page.trust_box.isVisible)
        assert f"toy: {sys.executable} {TOY} --pidfile" in page.trust_list.toPlainText()
        assert controller.mcp.states() == []  # nothing started before the user trusts it
        page.trust_button.click()
        await wait_until(
            lambda: any(s.status is Status.RUNNING for s in controller.mcp.states()), 20
        )
        await wait_until(lambda: page.tree.topLevelItemCount() == 1)
        top = page.tree.topLevelItem(0)
        assert top is not None and top.text(0) == "toy  (project)"
        assert top.text(1).startswith("running · started in")
        rows = {top.child(k).text(0): top.child(k) for k in range(top.childCount())}
        assert rows["mcp__toy__wipe"].text(1) == "destructive"
        assert rows["mcp__toy__echo"].text(1) == "read-only"
        assert not page.trust_box.isVisible()
        combo = page.tree.itemWidget(rows["mcp__toy__wipe"], 2)
        assert isinstance(combo, QComboBox) and combo.currentText() == "Default"
        combo.setCurrentText("Allow")
        rules_file = data_dir() / "mcp-tool-rules.toml"
        await wait_until(rules_file.exists)
        saved = tomllib.loads(rules_file.read_text())["rule"]
        assert saved == [{"tool": "mcp__toy__wipe", "pattern": "*", "decision": "allow"}]
        assert controller.mcp.decision("mcp__toy__wipe") is Decision.ALLOW
        # Restart: a new process, the same tools.
        first = controller.mcp.states()[0].generation
        page.tree.setCurrentItem(top)
        page.restart_button.click()
        await wait_until(
            lambda: (
                controller.mcp.states()[0].generation > first
                and controller.mcp.states()[0].status is Status.RUNNING
            ),
            20,
        )
        pids = [int(p) for p in pidfile.read_text().split()]
        assert all(alive(p) for p in pids)
        dialog.reject()
        await close_window(window, controller)
        assert not any(alive(p) for p in pids)

    run_scenario(qloop, scenario(), timeout=90)


def test_an_agent_session_takes_the_tools_and_keeps_them_for_its_conversation(
    qloop: Any, tmp_path: Path
) -> None:
    root, _pidfile = project_with_servers(tmp_path)
    from dsdesk.agent.mcp.trust import TrustStore

    TrustStore(data_dir()).trust(root, (root / ".dsdesk" / "mcp.json").read_bytes())

    async def scenario() -> None:
        window, controller = await open_window(tmp_path)
        notices: list[str] = []
        controller.agent.sig_notice.connect(notices.append)
        window.open_project(root)
        await wait_until(lambda: controller.mcp.loaded)
        assert controller.mcp.states() == []  # chat mode: nothing started
        assert controller.agent.set_mode(Mode.AUTO_EDIT) is None
        # The servers start in the background; the session picks their tools up before the
        # conversation's first request.
        await wait_until(lambda: "mcp__toy__echo" in tool_names(controller), 20)
        session = controller.chat.agent
        assert session.policy.user_rules == []
        controller.mcp.set_decision("mcp__toy__echo", Decision.DENY)
        await wait_until(lambda: controller.chat.agent.policy.user_rules != [])
        # Once the conversation has started, a changed tool list is not taken: the user is
        # told it applies to the next conversation.
        from dsdesk.core.messages import Message

        controller.chat.conversation.append(Message.user("hi"))
        before = tool_names(controller)
        await controller.mcp.hub.call("toy", "grow", {})
        await wait_until(lambda: any("changed its tools" in n for n in notices), 10)
        assert tool_names(controller) == before and "mcp__toy__extra" not in before
        controller.agent.set_mode(Mode.FULL_AUTO if controller.agent.sandboxed else Mode.READ_ONLY)
        assert tool_names(controller) == before  # a mode change keeps the conversation's list
        controller.chat.new_chat()
        await wait_until(lambda: "mcp__toy__extra" in tool_names(controller))
        await close_window(window, controller)

    run_scenario(qloop, scenario(), timeout=90)
