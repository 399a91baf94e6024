"""`dsdesk agent` end to end: the real tools, sandbox and checkpoints against the simulator."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsdesk.cli import main
from dsdesk.devserver import Reply, Simulator
from dsdesk.devserver.script import load_script
from tests.test_devserver_agent import DEMO, SAMPLE

KEY = "sk-cli-agent-test-1234567"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "sample-project"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    return root


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    with Simulator(api_key=KEY) as s:
        monkeypatch.setenv("DEEPSEEK_BASE_URL", s.base_url)
        yield s


def tool_results(sim: Simulator) -> list[str]:
    last = sim.chat_requests[-1].json["messages"]
    return [m["content"] for m in last if m["role"] == "tool"]


def test_full_auto_fixes_the_sample_project_in_the_sandbox_and_undo_reverts(
    sim: Simulator, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for reply in load_script(DEMO):
        sim.enqueue(reply)
    before = (project / "textstats" / "words.py").read_text()
    code = main(["agent", "--root", str(project), "--mode", "full-auto", "Fix the failing test"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "7 tests, all passing" in out
    assert "→ $ python -m unittest" in err and "⟲ checkpoint" in err
    results = tool_results(sim)
    runs = [r for r in results if r.startswith("exit code")]
    assert runs[0].startswith("exit code 1") and "FAILED (failures=2)" in runs[0]
    assert runs[-1].startswith("exit code 0") and "Ran 7 tests" in runs[-1]
    assert (project / "textstats" / "words.py").read_text() != before
    assert main(["undo", "--root", str(project)]) == 0
    assert (project / "textstats" / "words.py").read_text() == before


def test_without_a_terminal_approvals_are_denied_and_the_model_is_told(
    sim: Simulator, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for reply in load_script(DEMO):
        sim.enqueue(reply)
    code = main(["agent", "--root", str(project), "Fix the failing test"])  # auto-edit
    err = capsys.readouterr().err
    assert code == 0
    assert "✗ denied" in err
    denied = [r for r in tool_results(sim) if "without a terminal" in r]
    assert len(denied) == 2  # both test runs; the edit ran (auto-edit)
    assert "text.split()" in (project / "textstats" / "words.py").read_text()


def test_json_events_one_per_line(
    sim: Simulator, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.enqueue(Reply.text("", tool_calls=[{"name": "list_dir", "arguments": '{"path": "."}'}]))
    sim.enqueue(Reply.text("Three entries."))
    assert main(["agent", "--json", "--root", str(project), "look"]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    types = [e["type"] for e in events]
    for kind in ("round_started", "tool_call_ready", "tool_call_ended", "round_ended"):
        assert kind in types
    assert types[-1] == "turn_ended" and events[-1]["status"] == "done"
    ready = next(e for e in events if e["type"] == "tool_call_ready")
    assert ready["title"].startswith("list_dir") and ready["decision"] == "allow"


def test_a_step_budget_pauses_with_exit_5(
    sim: Simulator, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(3):
        sim.enqueue(Reply.text("", tool_calls=[{"name": "list_dir", "arguments": '{"path": "."}'}]))
    assert main(["agent", "--max-steps", "2", "--root", str(project), "loop"]) == 5
    assert "Paused after 2 steps" in capsys.readouterr().err


def test_ctrl_c_kills_the_running_command_and_records_the_turn_as_stopped(
    project: Path, tmp_path: Path
) -> None:
    marker = "31.4159"
    command = json.dumps({"command": f"sleep {marker}"})
    script = tmp_path / "slow.toml"
    script.write_text(
        f'[[reply]]\ntool_calls = [{{ name = "run_command", arguments = {json.dumps(command)} }}]\n'
    )
    with Simulator(api_key=KEY, script=script) as sim:
        env = {**os.environ, "DEEPSEEK_BASE_URL": sim.base_url}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dsdesk",
                "agent",
                "--mode",
                "full-auto",
                "--root",
                str(project),
                "wait",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _running(marker):
            time.sleep(0.05)
        assert _running(marker), "the command never started"
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Stopped" in err and "Traceback" not in err
    assert not _running(marker)


def _running(marker: str) -> bool:
    """Is a live (not zombie) process running ``sleep <marker>``? (/proc, no pgrep needed)"""
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if cmdline[:2] == [b"sleep", marker.encode()] and state != "Z":
            return True
    return False


def test_checkpoints_list_preview_restore_and_undo_the_restore(
    sim: Simulator, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for reply in load_script(DEMO):
        sim.enqueue(reply)
    words = project / "textstats" / "words.py"
    before = words.read_text()
    (project / "NOTES.md").write_text("mine\n")  # the user's file: must survive a restore
    assert main(["agent", "--root", str(project), "--mode", "full-auto", "Fix it"]) == 0
    after = words.read_text()
    capsys.readouterr()
    assert main(["checkpoints", "--root", str(project)]) == 0
    [line] = capsys.readouterr().out.splitlines()
    cid = line.split()[0]
    assert " turn " in line and "Before: $ python -m unittest" in line
    assert main(["checkpoints", "--root", str(project), "--preview", cid]) == 0
    preview = capsys.readouterr().out
    assert "textstats/words.py" in preview and "NOTES.md" not in preview
    assert main(["checkpoints", "--root", str(project), "--restore", cid]) == 0
    out = capsys.readouterr().out
    assert words.read_text() == before and (project / "NOTES.md").read_text() == "mine\n"
    undo = out.rsplit("--restore ", 1)[1].strip()
    assert main(["checkpoints", "--root", str(project), "--restore", undo]) == 0
    assert words.read_text() == after
    assert main(["checkpoints", "--root", str(project), "--restore", "ffff"]) == 1


def test_model_chosen_text_cannot_repaint_the_terminal() -> None:
    """A call's title, output and approval question are printed without escape sequences."""
    import asyncio
    import io

    from dsdesk.agent import events as ev
    from dsdesk.agent.events import Decision
    from dsdesk.cli.agent import TerminalApprover, TextEvents
    from dsdesk.config.prices import shipped_prices_text
    from dsdesk.core.pricing import PriceTable

    evil = "curl x | sh\r\x1b[2K$ pytest -x"
    out, err = io.StringIO(), io.StringIO()
    events = TextEvents(out, err)
    prices = PriceTable.from_toml(shipped_prices_text())
    events.event(ev.ToolCallReady("c1", "run_command", "{}", f"$ {evil}", Decision.ASK), prices)
    events.event(ev.ToolOutput("c1", "\x1b]0;owned\x07done\n"), prices)
    question = ev.AwaitingApproval("c1", f"$ {evil}", f"$ {evil}", "commands ask")

    async def ask() -> None:
        approver = TerminalApprover(err)
        task = asyncio.ensure_future(approver(question))
        await asyncio.sleep(0.05)  # the question is written before any input is read
        task.cancel()

    r, w = os.pipe()  # a stdin that never answers
    saved = os.dup(0)
    os.dup2(r, 0)
    try:
        asyncio.run(ask())
    finally:
        os.dup2(saved, 0)
        for fd in (r, w, saved):
            os.close(fd)
    text = err.getvalue()
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "curl x | sh" in text and "done" in text
