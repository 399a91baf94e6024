"""Per-tool answers for MCP tools (Settings ▸ Tools: allow / ask / deny), kept in dsdesk's data
dir for every project — never in a project, so a repository cannot allow its own tools."""

from __future__ import annotations

from pathlib import Path

from dsdesk.agent.events import Decision
from dsdesk.agent.policy import Rule, read_rules, write_rules

__all__ = ["load_tool_rules", "set_tool_decision", "tool_rules_path"]


def tool_rules_path(data_dir: Path) -> Path:
    return data_dir / "mcp-tool-rules.toml"


def load_tool_rules(data_dir: Path) -> tuple[list[Rule], list[str]]:
    return read_rules(tool_rules_path(data_dir))


def set_tool_decision(data_dir: Path, tool: str, decision: Decision | None) -> list[Rule]:
    """Store ``decision`` for the tool named ``tool`` (None: back to the defaults); returns
    the rules now stored."""
    rules, _ = load_tool_rules(data_dir)
    rules = [r for r in rules if r.tool != tool]
    if decision is not None:
        rules.append(Rule(tool, "*", decision))
    write_rules(tool_rules_path(data_dir), rules)
    return rules
