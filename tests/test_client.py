"""The V4 client against the simulator over real loopback HTTP: replays, faults, errors, retries,
cancellation and the JSON the server actually received."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from contextlib import aclosing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dsdesk.core import errors as E
from dsdesk.core.completion import CompletionAccumulator
from dsdesk.core.events import ContentDelta, Retrying, StreamEvent
from dsdesk.core.messages import Message, ToolCallRecord
from dsdesk.core.request import ChatOptions, build_chat_request
from dsdesk.devserver import Reply, Simulator
from dsdesk.llm.client import DeepSeekClient
from dsdesk.llm.config import ClientConfig
from tests.conftest import RECORDINGS

KEY = "sk-test-0123456789"
ALL_RECORDINGS = sorted(RECORDINGS.glob("*.chunks.jsonl"))


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_key=KEY) as s:
        yield s


def config(sim: Simulator, **kw: Any) -> ClientConfig:
    base = ClientConfig(base_url=sim.base_url, api_key=KEY, backoff_base=0.01, backoff_cap=0.05)
    return replace(base, **kw)


def body(text: str = "hi", **opts: Any) -> dict[str, Any]:
    return build_chat_request([Message.user(text)], ChatOptions(**opts))


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def collect(cfg: ClientConfig, req: dict[str, Any]) -> tuple[list[StreamEvent], Any]:
    """All events until the end or an error (returned, not raised, with what arrived)."""
    events: list[StreamEvent] = []
    async with DeepSeekClient(cfg) as client:
        try:
            async with aclosing(client.stream_chat(req)) as stream:
                async for ev in stream:
                    events.append(ev)
        except E.DsdeskError as exc:
            return events, exc
    return events, None


def assemble(events: list[StreamEvent]) -> Any:
    acc = CompletionAccumulator()
    for ev in events:
        acc.add(ev)
    return acc.result()


def recorded(path: Path) -> dict[str, Any]:
    lines = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    deltas = [c.get("delta") or {} for o in lines for c in o.get("choices") or []]
    calls: dict[int, dict[str, str]] = {}
    for d in deltas:
        for tc in d.get("tool_calls") or []:
            c = calls.setdefault(tc["index"], {"id": "", "name": "", "arguments": ""})
            c["id"] = tc.get("id") or c["id"]
            c["name"] += (tc.get("function") or {}).get("name") or ""
            c["arguments"] += (tc.get("function") or {}).get("arguments") or ""
    last = lines[-1]
    return {
        "content": "".join(d.get("content") or "" for d in deltas),
        "reasoning": "".join(d.get("reasoning_content") or "" for d in deltas),
        "calls": [calls[i] for i in sorted(calls)],
        "usage": last["usage"],
        "finish": last["choices"][0]["finish_reason"],
    }


def check_matches_recording(result: Any, path: Path) -> None:
    want = recorded(path)
    assert result.content == want["content"]
    assert result.reasoning == want["reasoning"]
    assert [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in result.tool_calls] == (
        want["calls"]
    )
    assert result.finish_reason == want["finish"]
    u = want["usage"]
    assert result.usage.prompt_tokens == u["prompt_tokens"]
    assert result.usage.completion_tokens == u["completion_tokens"]
    assert result.usage.cache_hit_tokens == u["prompt_cache_hit_tokens"]
    assert result.usage.cache_miss_tokens == u["prompt_cache_miss_tokens"]
    details = u.get("completion_tokens_details") or {}
    assert result.usage.reasoning_tokens == details.get("reasoning_tokens", 0)


@pytest.mark.parametrize("path", ALL_RECORDINGS, ids=lambda p: p.name.split("__")[1:3].__str__())
def test_every_recording_replays_exactly(sim: Simulator, path: Path) -> None:
    sim.enqueue(Reply.recording(path))
    events, err = run(collect(config(sim), body()))
    assert err is None
    check_matches_recording(assemble(events), path)


FAULTS: list[dict[str, Any]] = [
    {"keepalive_before": 3},
    {"keepalive_every": 2},
    {"keepalive_after": 3},
    {"split_writes": 1},
    {"split_writes": 5},
    {"crlf": True, "split_writes": 3},
    {"multiline_data": True},
    {"no_done": True},
    {"chunk_delay": 0.002},
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: ",".join(f))
def test_faults_that_must_not_change_the_answer(sim: Simulator, fault: dict[str, Any]) -> None:
    path = next(p for p in ALL_RECORDINGS if "v4-flash__thinking-tool-call" in p.name)
    sim.enqueue(Reply.recording(path, **fault))
    events, err = run(collect(config(sim), body()))
    assert err is None
    check_matches_recording(assemble(events), path)
    assert len(sim.chat_requests) == 1


def test_stops_reading_after_finish_despite_endless_keepalives(sim: Simulator) -> None:
    sim.enqueue(Reply.text("done", keepalive_after=600, keepalive_interval=0.1))  # ~60 s of them
    events, err = run(asyncio.wait_for(collect(config(sim), body()), 10))
    assert err is None and assemble(events).content == "done"
    assert sim.wait_for_idle(2.0)


def test_idle_timeout_is_not_reset_by_keepalives(sim: Simulator) -> None:
    sim.enqueue(Reply.text("never", keepalive_before=100, keepalive_interval=0.05))
    events, err = run(collect(config(sim, idle_timeout=0.5, max_retries=0), body()))
    assert isinstance(err, E.IdleTimeoutError)
    assert not any(isinstance(e, ContentDelta) for e in events)


def test_idle_timeout_mid_answer_keeps_the_partial_text(sim: Simulator) -> None:
    sim.enqueue(Reply.text("abcdefghijkl", chunk_size=2, hang_after=3))
    events, err = run(collect(config(sim, idle_timeout=0.4), body(thinking=False)))
    assert isinstance(err, E.IdleTimeoutError)
    content = assemble(events).content
    assert content and "abcdefghijkl".startswith(content) and content != "abcdefghijkl"
    assert len(sim.chat_requests) == 1  # output had arrived: never retried


def test_wall_clock_ceiling(sim: Simulator) -> None:
    sim.enqueue(Reply.text("x" * 200, chunk_size=1, chunk_delay=0.02))
    events, err = run(collect(config(sim, total_timeout=0.5), body(thinking=False)))
    assert isinstance(err, E.StreamTimeoutError)
    assert 0 < len(assemble(events).content) < 200


def test_dropped_connection_mid_answer_keeps_partial_and_does_not_retry(sim: Simulator) -> None:
    sim.enqueue(Reply.text("abcdefghij", chunk_size=2, drop_after=3))
    events, err = run(collect(config(sim), body(thinking=False)))
    assert isinstance(err, E.IncompleteStreamError)
    content = assemble(events).content
    assert content and "abcdefghij".startswith(content) and content != "abcdefghij"
    assert len(sim.chat_requests) == 1


def test_dropped_before_any_output_is_retried(sim: Simulator) -> None:
    sim.enqueue(Reply.text("first", drop_after=0))
    sim.enqueue(Reply.text("second"))
    events, err = run(collect(config(sim), body(thinking=False)))
    assert err is None
    assert assemble(events).content == "second"
    assert [type(e) for e in events].count(Retrying) == 1
    assert len(sim.chat_requests) == 2


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, E.BadRequestError),
        (401, E.AuthenticationError),
        (402, E.InsufficientBalanceError),
        (422, E.InvalidParameterError),
    ],
)
def test_client_errors_are_never_retried(sim: Simulator, status: int, cls: type) -> None:
    sim.enqueue(Reply.error(status))
    events, err = run(collect(config(sim), body()))
    assert isinstance(err, cls) and err.status == status
    assert err.server_message  # the real body was read before raising
    assert len(sim.chat_requests) == 1
    assert not events


@pytest.mark.parametrize("status", [429, 500, 503])
def test_server_errors_are_retried_then_raised(sim: Simulator, status: int) -> None:
    for _ in range(3):
        sim.enqueue(Reply.error(status))
    events, err = run(collect(config(sim, max_retries=2), body()))
    assert isinstance(err, E.ApiError) and err.status == status and err.retryable
    assert len(sim.chat_requests) == 3
    assert [e.attempt for e in events if isinstance(e, Retrying)] == [1, 2]


def test_retry_after_is_honoured_and_then_succeeds(sim: Simulator) -> None:
    sim.enqueue(Reply.error(429, retry_after=0.3))
    sim.enqueue(Reply.text("ok"))
    events, err = run(collect(config(sim, backoff_cap=5.0), body()))
    assert err is None and assemble(events).content == "ok"
    [retry] = [e for e in events if isinstance(e, Retrying)]
    assert retry.delay == pytest.approx(0.3)


def test_context_overflow_message(sim: Simulator) -> None:
    sim.enqueue(Reply.context_overflow(1_060_836))
    _, err = run(collect(config(sim), body()))
    assert isinstance(err, E.ContextOverflowError)
    # "you requested N tokens (M in the messages, K in the completion)": N = M + max_tokens
    assert err.requested == 1_060_836 + body()["max_tokens"] and err.limit == 1_048_576


def test_wrong_key_and_no_key() -> None:
    with Simulator(api_key=KEY) as s:
        _, err = run(collect(replace(config(s), api_key="sk-wrong-0000000"), body()))
        assert isinstance(err, E.AuthenticationError)
    no_key = ClientConfig(api_key=None)  # api.deepseek.com: refused before any network use
    _, err = run(collect(no_key, body()))
    assert isinstance(err, E.ConfigError)


def test_connection_refused_is_retried_then_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = ClientConfig(
        base_url=f"http://127.0.0.1:{port}", api_key=KEY, backoff_base=0.01, max_retries=2
    )
    events, err = run(collect(cfg, body()))
    assert isinstance(err, E.ConnectError)
    assert len([e for e in events if isinstance(e, Retrying)]) == 2


def test_thinking_field_and_reasoning_rules_as_received(sim: Simulator) -> None:
    call = {"id": "call_00_x", "name": "read_file", "arguments": '{"path": "a.py"}'}
    sim.enqueue(Reply.text("", reasoning="I need the file", tool_calls=[call]))
    sim.enqueue(Reply.text("It defines main.", reasoning="Now I know"))
    sim.enqueue(Reply.text("Bye."))

    async def conversation() -> None:
        async with DeepSeekClient(config(sim)) as client:
            history = [Message.user("What is in a.py?")]
            first = await client.chat(build_chat_request(history, ChatOptions()))
            calls = tuple(ToolCallRecord(c.id, c.name, c.arguments) for c in first.tool_calls)
            history += [
                Message.assistant(first.content, first.reasoning, calls),
                Message.tool("call_00_x", "def main(): ..."),
            ]
            second = await client.chat(build_chat_request(history, ChatOptions()))
            history += [Message.assistant(second.content, second.reasoning), Message.user("ok")]
            await client.chat(build_chat_request(history, ChatOptions(thinking=False)))

    run(conversation())
    r1, r2, r3 = (r.json for r in sim.chat_requests)
    assert r1["thinking"] == {"type": "enabled"} and r1["reasoning_effort"] == "high"
    assert r1["stream_options"] == {"include_usage": True} and r1["max_tokens"] > 0
    assert r2["messages"][1]["reasoning_content"] == "I need the file"
    assert r3["thinking"] == {"type": "disabled"} and "reasoning_effort" not in r3
    assert r3["messages"][1]["reasoning_content"] == "I need the file"  # every later request
    assert "reasoning_content" not in r3["messages"][3]  # plain turn: dropped
    assert r3["messages"][:3] == r2["messages"][:3]  # stable prefix


def test_missing_reasoning_content_is_what_the_server_rejects(sim: Simulator) -> None:
    """Guard for the simulator itself: the rule the client follows is the one it enforces."""
    bad = body()
    bad["messages"] = [
        {"role": "user", "content": "q"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "content": "r", "tool_call_id": "c"},
    ]
    _, err = run(collect(config(sim), bad))
    assert isinstance(err, E.BadRequestError)
    assert "reasoning_content" in err.server_message


def test_models_and_balance(sim: Simulator) -> None:
    async def go() -> tuple[list[str], Any]:
        async with DeepSeekClient(config(sim)) as client:
            return await client.list_models(), await client.get_balance()

    models, balance = run(go())
    assert "deepseek-v4-pro" in models and "deepseek-flash" in models
    assert balance.is_available and balance.summary() == "USD 110.00"
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in sim.requests)


def test_cancellation_closes_the_connection_once_and_leaves_nothing(sim: Simulator) -> None:
    sim.enqueue(Reply.text("x" * 2000, chunk_size=1, chunk_delay=0.01))
    sim.enqueue(Reply.text("after"))

    async def go() -> str:
        async with DeepSeekClient(config(sim)) as client:
            got_output = asyncio.Event()

            async def consume() -> None:
                async with aclosing(client.stream_chat(body(thinking=False))) as s:
                    async for ev in s:
                        if isinstance(ev, ContentDelta):
                            got_output.set()

            task = asyncio.create_task(consume(), name="stream")
            await got_output.wait()
            task.cancel()
            await asyncio.sleep(0)
            task.cancel()  # a second cancel must not leak the pooled connection (httpx#3782)
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await asyncio.to_thread(sim.wait_for_idle, 3.0)
            pool = client._http._transport._pool  # type: ignore[attr-defined]
            assert pool.connections == []
            again = await client.chat(body(thinking=False))
            # httpcore leaves inner async generators for asyncio's finaliser, which closes
            # them in a short task of its own; nothing else may remain.
            for _ in range(20):
                if asyncio.all_tasks() == {asyncio.current_task()}:
                    break
                await asyncio.sleep(0.01)
            assert asyncio.all_tasks() == {asyncio.current_task()}
            return again.content

    assert run(go()) == "after"
    assert sim.wait_for_idle(2.0)
