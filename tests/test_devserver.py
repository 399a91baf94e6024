"""The DeepSeek simulator, exercised over real loopback HTTP with httpx."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dsdesk.devserver import Reply, Simulator, estimate_prompt_tokens
from dsdesk.devserver.errors import DEFAULT_ERRORS
from dsdesk.devserver.tokens import estimate_text_tokens

RECORDINGS = Path(__file__).parent / "fixtures" / "deepseek-recordings"
ALL_RECORDINGS = sorted(RECORDINGS.glob("*.chunks.jsonl"))
THINKING_TEXT = next(p for p in ALL_RECORDINGS if "v4-flash__thinking-text" in p.name)
TOOL_CALL = next(p for p in ALL_RECORDINGS if "v4-flash__thinking-tool-call" in p.name)
KEY = "sk-test"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_key=KEY) as s:
        yield s


@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, headers=AUTH, timeout=5) as c:
        yield c


def chat(stream: bool = True, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "deepseek-v4-flash",
        "messages": [{"role": "user", "content": "Hello there"}],
        "stream": stream,
    }
    if stream:
        body["stream_options"] = {"include_usage": True}
    body.update(extra)
    return body


def raw_stream(client: httpx.Client, body: dict[str, Any]) -> bytes:
    with client.stream("POST", "/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return response.read()


def sse(raw: bytes) -> tuple[list[str], list[str]]:
    """(data payloads, comment lines) of an SSE byte stream, per the SSE spec."""
    payloads, comments, data = [], [], []
    for line in raw.decode().replace("\r\n", "\n").split("\n"):
        if line.startswith(":"):
            comments.append(line)
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif not line and data:
            payloads.append("\n".join(data))
            data = []
    return payloads, comments


def chunks_of(raw: bytes) -> list[Any]:
    payloads, _ = sse(raw)
    assert payloads[-1] == "[DONE]"
    return [json.loads(p) for p in payloads[:-1]]


def deltas(chunks: list[Any]) -> list[Any]:
    return [c["choices"][0]["delta"] for c in chunks]


# -- auth, models, balance --------------------------------------------------------------------


def test_auth_is_required_when_a_key_is_set(sim: Simulator) -> None:
    with httpx.Client(base_url=sim.base_url) as c:
        wrong = c.post("/chat/completions", json=chat(), headers={"Authorization": "Bearer no"})
        missing = c.get("/models")
        right = c.get("/models", headers=AUTH)
    assert wrong.status_code == 401
    assert wrong.json()["error"]["message"] == "Authentication Fails (no such user)"
    assert wrong.json()["error"]["type"] == "authentication_error"
    assert missing.status_code == 401
    assert "Bearer" in missing.json()["error"]["message"]
    assert right.status_code == 200


def test_models_and_balance(client: httpx.Client) -> None:
    models = client.get("/models").json()
    assert models["object"] == "list"
    assert [m["id"] for m in models["data"]] == [
        "deepseek-v4-pro",
        "deepseek-v4-flash",
        "deepseek-flash",
    ]
    assert models["data"][0] == {"id": "deepseek-v4-pro", "object": "model", "owned_by": "deepseek"}
    assert client.get("/v1/models").json() == models
    balance = client.get("/user/balance").json()
    assert balance == {
        "is_available": True,
        "balance_infos": [
            {
                "currency": "USD",
                "total_balance": "110.00",
                "granted_balance": "10.00",
                "topped_up_balance": "100.00",
            }
        ],
    }


def test_empty_balance_and_extra_models() -> None:
    with Simulator(balance="0.00", models=["my-model"]) as s, httpx.Client() as c:
        balance = c.get(f"{s.base_url}/user/balance").json()
        ids = [m["id"] for m in c.get(f"{s.base_url}/models").json()["data"]]
        ok = c.post(f"{s.base_url}/v1/chat/completions", json=chat(False, model="my-model"))
    assert balance["is_available"] is False
    assert balance["balance_infos"][0]["total_balance"] == "0.00"
    assert ids[-1] == "my-model"
    assert ok.status_code == 200


# -- replay and scripted replies --------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_RECORDINGS, ids=lambda p: p.name.split("__")[1])
def test_recording_is_replayed_verbatim(client: httpx.Client, path: Path, sim: Simulator) -> None:
    sim.enqueue(Reply.recording(path))
    payloads, _ = sse(raw_stream(client, chat()))
    expected = [line for line in path.read_text("utf-8").split("\n") if line.strip()]
    assert payloads == [*expected, "[DONE]"]


def test_scripted_text_has_the_recorded_shape(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.text("Hello", reasoning="Let me think", chunk_size=3))
    chunks = chunks_of(raw_stream(client, chat(model="deepseek-v4-pro")))
    assert deltas(chunks) == [
        {"role": "assistant", "content": None, "reasoning_content": ""},
        {"content": None, "reasoning_content": "Let"},
        {"content": None, "reasoning_content": " me"},
        {"content": None, "reasoning_content": " th"},
        {"content": None, "reasoning_content": "ink"},
        {"content": "Hel", "reasoning_content": None},
        {"content": "lo", "reasoning_content": None},
        {"content": "", "reasoning_content": None},
    ]
    assert {c["model"] for c in chunks} == {"deepseek-v4-pro"}
    assert all(c["usage"] is None for c in chunks[:-1])
    last = chunks[-1]
    assert last["choices"][0]["finish_reason"] == "stop"
    usage = last["usage"]
    assert usage["completion_tokens_details"] == {"reasoning_tokens": 3}
    hit, miss = usage["prompt_cache_hit_tokens"], usage["prompt_cache_miss_tokens"]
    assert usage["prompt_tokens"] == hit + miss
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_thinking_disabled_sends_no_reasoning_key(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.text("Plain answer", reasoning="ignored"))
    chunks = chunks_of(raw_stream(client, chat(thinking={"type": "disabled"})))
    assert all("reasoning_content" not in d for d in deltas(chunks))
    assert deltas(chunks)[0] == {"role": "assistant", "content": ""}
    assert "completion_tokens_details" not in chunks[-1]["usage"]
    assert "".join(d["content"] for d in deltas(chunks)) == "Plain answer"


def test_thinking_is_on_by_default_and_invents_reasoning(
    client: httpx.Client, sim: Simulator
) -> None:
    sim.enqueue(Reply.text("Answer", model="deepseek-flash"))
    chunks = chunks_of(raw_stream(client, chat(stream_options=None)))
    reasoning = "".join(d.get("reasoning_content") or "" for d in deltas(chunks))
    assert "Hello there" in reasoning
    assert chunks[-1]["usage"] is None  # include_usage not requested
    assert chunks[0]["model"] == "deepseek-flash"


def test_default_demo_reply_quotes_the_question(client: httpx.Client) -> None:
    answer = client.post("/chat/completions", json=chat(False)).json()
    message = answer["choices"][0]["message"]
    assert "> Hello there" in message["content"]
    assert "```python" in message["content"]
    assert message["reasoning_content"]


def test_tool_calls_stream_by_index_and_assemble(client: httpx.Client, sim: Simulator) -> None:
    call = {"id": "call_00_x", "name": "weather", "arguments": '{"location": "Paris"}'}
    sim.enqueue(Reply.text("", "Use the tool.", tool_calls=[call]))
    sim.enqueue(Reply.text("", tool_calls=[call]))
    chunks = chunks_of(raw_stream(client, chat()))
    calls = [d["tool_calls"][0] for d in deltas(chunks) if "tool_calls" in d]
    assert calls[0] == {
        "index": 0,
        "id": "call_00_x",
        "type": "function",
        "function": {"name": "weather", "arguments": ""},
    }
    assert "".join(c["function"]["arguments"] for c in calls) == call["arguments"]
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    whole = client.post("/chat/completions", json=chat(False)).json()
    assert whole["object"] == "chat.completion"
    choice = whole["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["tool_calls"][0]["function"]["arguments"] == call["arguments"]


def test_non_streamed_recording_is_assembled(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.recording(TOOL_CALL))
    body = client.post("/chat/completions", json=chat(False)).json()
    expected = json.loads(next(RECORDINGS.glob("*nonstream*.json")).read_text())
    assert body.keys() == expected.keys()
    message = body["choices"][0]["message"]
    assert message.keys() == expected["choices"][0]["message"].keys()
    assert message["tool_calls"][0]["function"]["name"] == "weather"


def test_max_tokens_cuts_with_length(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.text("x" * 400, reasoning="y" * 40))
    chunks = chunks_of(raw_stream(client, chat(max_tokens=20)))
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["usage"]["completion_tokens"] == 20
    content = "".join(d.get("content") or "" for d in deltas(chunks))
    reasoning = "".join(d.get("reasoning_content") or "" for d in deltas(chunks))
    assert estimate_text_tokens(reasoning) + estimate_text_tokens(content) == 20
    assert content != "x" * 400 and ("x" * 400).startswith(content)


def test_generated_reply_has_exactly_n_content_chunks(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.generated(5000, reasoning_chunks=3))
    chunks = chunks_of(raw_stream(client, chat()))
    texts = [d.get("content") for d in deltas(chunks)]
    assert texts.count("tok ") == 5000
    assert [d.get("reasoning_content") for d in deltas(chunks)].count("tok ") == 3
    assert chunks[-1]["usage"]["completion_tokens"] == (
        estimate_text_tokens("tok " * 5000) + estimate_text_tokens("tok " * 3)
    )


# -- faults -----------------------------------------------------------------------------------


def test_keepalive_comments(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.text("abcdef", chunk_size=1, keepalive_before=2, keepalive_every=2))
    sim.enqueue(Reply.text("ab", keepalive_after=3, keepalive_interval=0.01))
    raw = raw_stream(client, chat())
    payloads, comments = sse(raw)
    assert raw.startswith(b": keep-alive\n\n: keep-alive\n\ndata: ")
    assert comments == [": keep-alive"] * (2 + len(payloads[:-1]) // 2)
    raw = raw_stream(client, chat())
    assert raw.endswith(b"\n\n: keep-alive\n\n: keep-alive\n\n: keep-alive\n\ndata: [DONE]\n\n")


def test_drop_after_is_a_transport_error_before_done(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.recording(THINKING_TEXT, drop_after=5))
    received = []
    with (
        pytest.raises(httpx.TransportError),
        client.stream("POST", "/chat/completions", json=chat()) as response,
    ):
        received.extend(response.iter_lines())
    payloads = [line for line in received if line.startswith("data:")]
    assert len(payloads) == 5
    assert "data: [DONE]" not in received
    assert sim.wait_for_idle()


def test_split_writes_deliver_the_same_bytes(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.recording(THINKING_TEXT), Reply.recording(THINKING_TEXT, split_writes=2))
    whole = raw_stream(client, chat())
    with client.stream("POST", "/chat/completions", json=chat()) as response:
        pieces = list(response.iter_raw())
    assert b"".join(pieces) == whole
    assert max(len(p) for p in pieces) <= 2
    assert any(_cuts_a_character(p) for p in pieces)  # 2-byte pieces cut every "”"


def _cuts_a_character(piece: bytes) -> bool:
    try:
        piece.decode()
    except UnicodeDecodeError:
        return True
    return False


def test_crlf_and_multiline_data(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.recording(TOOL_CALL, crlf=True, multiline_data=True))
    raw = raw_stream(client, chat())
    assert b"\r\n\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    payloads, _ = sse(raw)
    expected = [json.loads(line) for line in TOOL_CALL.read_text().splitlines() if line]
    assert [json.loads(p) for p in payloads[:-1]] == expected
    assert payloads[0].count("\n") == 1  # split over two data lines
    assert payloads[-1] == "[DONE]"


def test_no_done_ends_the_body_cleanly(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.text("abc", no_done=True))
    payloads, _ = sse(raw_stream(client, chat()))
    assert "[DONE]" not in payloads
    assert json.loads(payloads[-1])["choices"][0]["finish_reason"] == "stop"


def test_hang_after_leads_to_a_client_timeout(sim: Simulator) -> None:
    sim.enqueue(Reply.text("abcdef", chunk_size=1, hang_after=2))
    timeout = httpx.Timeout(5, read=0.3)
    lines: list[str] = []
    with (
        httpx.Client(base_url=sim.base_url, headers=AUTH, timeout=timeout) as c,
        pytest.raises(httpx.ReadTimeout),
        c.stream("POST", "/chat/completions", json=chat()) as response,
    ):
        lines.extend(response.iter_lines())
    assert len([line for line in lines if line.startswith("data:")]) == 2
    assert sim.wait_for_idle()  # the server noticed the client leaving


def test_chunk_delay_paces_the_stream(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.text("abcd", chunk_size=1, chunk_delay=0.05))
    started = time.monotonic()
    raw_stream(client, chat(thinking={"type": "disabled"}))
    assert time.monotonic() - started >= 0.2  # 5 gaps between 6 chunks (role, 4, finish)


def test_stop_does_not_hang_mid_stream() -> None:
    sim = Simulator().start()
    sim.enqueue(Reply.text("abcdef", chunk_size=1, hang_after=2))
    with (
        httpx.Client(base_url=sim.base_url, timeout=5) as c,
        pytest.raises(httpx.TransportError),
        c.stream("POST", "/chat/completions", json=chat()) as response,
    ):
        lines = response.iter_lines()
        next(lines)
        started = time.monotonic()
        sim.stop()
        assert time.monotonic() - started < 1.5
        list(lines)
    assert sim.open_connections == 0


# -- errors and validation --------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(DEFAULT_ERRORS))
def test_error_statuses_have_deepseek_bodies(
    client: httpx.Client, sim: Simulator, status: int
) -> None:
    sim.enqueue(Reply.error(status))
    response = client.post("/chat/completions", json=chat())
    assert response.status_code == status
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"] == DEFAULT_ERRORS[status][0]


def test_real_error_messages(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.error(402), Reply.error(429, retry_after=1), Reply.error(400, message="Bad"))
    sim.enqueue(Reply.error(503, raw_body="upstream overloaded"))
    assert client.post("/chat/completions", json=chat()).json()["error"] == {
        "message": "Insufficient Balance",
        "type": "unknown_error",
        "param": None,
        "code": "invalid_request_error",
    }
    limited = client.post("/chat/completions", json=chat())
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "1")
    assert client.post("/chat/completions", json=chat()).json()["error"]["message"] == "Bad"
    raw = client.post("/chat/completions", json=chat())
    assert (raw.status_code, raw.text) == (503, "upstream overloaded")


def test_context_overflow_message(client: httpx.Client, sim: Simulator) -> None:
    sim.enqueue(Reply.context_overflow(1060828, 8))
    response = client.post("/chat/completions", json=chat())
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "This model's maximum context length is 1048576 tokens. However, you requested 1060836 "
        "tokens (1060828 in the messages, 8 in the completion). Please reduce the length of the "
        "messages or completion."
    )
    body = chat(max_tokens=1_048_576)
    too_long = client.post("/chat/completions", json=body)
    sent = estimate_prompt_tokens(body["messages"])
    assert (
        f"you requested {1_048_576 + sent} tokens ({sent} in the messages"
        in too_long.json()["error"]["message"]
    )


def test_validation_like_the_real_api(client: httpx.Client, sim: Simulator) -> None:
    history = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function"}]},
        {"role": "tool", "tool_call_id": "c", "content": "sunny"},
    ]
    missing = client.post("/chat/completions", json=chat(messages=history))
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == (
        "The reasoning_content in the thinking mode must be passed back to the API."
    )
    off = chat(False, messages=history, thinking={"type": "disabled"})
    assert client.post("/chat/completions", json=off).status_code == 200
    history[1]["reasoning_content"] = ""
    assert client.post("/chat/completions", json=chat(False, messages=history)).status_code == 200
    unknown = client.post("/chat/completions", json=chat(model="gpt-4"))
    assert (unknown.status_code, unknown.json()["error"]["message"]) == (400, "Model Not Exist")
    bad = client.post("/chat/completions", content=b"{not json")
    assert bad.status_code == 400
    assert sim.pending == 0


# -- inspection -------------------------------------------------------------------------------


def test_requests_are_recorded_exactly(client: httpx.Client, sim: Simulator) -> None:
    body = chat(False, temperature=0.5)
    client.post("/chat/completions", json=body, headers={"X-Trace": "1"})
    client.get("/models")
    assert [(r.method, r.path) for r in sim.requests] == [
        ("POST", "/chat/completions"),
        ("GET", "/models"),
    ]
    (recorded,) = sim.chat_requests
    assert recorded.json == body
    assert json.loads(recorded.body) == body
    assert recorded.headers["x-trace"] == "1"
    assert recorded.headers["authorization"] == f"Bearer {KEY}"


def test_open_connections_return_to_zero(sim: Simulator) -> None:
    with httpx.Client(base_url=sim.base_url, headers=AUTH) as c:
        c.get("/models")
        c.get("/models")
        assert sim.open_connections == 1  # one kept-alive connection, reused
    assert sim.wait_for_idle(timeout=2)
    assert sim.open_connections == 0


def test_prompt_cache_hits_on_an_extended_prefix(client: httpx.Client, sim: Simulator) -> None:
    first = [
        {"role": "system", "content": "You are a careful assistant. " * 20},
        {"role": "user", "content": "Explain the prompt cache."},
    ]
    second = [
        *first,
        {"role": "assistant", "content": "It stores prefixes."},
        {"role": "user", "content": "And then?"},
    ]
    sim.enqueue(Reply.text("a"), Reply.text("b"))
    usage1 = chunks_of(raw_stream(client, chat(messages=first)))[-1]["usage"]
    usage2 = chunks_of(raw_stream(client, chat(messages=second)))[-1]["usage"]
    assert usage1["prompt_cache_hit_tokens"] == 0
    assert usage2["prompt_cache_hit_tokens"] == estimate_prompt_tokens(first) > 0
    assert usage2["prompt_tokens_details"]["cached_tokens"] == usage2["prompt_cache_hit_tokens"]
    assert usage2["prompt_cache_miss_tokens"] == (
        estimate_prompt_tokens(second) - estimate_prompt_tokens(first)
    )


# -- command line -----------------------------------------------------------------------------


def test_cli_refuses_a_public_address() -> None:
    from dsdesk.devserver.cli import main

    assert main(["--host", "0.0.0.0"]) == 2


def test_cli_serves_until_sigterm() -> None:
    command = [sys.executable, "-m", "dsdesk.devserver", "--port", "0", "--delay", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("dsdesk simulator listening on http://127.0.0.1:")
            url = line.split()[4]
            assert httpx.get(f"{url}/models").status_code == 200
            answer = httpx.post(f"{url}/chat/completions", json=chat(False)).json()
            assert "Hello there" in answer["choices"][0]["message"]["content"]
        finally:
            process.terminate()
        assert process.wait(timeout=5) == 0
