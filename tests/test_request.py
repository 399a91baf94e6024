"""Request bodies: the reasoning_content rules and byte-stable prefixes."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import dsdesk.core.request as request
from dsdesk.core.messages import Message, ToolCallRecord
from dsdesk.core.request import BodyEncoder, ChatOptions, build_chat_request, encode_body

CALL = ToolCallRecord("call_00_abc", "get_weather", '{"city": "Paris"}')


def conversation() -> list[Message]:
    return [
        Message.system("You are dsdesk."),
        Message.user("Weather?"),
        Message.assistant("", reasoning="I should call the tool", tool_calls=(CALL,)),
        Message.tool("call_00_abc", "sunny"),
        Message.assistant("It is sunny.", reasoning="The tool said sunny."),
        Message.user("Thanks"),
    ]


def test_thinking_request_shape() -> None:
    body = build_chat_request([Message.user("hi")], ChatOptions(max_tokens=100, effort="max"))
    assert body == {
        "model": "deepseek-v4-pro",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": 100,
        "thinking": {"type": "enabled"},
        "reasoning_effort": "max",
    }


def test_non_thinking_sends_disabled_and_no_effort() -> None:
    body = build_chat_request([Message.user("hi")], ChatOptions(thinking=False, temperature=0.2))
    assert body["thinking"] == {"type": "disabled"}
    assert "reasoning_effort" not in body
    assert body["temperature"] == 0.2


def test_reasoning_dropped_without_tool_calls_kept_with_them() -> None:
    msgs = build_chat_request(conversation(), ChatOptions())["messages"]
    tool_turn, plain_turn = msgs[2], msgs[4]
    assert tool_turn["reasoning_content"] == "I should call the tool"
    assert tool_turn["tool_calls"][0]["function"]["name"] == "get_weather"
    assert "reasoning_content" not in plain_turn
    assert msgs[3] == {"role": "tool", "content": "sunny", "tool_call_id": "call_00_abc"}


def test_tool_call_turn_without_reasoning_still_sends_empty_string() -> None:
    msg = Message.assistant("", reasoning=None, tool_calls=(CALL,))
    [out] = build_chat_request([msg], ChatOptions(thinking=False))["messages"]
    assert out["reasoning_content"] == ""


def test_consecutive_requests_share_a_byte_prefix() -> None:
    convo = conversation()
    first = encode_body(build_chat_request(convo[:2], ChatOptions()))
    second = encode_body(build_chat_request(convo, ChatOptions()))
    messages_prefix = first[: first.index(b'],"stream"')]
    assert second.startswith(messages_prefix)
    # Deterministic: the same input gives the same bytes.
    assert second == encode_body(build_chat_request(list(convo), ChatOptions()))
    json.loads(second)


def test_max_tokens_is_bounded() -> None:
    with pytest.raises(ValueError):
        build_chat_request([Message.user("x")], ChatOptions(max_tokens=0))


_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300)
@example(model='"messages":[]', messages=[{"a": 1}, {"b": '"messages":[]'}], rest={})
@given(
    model=_text,
    messages=st.lists(st.dictionaries(_text, _json_values, max_size=4), max_size=6),
    rest=st.dictionaries(_text.filter(lambda k: k not in ("model", "messages")), _json_values),
)
def test_messages_encoded_one_by_one_give_the_bytes_of_one_dump(
    model: str, messages: list[dict[str, object]], rest: dict[str, object]
) -> None:
    body = {"model": model, "messages": messages, **rest}
    expected = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert encode_body(body) == expected


_ALIKE = [True, 1, 1.0, False, 0, 0.0, -0.0, None, "1", [1], {"1": 1}, {True: 1}]


@settings(max_examples=300)
@given(
    bodies=st.lists(
        st.lists(
            st.dictionaries(_text, _json_values | st.sampled_from(_ALIKE), max_size=4),
            min_size=2,
            max_size=6,
        ),
        min_size=1,
        max_size=4,
    ),
    limit=st.sampled_from([0, 64, 1 << 20]),
)
def test_the_remembering_encoder_gives_the_bytes_of_one_dump_round_after_round(
    bodies: list[list[dict[str, object]]], limit: int
) -> None:
    """Each round resends earlier messages; values equal in Python but not in JSON
    (True, 1, 1.0; 0.0, -0.0) must never be given each other's bytes."""
    encoder = BodyEncoder(limit)
    sent: list[dict[str, object]] = []
    for messages in bodies:
        sent = sent + messages
        for alike in _ALIKE:
            sent.append({"content": alike})
        body = {"model": "m", "messages": list(sent), "stream": True}
        expected = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        assert encoder.encode(body) == expected


def test_the_encoder_remembers_within_its_byte_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    big = [{"role": "tool", "content": f"{n:04d}" + "x" * 996} for n in range(100)]
    encoder = BodyEncoder(limit=50_000)
    assert encoder.encode({"messages": big}) == encode_body({"messages": big})
    assert 40_000 < encoder._size <= 50_000
    assert len(encoder._memo) < 50
    encoded: list[object] = []
    real = request._dumps_bytes
    monkeypatch.setattr(request, "_dumps_bytes", lambda m: encoded.append(m) or real(m))
    encoder.encode({"messages": big[-40:]})  # the newest were kept
    assert encoded == []
    encoder.encode({"messages": big[:2]})  # the oldest were dropped
    assert encoded == big[:2]
