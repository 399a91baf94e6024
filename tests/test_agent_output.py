"""Tool output to the model: head + tail + note beyond 10 kB / 256 lines, the whole text kept
in a bounded store and paged back exactly by ``read_output``."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dsdesk.agent.tools.output import (
    EMPTY_OUTPUT,
    MAX_OUTPUT_BYTES,
    MAX_OUTPUT_LINES,
    WRAP,
    OutputStore,
    fit,
    page,
    split_lines,
)

NOTE = re.compile(
    r"\[… ([\d,]+) lines? \(([^)]*)\) cut; the whole output is (out_\d+): read it with "
    r'read_output\(id="out_\d+", offset=(\d+)\) …\]\n'
)


def _size(s: str) -> int:
    return len(s.encode("utf-8", "surrogatepass"))


def _pages(text: str, offset: int = 1) -> list[str]:
    out: list[str] = []
    while True:
        p = page(text, offset)
        assert p.body or not text
        assert _size(p.body) <= MAX_OUTPUT_BYTES
        assert len(split_lines(p.body)) <= MAX_OUTPUT_LINES
        out.append(p.body)
        if p.next_offset is None:
            return out
        offset = p.next_offset


def test_small_output_is_unchanged_and_empty_is_no_output() -> None:
    store = OutputStore()
    assert fit("", store) == EMPTY_OUTPUT
    text = "ok\n" * MAX_OUTPUT_LINES
    assert fit(text, store) == text
    assert len(store) == 0


def test_many_lines_are_cut_to_head_and_tail_with_a_note() -> None:
    store = OutputStore()
    text = "".join(f"line {i}\n" for i in range(1, 4001))
    out = fit(text, store)
    m = NOTE.search(out)
    assert m is not None
    head, tail = out[: m.start()], out[m.end() :]
    assert head.startswith("line 1\nline 2\n")
    assert tail.endswith("line 4000\n")
    assert len(split_lines(head)) == MAX_OUTPUT_LINES // 2
    cut, out_id, offset = int(m[1].replace(",", "")), m[3], int(m[4])
    assert cut == 4000 - len(split_lines(head)) - len(split_lines(tail))
    assert offset == len(split_lines(head)) + 1
    assert page(store.get(out_id) or "", offset).body.startswith(f"line {offset}\n")


def test_one_huge_line_is_cut_by_bytes_and_pages_back_exactly() -> None:
    store = OutputStore()
    text = "x" * 50_000 + "é" * 3_000  # one line: wrapped at WRAP for counting and paging
    out = fit(text, store)
    m = NOTE.search(out)
    assert m is not None
    assert _size(out) - len(m[0]) <= MAX_OUTPUT_BYTES + 1  # the "\n" before the note
    assert "".join(_pages(store.get(m[3]) or "")) == text


def test_store_drops_the_oldest_beyond_its_bounds() -> None:
    store = OutputStore(max_items=3, max_bytes=1_000)
    ids = [store.put(str(i) * 100) for i in range(5)]
    assert [store.get(i or "") is not None for i in ids] == [False, False, True, True, True]
    big = store.put("y" * 850)
    assert big is not None and store.total_bytes <= 1_000
    assert store.get(ids[3] or "") is None  # dropped to make room
    assert store.get(ids[4] or "") is not None
    assert store.put("z" * 1_001) is None  # too large to keep at all
    note = fit("w\n" * 1_000, OutputStore(max_bytes=10))
    assert "the whole output was too large to keep" in note


def test_split_lines_wraps_long_lines_and_joins_back() -> None:
    text = "a" * (WRAP * 2 + 5) + "\nb\r\nc"
    lines = split_lines(text)
    assert [len(s) for s in lines] == [WRAP, WRAP, 6, 3, 1]
    assert "".join(lines) == text


_line = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("ab\r\t é𝄞"), min_size=900, max_size=2_500),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_line, max_size=700).map("\n".join))
def test_fit_bounds_head_tail_and_paging_property(text: str) -> None:
    store = OutputStore()
    out = fit(text, store)
    if not text:
        assert out == EMPTY_OUTPUT
        return
    lines = split_lines(text)
    if len(lines) <= MAX_OUTPUT_LINES and _size(text) <= MAX_OUTPUT_BYTES:
        assert out == text
        return
    m = NOTE.search(out)
    assert m is not None
    head, tail = out[: m.start()], out[m.end() :]
    if head and not text.startswith(head):
        head = head.removesuffix("\n")  # the separator before a note after a cut-off line
    assert text.startswith(head) and text.endswith(tail)
    assert head and tail  # WRAP keeps a line within half the byte budget
    assert _size(head) + _size(tail) <= MAX_OUTPUT_BYTES
    assert len(split_lines(head)) + len(split_lines(tail)) <= MAX_OUTPUT_LINES
    kept = store.get(m[3])
    assert kept == text
    offset = int(m[4])
    assert "".join(_pages(kept)) == text
    assert head + "".join(_pages(text, offset)) == text
