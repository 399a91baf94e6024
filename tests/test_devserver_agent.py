"""The simulator in agent mode: DeepSeek's tool-call rules (real 400s) and scripted sessions."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import httpx
import pytest

import dsdesk.data
from dsdesk.core.completion import Completion, CompletionAccumulator
from dsdesk.core.events import ToolCallDelta
from dsdesk.core.messages import Message, ToolCallRecord
from dsdesk.core.request import ChatOptions, build_chat_request
from dsdesk.devserver import Reply, ScriptError, Simulator, load_script, parse_script
from dsdesk.devserver.replies import ToolCall
from dsdesk.devserver.rules import position, value_end
from dsdesk.llm.client import DeepSeekClient
from dsdesk.llm.config import ClientConfig

KEY = "sk-test"
AUTH = {"Authorization": f"Bearer {KEY}"}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "read_file",
            "description": "Read a file",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}},
        },
    }
]


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_key=KEY) as s:
        yield s


@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, headers=AUTH, timeout=5) as c:
        yield c


def call(call_id: str, name: str = "read_file", arguments: str = '{"path": "a.py"}') -> Any:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def assistant(*calls: Any, content: Any = "", reasoning: str | None = "") -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    if calls:
        message["tool_calls"] = list(calls)
    return message


def tool(call_id: str, content: str = "ok") -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def user(text: str = "Fix the failing test") -> dict[str, Any]:
    return {"role": "user", "content": text}


def body(messages: list[Any], **extra: Any) -> dict[str, Any]:
    return {"model": "deepseek-v4-pro", "messages": messages, "tools": TOOLS, **extra}


def rejected(client: httpx.Client, sim: Simulator, request: dict[str, Any]) -> str:
    """Post `request`, expect DeepSeek's 400 envelope, and the queued reply left in place."""
    sim.enqueue(Reply.text("queued"))
    before = sim.pending
    response = client.post("/chat/completions", json=request)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "invalid_request_error"
    assert sim.pending == before
    message: str = error["message"]
    return message


def accepted(client: httpx.Client, request: dict[str, Any]) -> Any:
    response = client.post("/chat/completions", json=request)
    assert response.status_code == 200, response.text
    return response.json()


MISSING = (
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
    "'tool_call_id'. (insufficient tool messages following tool_calls message)"
)
ORPHAN = "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'"


# -- the rules, one by one --------------------------------------------------------------------


def test_a_valid_agent_history_is_accepted(client: httpx.Client) -> None:
    history = [
        {"role": "system", "content": "You are a coding agent."},
        user(),
        assistant(call("call_00_a"), call("call_01_b", arguments='{"path": "b.py"}')),
        tool("call_00_a"),
        tool("call_01_b", "(no output)"),
        assistant(call("call_00_c"), reasoning="Now the test."),
        tool("call_00_c"),
        {"role": "assistant", "content": "Done."},  # plain answer: reasoning may be dropped
        user("Thanks"),
    ]
    assert accepted(client, body(history))["choices"][0]["finish_reason"] == "stop"


def test_reasoning_content_of_a_tool_call_turn_must_come_back(
    client: httpx.Client, sim: Simulator
) -> None:
    history = [user(), assistant(call("call_00_a"), reasoning=None), tool("call_00_a")]
    assert rejected(client, sim, body(history)) == (
        "The reasoning_content in the thinking mode must be passed back to the API."
    )
    accepted(client, body(history, thinking={"type": "disabled"}))


def test_null_content_without_tool_calls(client: httpx.Client, sim: Simulator) -> None:
    history = [user(), assistant(content=None), user("again")]
    message = rejected(client, sim, body(history))
    assert message == "Invalid assistant message: content or tool_calls must be set"
    del history[1]["content"]
    assert rejected(client, sim, body(history)) == message
    accepted(client, body([user(), assistant(call("call_00_a"), content=None), tool("call_00_a")]))


def test_a_call_without_its_result(client: httpx.Client, sim: Simulator) -> None:
    # No result at all, a user message in between, and one of two parallel results missing.
    for history in (
        [user(), assistant(call("call_00_a"))],
        [user(), assistant(call("call_00_a")), user("hm?"), tool("call_00_a")],
        [user(), assistant(call("call_00_a"), call("call_01_b")), tool("call_00_a"), user()],
    ):
        assert rejected(client, sim, body(history)) == MISSING


