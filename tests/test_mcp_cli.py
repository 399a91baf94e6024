"""``dsdesk mcp`` and ``dsdesk agent --mcp-config`` end to end, against the simulator and the
toy MCP server (nothing leaves 127.0.0.1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsdesk.cli import main
from dsdesk.devserver import Simulator
from dsdesk.devserver.script import load_script
from tests.mcp_helpers import RAW, TOY

KEY = "sk-mcp-cli-test-1234567"
SCRIPT = Path(__file__).parent / "fixtures" / "mcp-agent.toml"


def mcp_file(path: Path, servers: dict[str, object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"mcpServers": servers}))
    return path


def toy(*args: str) -> dict[str, object]:
    import sys

    return {"command": sys.executable, "args": [str(TOY), *args]}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "README.md").write_text("hello\n")
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    return root


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    with Simulator(api_key=KEY) as s:
        monkeypatch.setenv("DEEPSEEK_BASE_URL", s.base_url)
        yield s


def test_mcp_list_shows_each_server_whether_it_started_and_its_tools(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    given = mcp_file(
        tmp_path / "servers.json",
        {
            "toy": toy(),
            "dead": toy("die-start"),
            "raw": {"command": sys.executable, "args": [str(RAW)]},
        },
    )
    code = main(["mcp", "list", "--root", str(project), "--mcp-config", str(given)])
    out, _err = capsys.readouterr()
    assert code == 1  # one server failed
    assert "toy (" in out and "running · started in" in out
    assert "    mcp__toy__echo  [read-only]" in out
    assert "    mcp__toy__add  [writes]" in out and "    mcp__toy__wipe  [destructive]" in out
    assert "dead (" in out and "failed: the server closed the connection while starting" in out
    assert "│ toy: cannot start: no database at /nowhere" in out
    assert "mcp__raw__bad  [destructive]" in out
    code = main(["mcp", "list", "--root", str(project), "--mcp-config", str(given), "--json"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["name"], r["status"]) for r in rows] == [
        ("toy", "running"),
        ("dead", "failed"),
        ("raw", "running"),
    ]


def test_a_projects_servers_start_only_after_dsdesk_mcp_trust(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mcp_file(project / ".dsdesk" / "mcp.json", {"local": toy()})
    assert main(["mcp", "list", "--root", str(project)]) == 0
    out, err = capsys.readouterr()
    assert "is not trusted, so its 1 MCP server(s) are not started" in err
    assert "No MCP servers configured" in out
    assert main(["mcp", "trust", "--root", str(project), "--yes"]) == 0
    out, _ = capsys.readouterr()
    assert f"local: {TOY.parent}" not in out and str(TOY) in out  # shows what would start
    assert main(["mcp", "list", "--root", str(project)]) == 0
    assert "mcp__local__echo" in capsys.readouterr().out


def test_agent_with_mcp_config_lets_v4_call_mcp_tools_under_the_same_rules(
    sim: Simulator, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for reply in load_script(SCRIPT):
        sim.enqueue(reply)
    given = mcp_file(tmp_path / "servers.json", {"toy": toy()})
    code = main(
        ["agent", "--root", str(project), "--mcp-config", str(given), "Say hi via toy, then wipe"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "The toy server said: echo: from V4." in out
    assert "→ toy › echo" in err and "→ toy › wipe" in err
    first, *_rest, last = sim.chat_requests
    names = [t["function"]["name"] for t in first.json["tools"]]
    assert "mcp__toy__echo" in names and "mcp__toy__wipe" in names
    assert [t["function"]["name"] for t in last.json["tools"]] == names  # fixed for the run
    results = [m["content"] for m in last.json["messages"] if m["role"] == "tool"]
    assert results[0] == "echo: from V4"
    assert results[1].startswith("The user denied this call.")  # destructive: asked, no tty
