"""`dsdesk ask` against the simulator: output streams, JSON events, exit codes."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsdesk.cli import main
from dsdesk.devserver import Reply, Simulator
from tests.conftest import RECORDINGS
from tests.test_client import ALL_RECORDINGS, recorded

KEY = "sk-cli-test-987654321"


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    with Simulator(api_key=KEY) as s:
        monkeypatch.setenv("DEEPSEEK_BASE_URL", s.base_url)
        yield s


@pytest.mark.parametrize("path", ALL_RECORDINGS, ids=lambda p: p.name.split("__")[1])
def test_json_events_reproduce_each_recording(
    sim: Simulator, path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.enqueue(Reply.recording(path))
    want = recorded(path)
    reasoning_only = not want["content"] and not want["calls"]  # the real `length` cut
    assert main(["ask", "--json", "hello"]) == (3 if reasoning_only else 0)
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert "".join(e["text"] for e in events if e["type"] == "content") == want["content"]
    assert "".join(e["text"] for e in events if e["type"] == "reasoning") == want["reasoning"]
    args = "".join(e["arguments"] for e in events if e["type"] == "tool_call")
    assert args == "".join(c["arguments"] for c in want["calls"])
    [finish] = [e for e in events if e["type"] == "finish"]
    assert finish["reason"] == want["finish"]
    [usage] = [e for e in events if e["type"] == "usage"]
    assert usage["prompt_tokens"] == want["usage"]["prompt_tokens"]
    assert usage["cache_hit_tokens"] == want["usage"]["prompt_cache_hit_tokens"]
    assert usage["completion_tokens"] == want["usage"]["completion_tokens"]


def test_text_mode_answer_on_stdout_reasoning_and_summary_on_stderr(
    sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    path = next(p for p in ALL_RECORDINGS if "v4-flash__thinking-text" in p.name)
    sim.enqueue(Reply.recording(path))
    assert main(["ask", "--effort", "max", "--max-tokens", "500", "hello"]) == 0
    out, err = capsys.readouterr()
    want = recorded(path)
    assert out == want["content"] + "\n"
    assert want["reasoning"] in err
    summary = err.strip().splitlines()[-1]
    assert "input 97 (cache hit 0, miss 97)" in summary and "reasoning 88" in summary
    assert "$" in summary
    sent = sim.chat_requests[0].json
    assert sent["reasoning_effort"] == "max" and sent["max_tokens"] == 500


def test_prompt_from_stdin_and_thinking_off(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("from stdin\n"))
    assert main(["ask", "--thinking", "off", "--model", "deepseek-flash", "-"]) == 0
    sent = sim.chat_requests[0].json
    assert sent["messages"][-1]["content"] == "from stdin\n"
    assert sent["thinking"] == {"type": "disabled"} and sent["model"] == "deepseek-flash"
    assert "non-thinking" in capsys.readouterr().err


def test_length_finish_is_explained(sim: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    sim.enqueue(Reply.text("a partial answer", finish_reason="length"))
    assert main(["ask", "q"]) == 0
    assert "cut at --max-tokens" in capsys.readouterr().err
    # The real recording: V4 Pro thought until max_tokens and never answered.
    sim.enqueue(Reply.recording(next(p for p in ALL_RECORDINGS if "length" in p.name)))
    assert main(["ask", "q"]) == 3
    err = capsys.readouterr().err
    assert "cut at --max-tokens" in err and "reasoning only" in err


def test_api_error_exit_3_with_message(sim: Simulator, capsys: pytest.CaptureFixture[str]) -> None:
    sim.enqueue(Reply.error(402))
    assert main(["ask", "q"]) == 3
    assert "Your DeepSeek balance is used up" in capsys.readouterr().err
    sim.enqueue(Reply.error(401))
    assert main(["ask", "--json", "q"]) == 3
    [event] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert event["type"] == "error" and event["status"] == 401


def test_network_error_exit_4_keeps_partial(
    sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.enqueue(Reply.text("partial answer here", chunk_size=4, drop_after=2))
    assert main(["ask", "--thinking", "off", "q"]) == 4
    out, err = capsys.readouterr()
    assert out.startswith("part") and "what arrived is kept" in err


def test_refused_connection_exit_4(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    monkeypatch.setenv("DSDESK_HOME", os.environ["DSDESK_HOME"])
    code = main(["ask", "--base-url", f"http://127.0.0.1:{port}", "q"])
    assert code == 4


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "   "]) == 2
    assert main(["ask", "--max-tokens", "0", "q"]) == 2
    assert main(["ask", "q"]) == 2  # no key for api.deepseek.com: nothing is sent
    assert "DEEPSEEK_API_KEY" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["ask", "--thinking", "maybe", "q"])
    assert exc.value.code == 2


def test_ctrl_c_exit_130_with_partial_answer_printed(sim: Simulator) -> None:
    sim.enqueue(Reply.text("streaming slowly " * 200, chunk_size=4, chunk_delay=0.02))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsdesk", "ask", "--thinking", "off", "q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None
    first = proc.stdout.read(8)  # the answer is streaming
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130
    assert first == b"streamin"  # the partial answer stays printed
    assert out.endswith(b"\n")
    assert b"interrupted" in err and b"Traceback" not in err
    assert sim.wait_for_idle(3.0)


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("dsdesk 0.")
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "ask" in capsys.readouterr().out
    assert RECORDINGS.is_dir()


def test_reasoning_only_answer_says_so_and_exits_3(
    sim: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sim.enqueue(Reply.text("", reasoning="Let me think about this", finish_reason="length"))
    assert main(["ask", "q"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert "Let me think" in err
    assert "reasoning only (no final answer)" in err.strip().splitlines()[-1]
    sim.enqueue(Reply.text("", reasoning="Thinking"))
    assert main(["ask", "--json", "q"]) == 3
    events = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert events[-1]["type"] == "error" and "reasoning only" in events[-1]["message"]


def test_a_reader_that_goes_away_ends_ask_quietly(sim: Simulator) -> None:
    sim.enqueue(Reply.text("first line\n" + "more\n" * 3000, chunk_size=5, chunk_delay=0.005))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsdesk", "ask", "--thinking", "off", "q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline() == b"first line\n"  # like `dsdesk ask … | head -1`
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=20) == 141  # 128 + SIGPIPE, as a shell reports `yes | head -1`
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err
    assert sim.wait_for_idle(3.0)