def test_parallel_results_follow_their_assistant_message_in_order(
    client: httpx.Client, sim: Simulator
) -> None:
    a, b = call("call_00_a"), call("call_01_b")
    interleaved = [user(), assistant(a), tool("call_00_a"), assistant(b), tool("call_01_b")]
    accepted(client, body(interleaved))  # two rounds of one call each: fine
    split = [user(), assistant(a, b), tool("call_00_a"), assistant(), tool("call_01_b")]
    assert rejected(client, sim, body(split)) == MISSING
    swapped = [user(), assistant(a, b), tool("call_01_b"), tool("call_00_a")]
    assert rejected(client, sim, body(swapped)) == MISSING


def test_a_tool_message_must_answer_a_preceding_call(client: httpx.Client, sim: Simulator) -> None:
    for history in (
        [user(), tool("call_00_a")],  # no call at all
        [user(), assistant(call("call_00_a")), tool("call_00_zz")],  # an id nobody used
        [user(), assistant(call("call_00_a")), tool("call_00_a"), tool("call_01_b")],  # extra
        [user(), assistant(content="No tools."), tool("call_00_a")],
    ):
        assert rejected(client, sim, body(history)) == ORPHAN


def test_tool_call_ids_are_unique_across_the_history(client: httpx.Client, sim: Simulator) -> None:
    reused = [
        user(),
        assistant(call("call_00_a")),
        tool("call_00_a"),
        assistant(call("call_00_a")),
        tool("call_00_a"),
    ]
    assert rejected(client, sim, body(reused)) == (
        "Duplicate value for 'tool_call_id' of call_00_a in message[3]"
    )
    twice = [user(), assistant(call("call_00_a")), tool("call_00_a"), tool("call_00_a")]
    assert rejected(client, sim, body(twice)) == (
        "Duplicate value for 'tool_call_id' of call_00_a in message[3]"
    )


@pytest.mark.parametrize(
    "choice", ["required", {"type": "function", "function": {"name": "read_file"}}]
)
def test_thinking_mode_refuses_a_forced_tool_choice(
    client: httpx.Client, sim: Simulator, choice: Any
) -> None:
    request = body([user()], tool_choice=choice)
    assert rejected(client, sim, request) == "Thinking mode does not support this tool_choice"
    request["thinking"] = {"type": "disabled"}
    accepted(client, request)


def test_auto_and_none_tool_choice_are_accepted_in_thinking_mode(client: httpx.Client) -> None:
    accepted(client, body([user()], tool_choice="auto", thinking={"type": "enabled"}))
    accepted(client, body([user()], tool_choice="none"))


def test_the_developer_role_does_not_deserialize(client: httpx.Client, sim: Simulator) -> None:
    request = body([{"role": "developer", "content": "Be brief."}, user()])
    raw = json.dumps(request)
    column = raw.index('"developer"') + len('"developer"')
    sim.enqueue(Reply.text("queued"))
    response = client.post("/chat/completions", content=raw.encode())
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Failed to deserialize the JSON body into the target type: messages[0].role: unknown "
        "variant `developer`, expected one of `system`, `user`, `assistant`, `tool`, "
        f"`latest_reminder` at line 1 column {column}"
    )
    assert sim.pending == 1


@pytest.mark.parametrize(
    ("tools", "detail"),
    [
        ([{"type": "function"}], "tools[0]: missing field `function`"),
        ([{"function": {"name": "f"}}], "tools[0]: missing field `type`"),
        (
            [TOOLS[0], {"type": "retrieval", "function": {"name": "f"}}],
            "tools[1].type: unknown variant `retrieval`, expected `function`",
        ),
        ([{"type": "function", "function": {}}], "tools[0].function: missing field `name`"),
        (
            [{"type": "function", "function": {"name": 7}}],
            "tools[0].function.name: invalid type: integer `7`, expected a string",
        ),
        ({"read_file": {}}, "tools: invalid type: map, expected a sequence"),
        (
            [{"name": "read_file", "parameters": {}}],  # the flat (Responses API) shape
            "tools[0]: missing field `type`",
        ),
    ],
)
def test_malformed_tools_do_not_deserialize(
    client: httpx.Client, sim: Simulator, tools: Any, detail: str
) -> None:
    message = rejected(client, sim, body([user()], tools=tools))
    prefix = f"Failed to deserialize the JSON body into the target type: {detail} at line 1 column "
    assert message.startswith(prefix), message
    assert int(message.removeprefix(prefix)) > 0


