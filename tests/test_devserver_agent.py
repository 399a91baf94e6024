"""The simulator in agent mode: DeepSeek's tool-call rules (real 400s) and scripted sessions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dsdesk.devserver import Reply, Simulator
from dsdesk.devserver.rules import position, value_end

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
