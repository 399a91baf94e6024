"""Request bodies: the reasoning_content rules and byte-stable prefixes."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import dsdesk.core.request as request
from dsdesk.core.messages import Message, ToolCallRecord
from dsdesk.core.request import ChatOptions, RequestEncoder, build_chat_request, encode_body

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


_messages = st.lists(
    st.builds(
        Message,
        role=st.sampled_from(["user", "assistant", "tool", "system"]),
        content=_text,
        reasoning=st.none() | _text,
        tool_calls=st.lists(
            st.builds(ToolCallRecord, id=_text, name=_text, arguments=_text), max_size=2
        ).map(tuple),
        tool_call_id=st.none() | _text,
    ),
    max_size=5,
)


@settings(max_examples=200)
@given(rounds=st.lists(_messages, min_size=1, max_size=4), limit=st.sampled_from([0, 300, 1 << 20]))
def test_the_request_encoder_gives_the_bytes_of_the_built_body_round_after_round(
    rounds: list[list[Message]], limit: int
) -> None:
    """Each round resends the earlier messages (the same objects) and adds some; the last one
    is sometimes replaced by an equal copy (a continued answer): always the plain bytes."""
    encoder = RequestEncoder(limit)
    sent: list[Message] = []
    for n, new in enumerate(rounds):
        if n % 2 and sent:
            sent[-1] = dataclasses.replace(sent[-1])
        sent = sent + new
        opts = ChatOptions(thinking=bool(n % 2))
        assert encoder.encode(sent, opts) == encode_body(build_chat_request(sent, opts))


def test_the_encoder_encodes_each_message_once_within_its_byte_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    big = [Message.tool(f"call_{n}", f"{n:04d}" + "x" * 996) for n in range(100)]
    encoder = RequestEncoder(limit=50_000)
    assert encoder.encode(big, ChatOptions()) == encode_body(build_chat_request(big, ChatOptions()))
    assert 40_000 < encoder._size <= 50_000
    encoded: list[object] = []
    real = request._dumps_bytes
    monkeypatch.setattr(request, "_dumps_bytes", lambda m: encoded.append(m) or real(m))
    encoder.encode(big[-40:], ChatOptions())  # the newest were kept
    assert encoded == []
    encoder.encode(big[:2], ChatOptions())  # the oldest were dropped
    assert len(encoded) == 2