def test_serde_positions_count_lines_and_bytes() -> None:
    text = '{\n  "a": [1, {"b": "é"}],\n  "c": true}'
    assert position(text, value_end(text, ["a", 1, "b"])) == (2, 21)  # "é" is two bytes
    assert position(text, value_end(text, ["c"])) == (3, 11)
    assert value_end(text, ["missing"]) is None
    assert position(text, None) == (3, 12)


# -- scripted sessions: the file format ---------------------------------------------------------

SCRIPT = """\
[defaults]
chunk_size = 4

[[reply]]
reasoning = "Read both."
tool_calls = [
    { name = "read_file", arguments = { path = "src/app.py", offset = 10, limit = 20 } },
    { name = "grep", arguments = { pattern = "def main", glob = "*.py" } },
]

[[reply]]
expect_tool_result = "def main"
[[reply.tool_calls]]  # long arguments read better as tables
name = "edit_file"
[reply.tool_calls.arguments]
path = "src/app.py"
old_string = "a = 1\\n"
new_string = "a = 2\\n"

[[reply]]
content = "Done: `a` is 2 now."
reasoning = "The edit applied."
chunk_size = 2
delay = 0.001

[[reply]]
error = 429
message = "Rate limit reached for TPM"
retry_after = 1.5

[[reply]]
content = "cut"
finish_reason = "length"
tool_calls = []

[[reply]]
tool_calls = [{ name = "glob", arguments = '{"pattern": "**/*.py"', id = "call_00_fixed" }]
"""


def test_a_script_becomes_replies() -> None:
    first, second, third, limited, cut, raw = parse_script(SCRIPT, source="s.toml")
    assert [r.label for r in (first, second, third)] == [
        "reply 1 (line 4)",
        "reply 2 (line 11)",
        "reply 3 (line 20)",
    ]
    assert first.finish_reason == "tool_calls" and first.chunk_size == 4
    assert [(c.id, c.name, json.loads(c.arguments)) for c in first.tool_calls] == [
        ("", "read_file", {"path": "src/app.py", "offset": 10, "limit": 20}),
        ("", "grep", {"pattern": "def main", "glob": "*.py"}),
    ]
    assert first.reasoning == "Read both." and first.content == ""
    assert second.expect_tool_result == "def main" and second.reasoning == ""
    assert json.loads(second.tool_calls[0].arguments)["new_string"] == "a = 2\n"
    assert (third.content, third.finish_reason, third.chunk_size) == (
        "Done: `a` is 2 now.",
        "stop",
        2,
    )
    assert third.faults.chunk_delay == 0.001
    assert (limited.kind, limited.status, limited.message, limited.retry_after) == (
        "error",
        429,
        "Rate limit reached for TPM",
        1.5,
    )
    assert (cut.content, cut.finish_reason) == ("cut", "length")
    # A raw string goes out as it is, invalid JSON included: clients must cope with that too.
    assert raw.tool_calls[0] == ToolCall("call_00_fixed", "glob", '{"pattern": "**/*.py"')


