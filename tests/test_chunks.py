"""Chunk payloads → typed events, on the real recorded V4 streams and on odd server shapes."""

from __future__ import annotations

import json

import pytest

from dsdesk.core.chunks import ChunkParser
from dsdesk.core.completion import CompletionAccumulator
from dsdesk.core.errors import ProtocolError, RateLimitError
from dsdesk.core.events import ContentDelta, Finished, ReasoningDelta, StreamStarted, Usage
from tests.conftest import recording


def replay(kind: str) -> tuple[ChunkParser, CompletionAccumulator, list[dict]]:
    lines = [json.loads(x) for x in recording(kind).read_text().splitlines() if x.strip()]
    parser, acc = ChunkParser(), CompletionAccumulator()
    for obj in lines:
        for ev in parser.parse(json.dumps(obj)):
            acc.add(ev)
    return parser, acc, lines


def expected_text(lines: list[dict], key: str) -> str:
    return "".join(
        (c.get("delta") or {}).get(key) or "" for obj in lines for c in obj.get("choices") or []
    )


@pytest.mark.parametrize(
    "kind",
    ["v4-flash__thinking-text", "v4-flash__nonthinking", "v4-flash__thinking-tool-call", "v4-pro"],
)
def test_recordings_assemble_to_the_recorded_text_usage_and_finish(kind: str) -> None:
    parser, acc, lines = replay(kind)
    result = acc.result()
    last = lines[-1]
    assert result.content == expected_text(lines, "content")
    assert result.reasoning == expected_text(lines, "reasoning_content")
    assert result.finish_reason == last["choices"][0]["finish_reason"]
    u = last["usage"]
    assert result.usage == Usage(
        prompt_tokens=u["prompt_tokens"],
        completion_tokens=u["completion_tokens"],
        cache_hit_tokens=u["prompt_cache_hit_tokens"],
        cache_miss_tokens=u["prompt_cache_miss_tokens"],
        reasoning_tokens=(u.get("completion_tokens_details") or {}).get("reasoning_tokens", 0),
    )
    assert result.model == last["model"]
    assert parser.complete


def test_tool_call_recording_assembles_the_call() -> None:
    _, acc, lines = replay("v4-flash__thinking-tool-call")
    [call] = acc.result().tool_calls
    pieces = [
        tc
        for obj in lines
        for c in obj["choices"]
        for tc in (c.get("delta") or {}).get("tool_calls") or []
    ]
    assert call.id == pieces[0]["id"]
    assert call.name == pieces[0]["function"]["name"]
    assert call.arguments == "".join(p["function"].get("arguments") or "" for p in pieces)
    json.loads(call.arguments)


def test_usage_in_a_separate_chunk_with_empty_choices() -> None:
    p = ChunkParser()
    evs = p.parse('{"id":"x","model":"m","choices":[{"index":0,"delta":{"content":"hi"}}]}')
    assert evs == [StreamStarted("x", "m"), ContentDelta("hi")]
    assert p.parse('{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}') == [
        Finished("stop")
    ]
    assert not p.complete
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 2,
        "prompt_tokens_details": {"cached_tokens": 4},
    }
    [ev] = p.parse(json.dumps({"choices": [], "usage": usage}))
    assert ev == Usage(10, 2, cache_hit_tokens=4, cache_miss_tokens=6)
    assert p.complete


def test_reasoning_field_of_other_servers_and_done() -> None:
    p = ChunkParser()
    evs = p.parse('{"choices":[{"index":0,"delta":{"reasoning":"hmm"}}]}')
    assert ReasoningDelta("hmm") in evs
    assert p.parse("[DONE]") == [] and p.complete


def test_malformed_chunk_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="malformed"):
        ChunkParser().parse('{"choices": [')


def test_error_object_inside_the_stream() -> None:
    body = {"error": {"message": "Rate limit reached for TPM", "type": "rate"}, "status": 429}
    with pytest.raises(RateLimitError):
        ChunkParser().parse(json.dumps(body))
