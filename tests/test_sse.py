"""The SSE decoder gives the same messages however the byte stream is cut."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsdesk.core.errors import ProtocolError
from dsdesk.core.sse import MAX_EVENT_CHARS, SSEDecoder, SSEMessage


def decode(pieces: list[bytes]) -> list[SSEMessage]:
    dec = SSEDecoder()
    out: list[SSEMessage] = []
    for p in pieces:
        out.extend(dec.feed(p))
    out.extend(dec.close())
    return out


def test_basic_lf_and_crlf_and_cr() -> None:
    for nl in ("\n", "\r\n", "\r"):
        raw = f"data: a{nl}{nl}: keep-alive{nl}{nl}data: b{nl}data: c{nl}{nl}data: [DONE]{nl}{nl}"
        assert [m.data for m in decode([raw.encode()])] == ["a", "b\nc", "[DONE]"]


def test_comments_are_counted_not_returned() -> None:
    dec = SSEDecoder()
    assert dec.feed(b": keep-alive\n\n: keep-alive\n\n") == []
    assert dec.comments == 2


def test_field_without_space_event_name_and_unknown_fields() -> None:
    msgs = decode([b"event: ping\ndata:x\nid: 7\nretry: 10\nfoo: bar\n\n"])
    assert msgs == [SSEMessage("x", "ping")]


def test_split_inside_utf8_character_and_crlf() -> None:
    raw = 'data: {"t":"héllo 世界 🙂"}\r\n\r\n'.encode()
    pieces = [raw[i : i + 1] for i in range(len(raw))]
    assert [m.data for m in decode(pieces)] == ['{"t":"héllo 世界 🙂"}']


def test_unterminated_last_event_is_delivered_on_close() -> None:
    dec = SSEDecoder()
    assert dec.feed(b'data: {"last": true}') == []
    assert [m.data for m in dec.close()] == ['{"last": true}']


def test_u2028_inside_json_is_not_a_line_break() -> None:
    payload = json.dumps({"t": "a\u2028b\x85c"}, ensure_ascii=False)
    assert [m.data for m in decode([f"data: {payload}\n\n".encode()])] == [payload]


def test_huge_line_in_small_pieces() -> None:
    line = b"data: " + b"x" * 200_000 + b"\n\n"
    pieces = [line[i : i + 7] for i in range(0, len(line), 7)]
    [msg] = decode(pieces)
    assert len(msg.data) == 200_000


payload_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=30
)


@st.composite
def stream_and_cuts(draw: st.DrawFn) -> tuple[bytes, list[str], list[int]]:
    nl = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    datas = draw(st.lists(payload_text, min_size=1, max_size=8))
    parts: list[str] = []
    for d in datas:
        if draw(st.booleans()):
            parts.append(f": keep-alive{nl}{nl}")
        if draw(st.booleans()):
            parts.append(nl)  # stray blank line: dispatches nothing
        parts.append(f"data: {d}{nl}{nl}")
    raw = "".join(parts).encode("utf-8")
    cuts = sorted(draw(st.lists(st.integers(0, len(raw)), max_size=20)))
    return raw, datas, cuts


@settings(max_examples=300, deadline=None)
@given(stream_and_cuts())
def test_any_split_gives_the_same_messages(case: tuple[bytes, list[str], list[int]]) -> None:
    raw, datas, cuts = case
    bounds = [0, *cuts, len(raw)]
    pieces = [raw[a:b] for a, b in itertools.pairwise(bounds)]
    assert [m.data for m in decode(pieces)] == datas
    assert [m.data for m in decode([raw])] == datas


# -- bounds: a hostile stream cannot make the decoder hold more than max_event characters ----


def test_a_20mb_line_is_refused_after_8mb() -> None:
    dec = SSEDecoder()
    piece = b"x" * 65536
    fed = 0
    with pytest.raises(ProtocolError) as exc:
        dec.feed(b"data: ")
        for _ in range(20 * 16):  # 20 MB
            dec.feed(piece)
            fed += len(piece)
            assert dec.held <= MAX_EVENT_CHARS
    assert "stream line of more than 8 MB" in exc.value.user_message
    assert fed <= MAX_EVENT_CHARS


def test_data_lines_that_never_end_an_event_are_refused() -> None:
    dec = SSEDecoder(max_event=1000)
    with pytest.raises(ProtocolError) as exc:
        for _ in range(1000):
            assert dec.feed(b"data: xxxxxxxxx\n") == []
            assert dec.held <= 1000
    assert "stream event of more than 1,000 characters" in exc.value.user_message


def test_a_line_exactly_at_the_bound_is_accepted() -> None:
    dec = SSEDecoder(max_event=20)  # the bound counts the whole line, "data: " included
    assert [m.data for m in dec.feed(b"data: " + b"y" * 14 + b"\n\n")] == ["y" * 14]
    assert [m.data for m in dec.feed(b"data: " + b"y" * 14 + b"\r\n\r\n")] == ["y" * 14]
    assert dec.held == 0
    with pytest.raises(ProtocolError):
        dec.feed(b"data: " + b"y" * 15 + b"\n")


hostile_pieces = st.lists(
    st.one_of(
        st.binary(max_size=40),
        st.sampled_from([b"\n", b"\r", b"\r\n", b"data: ", b"data:", b": ka", b"x" * 30]),
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(hostile_pieces, st.integers(1, 64))
def test_any_bytes_give_messages_or_a_protocol_error_within_the_bound(
    pieces: list[bytes], bound: int
) -> None:
    dec = SSEDecoder(max_event=bound)
    try:
        for p in pieces:
            for m in dec.feed(p):
                assert len(m.data) <= bound
            assert dec.held <= bound
        for m in dec.close():
            assert len(m.data) <= bound
    except ProtocolError as exc:
        assert "malformed" in exc.user_message


def test_many_data_lines_join_in_order() -> None:
    lines = [str(i) for i in range(5000)]  # more than one group of pending lines
    raw = "".join(f"data: {x}\n" for x in lines) + "\n"
    assert [m.data for m in decode([raw.encode()])] == ["\n".join(lines)]