def test_delay_comes_from_the_reply_then_the_file_then_the_caller() -> None:
    text = "[[reply]]\ncontent = 'a'\n[[reply]]\ncontent = 'b'\ndelay = 0.5\n"
    assert [r.faults.chunk_delay for r in parse_script(text, delay=0.02)] == [0.02, 0.5]
    with_default = "[defaults]\ndelay = 0.1\n" + text
    assert [r.faults.chunk_delay for r in parse_script(with_default, delay=0.02)] == [0.1, 0.5]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[[reply]]\ncontent = 'a'\n\n[[reply]]\ncontnet = 'b'\n",
            "reply 2 (line 4): a reply: unknown key 'contnet'",
        ),
        ("[[reply]]\n", "reply 1 (line 1): empty: give content, reasoning, tool_calls or error"),
        (
            "[[reply]]\ntool_calls = [{ arguments = {} }]\n",
            "reply 1 (line 1): tool_calls[0] needs a name",
        ),
        (
            "[[reply]]\ntool_calls = { name = 'x' }\n",
            "reply 1 (line 1): tool_calls must be an array",
        ),
        (
            "[[reply]]\ntool_calls = [{ name = 'x', arguments = 3 }]\n",
            "tool_calls[0].arguments must be a table or a string",
        ),
        (
            "[[reply]]\ntool_calls = [{ name = 'x', when = 2026-01-01 }]\n",
            "tool_calls[0]: unknown key 'when'",
        ),
        (
            "[[reply]]\ntool_calls = [{ name = 'x', arguments = { at = 2026-01-01 } }]\n",
            "tool_calls[0].arguments: Object of type date is not JSON serializable",
        ),
        ("[[reply]]\ncontent = 'a'\nfinish_reason = 'done'\n", "finish_reason must be one of"),
        (
            "[[reply]]\nfinish_reason = 'stop'\ntool_calls = [{ name = 'x' }]\n",
            "finish_reason 'stop' with tool_calls",
        ),
        (
            "[[reply]]\ncontent = 'a'\nchunk_size = 0\n",
            "chunk_size must be a whole number of at least 1, not 0",
        ),
        ("[[reply]]\ncontent = 'a'\ndelay = -1\n", "delay must not be negative"),
        ("[[reply]]\nerror = 200\n", "error must be an HTTP status from 400 to 599, not 200"),
        ("[[reply]]\nerror = 500\ncontent = 'x'\n", "an error reply: unknown key 'content'"),
        (
            "[defaults]\ndelay = 'slow'\n[[reply]]\ncontent = 'a'\n",
            "s.toml: [defaults]: delay must be a number",
        ),
        ("[[replies]]\ncontent = 'a'\n", "s.toml: unknown top-level key 'replies' (use [[reply]])"),
        ("# nothing\n", "s.toml: no replies: add [[reply]] tables"),
        (
            "reply = [{ content = 'a' }, { contents = 'b' }]\n",
            "s.toml: reply 2: a reply: unknown key",
        ),
        ("[[reply]]\ncontent = 'unclosed\n", "s.toml: not valid TOML: "),
    ],
)
def test_script_errors_name_the_file_and_the_reply(text: str, expected: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(text, source="s.toml")
    assert expected in str(caught.value)
    assert str(caught.value).startswith("s.toml: ")


def test_toml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[reply]]\ncontent = 'a'\n\n[[reply]]\ncontent = = 'b'\n")
    with pytest.raises(ScriptError, match=r"broken\.toml: not valid TOML: .*line 5"):
        load_script(path)
    path.write_bytes(b"[[reply]]\ncontent = '\xff'\n")
    with pytest.raises(ScriptError, match="not UTF-8"):
        load_script(path)
    with pytest.raises(OSError):
        load_script(tmp_path / "missing.toml")


# -- scripted sessions over HTTP, with the real client ------------------------------------------

CALL_ID = re.compile(r"call_\d\d_[A-Za-z0-9]{24}")


async def one_round(
    client: DeepSeekClient, history: list[Message]
) -> tuple[Completion, list[ToolCallDelta]]:
    """One request as the agent loop sends it: the answer and the tool-call deltas it streamed."""
    acc = CompletionAccumulator()
    deltas: list[ToolCallDelta] = []
    async with aclosing(client.stream_chat(build_chat_request(history, OPTIONS))) as events:
        async for event in events:
            acc.add(event)
            if isinstance(event, ToolCallDelta):
                deltas.append(event)
    return acc.result(), deltas


def answer(completion: Completion) -> Message:
    calls = tuple(ToolCallRecord(c.id, c.name, c.arguments) for c in completion.tool_calls)
    return Message.assistant(completion.content, completion.reasoning, calls)


OPTIONS = ChatOptions(tools=tuple(TOOLS))


def test_a_three_round_session_with_the_real_client() -> None:
    replies = parse_script(SCRIPT)[:3]
    scripted = [[json.loads(c.arguments) for c in r.tool_calls] for r in replies]
    results = {"read_file": "10  a = 1", "grep": "src/app.py:3: def main():", "edit_file": "ok"}

    async def session(sim: Simulator) -> list[tuple[Completion, list[ToolCallDelta]]]:
        rounds = []
        history = [Message.user("Make a two.")]
        config = ClientConfig(base_url=sim.base_url, api_key=KEY)
        async with DeepSeekClient(config) as client:
            for _ in range(4):  # three scripted rounds, then the end of the script
                completion, deltas = await one_round(client, history)
                rounds.append((completion, deltas))
                history.append(answer(completion))
                history += [Message.tool(c.id, results[c.name]) for c in completion.tool_calls]
        return rounds

    with Simulator(api_key=KEY, script=replies) as sim:
        rounds = asyncio.run(session(sim))
        requests = [r.json for r in sim.chat_requests]
    first, second, third, end = (completion for completion, _ in rounds)
    assert [first.finish_reason, second.finish_reason, third.finish_reason] == [
        "tool_calls",
        "tool_calls",
        "stop",
    ]
    calls = [*first.tool_calls, *second.tool_calls]
    assert [json.loads(c.arguments) for c in calls] == [*scripted[0], *scripted[1]]
    assert [c.name for c in calls] == ["read_file", "grep", "edit_file"]
    ids = [c.id for c in calls]
    assert len(set(ids)) == 3 and all(CALL_ID.fullmatch(i) for i in ids)
    assert [i[:8] for i in ids] == ["call_00_", "call_01_", "call_00_"]  # index in the turn
    for completion, deltas in rounds[:2]:
        for call in completion.tool_calls:
            pieces = [d for d in deltas if d.index == call.index]
            # Opened once with id, name and "" arguments, then arguments in several fragments.
            assert (pieces[0].id, pieces[0].name, pieces[0].arguments) == (call.id, call.name, "")
            assert all(p.id is None and p.name is None for p in pieces[1:])
            assert len(pieces) > 4
    assert (first.reasoning, third.reasoning, third.content) == (
        "Read both.",
        "The edit applied.",
        "Done: `a` is 2 now.",
    )
    assert end.content == "(end of script)" and end.finish_reason == "stop"
    # Usage on the last chunk; every request extends the previous one, so the cache hits.
    assert first.usage is not None and first.usage.cache_hit_tokens == 0
    for completion, request, previous in zip(rounds[1:], requests[1:], requests[:-1], strict=True):
        usage = completion[0].usage
        assert usage is not None
        assert request["messages"][: len(previous["messages"])] == previous["messages"]
        assert 0 < usage.cache_hit_tokens < usage.prompt_tokens
        assert usage.cache_hit_tokens + usage.cache_miss_tokens == usage.prompt_tokens


def test_expect_tool_result_refuses_a_request_without_it(
    client: httpx.Client, sim: Simulator
) -> None:
    (reply,) = parse_script('[[reply]]\nexpect_tool_result = "3 passed"\ncontent = "Green."\n')
    sim.enqueue(reply)
    history = [user(), assistant(call("call_00_a")), tool("call_00_a", "1 failed, 2 passed")]
    response = client.post("/chat/completions", json=body(history))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "dsdesk simulator: reply 1 (line 1) expects a tool result containing '3 passed'; "
        "got: 1 failed, 2 passed"
    )
    assert sim.pending == 1
    history[-1] = tool("call_00_a", "3 passed in 0.1s")
    assert accepted(client, body(history))["choices"][0]["message"]["content"] == "Green."


def test_generated_ids_stay_unique_over_many_rounds(client: httpx.Client, sim: Simulator) -> None:
    reply = parse_script("[[reply]]\ntool_calls = [{ name = 'glob' }, { name = 'glob' }]\n")[0]
    for _ in range(50):
        sim.enqueue(reply)
    ids = []
    for _ in range(50):
        message = accepted(client, body([user()], stream=False))["choices"][0]["message"]
        ids += [c["id"] for c in message["tool_calls"]]
        assert [c["function"]["arguments"] for c in message["tool_calls"]] == ["{}", "{}"]
    assert len(set(ids)) == 100


def test_devserver_plays_a_script_standalone(tmp_path: Path) -> None:
    script = tmp_path / "session.toml"
    script.write_text(SCRIPT)
    command = [sys.executable, "-m", "dsdesk.devserver", "--port", "0", "--delay", "0"]
    with subprocess.Popen(
        [*command, "--script", str(script)], stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().split()[4]
            assert process.stdout.readline().strip() == (
                f"playing {script}: 6 replies, then (end of script)"
            )
            request = body([user()], stream=True, stream_options={"include_usage": True})
            with httpx.stream("POST", f"{url}/chat/completions", json=request) as response:
                lines = [line for line in response.iter_lines() if line.startswith("data: ")]
            chunks = [json.loads(line[6:]) for line in lines[:-1]]
            assert lines[-1] == "data: [DONE]"
            calls: dict[int, dict[str, str]] = {}
            for chunk in chunks:
                for piece in chunk["choices"][0]["delta"].get("tool_calls") or []:
                    slot = calls.setdefault(piece["index"], {"arguments": ""})
                    slot.update({k: v for k, v in piece.items() if k in ("id",)})
                    slot["arguments"] += piece["function"]["arguments"]
            assert json.loads(calls[1]["arguments"]) == {"pattern": "def main", "glob": "*.py"}
            assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
            assert chunks[-1]["usage"]["prompt_tokens"] > 0
        finally:
            process.terminate()
        assert process.wait(timeout=5) == 0


def test_devserver_reports_a_bad_script_without_a_traceback(tmp_path: Path) -> None:
    script = tmp_path / "bad.toml"
    script.write_text("[[reply]]\ncontent = 'a'\n[[reply]]\ntool_calls = [{ nam = 'x' }]\n")
    command = [sys.executable, "-m", "dsdesk.devserver", "--port", "0", "--script", str(script)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert done.stderr.startswith(f"dsdesk devserver: {script}: reply 2 (line 3): tool_calls[0]")
    assert "Traceback" not in done.stderr
    missing = subprocess.run(
        [*command[:-1], str(tmp_path / "nope.toml")], capture_output=True, text=True, timeout=30
    )
    assert missing.returncode == 2 and "cannot read" in missing.stderr


# -- the shipped demo ----------------------------------------------------------------------------

DATA = Path(dsdesk.data.__file__).parent
DEMO = DATA / "agent-demo.toml"
SAMPLE = DATA / "sample-project"
CONTRACT = {
    "read_file": ({"path"}, {"offset", "limit"}),
    "list_dir": ({"path"}, set()),
    "glob": ({"pattern"}, set()),
    "grep": ({"pattern"}, {"path", "glob"}),
    "edit_file": ({"path", "old_string", "new_string"}, set()),
    "write_file": ({"path", "content"}, set()),
    "run_command": ({"command"}, {"timeout_s"}),
}


def demo_calls() -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, json.loads(c.arguments)) for r in load_script(DEMO) for c in r.tool_calls]


def test_the_demo_script_uses_the_tool_contract() -> None:
    replies = load_script(DEMO)
    assert replies[-1].tool_calls == () and "7 tests, all passing" in replies[-1].content
    names = [name for name, _ in demo_calls()]
    assert {"read_file", "grep", "edit_file", "run_command"} <= set(names)
    for name, arguments in demo_calls():
        required, optional = CONTRACT[name]
        assert required <= set(arguments) <= required | optional, (name, arguments)


def test_the_demo_edit_matches_the_sample_project_exactly_once() -> None:
    edits = [arguments for name, arguments in demo_calls() if name == "edit_file"]
    assert edits
    for edit in edits:
        text = (SAMPLE / edit["path"]).read_text(encoding="utf-8")
        assert text.count(edit["old_string"]) == 1


def run_demo_tool(root: Path, name: str, arguments: dict[str, Any]) -> str:
    """Just enough of each tool to play the demo (the real ones live in dsdesk.agent.tools)."""
    if name == "list_dir":
        return "\n".join(sorted(p.name for p in (root / arguments["path"]).iterdir()))
    if name == "read_file":
        return (root / arguments["path"]).read_text(encoding="utf-8")
    if name == "grep":
        pattern = re.compile(arguments["pattern"])
        hits = []
        for path in sorted((root / arguments.get("path", ".")).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    hits.append(f"{path.relative_to(root)}:{number}: {line}")
        return "\n".join(hits)
    if name == "edit_file":
        path = root / arguments["path"]
        text = path.read_text(encoding="utf-8")
        assert text.count(arguments["old_string"]) == 1
        path.write_text(text.replace(arguments["old_string"], arguments["new_string"]))
        return "edited"
    assert name == "run_command"
    argv = [sys.executable if arg == "python" else arg for arg in arguments["command"].split()]
    done = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=60)
    return f"exit {done.returncode}\n{done.stdout}{done.stderr}"


def test_the_demo_session_fixes_the_sample_project(tmp_path: Path) -> None:
    root = tmp_path / "sample-project"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    outputs: list[str] = []

    async def session(sim: Simulator) -> Completion:
        history = [Message.user("Fix the failing test")]
        config = ClientConfig(base_url=sim.base_url, api_key=KEY)
        async with DeepSeekClient(config) as client:
            while True:
                completion, _ = await one_round(client, history)
                history.append(answer(completion))
                if completion.finish_reason != "tool_calls":
                    return completion
                for c in completion.tool_calls:
                    outputs.append(run_demo_tool(root, c.name, json.loads(c.arguments)))
                    history.append(Message.tool(c.id, outputs[-1]))

    with Simulator(api_key=KEY, script=DEMO) as sim:
        final = asyncio.run(session(sim))
        assert sim.pending == 0 and len(sim.chat_requests) == 7
    assert "7 tests, all passing" in final.content
    runs = [o for o in outputs if o.startswith("exit ")]
    assert runs[0].startswith("exit 1") and "FAILED (failures=2)" in runs[0]
    assert runs[-1].startswith("exit 0") and "Ran 7 tests" in runs[-1] and "\nOK" in runs[-1]
