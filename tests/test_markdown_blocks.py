"""The streamed-markdown block splitter (dsdesk.core.markdown_blocks)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dsdesk.core.markdown_blocks import Block, BlockSplitter


def split_all(text: str, cuts: list[int] | None = None) -> list[Block]:
    sp = BlockSplitter()
    out: list[Block] = []
    pos = 0
    for cut in sorted(cuts or []):
        out += sp.feed(text[pos:cut])
        pos = cut
    out += sp.feed(text[pos:])
    out += sp.finish()
    return out


def kinds(blocks: list[Block]) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in blocks if not b.is_blank]


def test_paragraph_finishes_at_blank_line() -> None:
    sp = BlockSplitter()
    assert sp.feed("Hello wor") == []
    assert sp.tail == "Hello wor"
    assert sp.feed("ld\nsecond line\n") == []
    done = sp.feed("\nNext")
    assert done == [Block("markdown", "Hello world\nsecond line\n\n")]
    assert sp.tail == "Next"
    assert sp.finish() == [Block("markdown", "Next")]
    assert sp.tail == ""


def test_heading_is_finished_at_its_newline_and_interrupts_a_paragraph() -> None:
    sp = BlockSplitter()
    assert sp.feed("# Title") == []
    assert sp.feed("\n") == [Block("markdown", "# Title\n")]
    assert sp.feed("text\n## Sub\n") == [
        Block("markdown", "text\n"),
        Block("markdown", "## Sub\n"),
    ]
    # "#hashtag" is no heading; an indented "#" inside a list item stays in the item.
    assert sp.feed("#hashtag\n- item\n  # not a block\n") == []


def test_fenced_code_block_ends_at_its_closing_fence() -> None:
    sp = BlockSplitter()
    assert sp.feed("Intro:\n```python title=x.py\nx = 1\n\ny = 2\n") == [
        Block("markdown", "Intro:\n")
    ]
    assert sp.in_code and sp.code_language == "python"
    assert sp.code_lines == ["x = 1\n", "\n", "y = 2\n"]
    (code,) = sp.feed("```\n")
    assert code.kind == "code" and code.language == "python" and code.closed
    assert code.text == "```python title=x.py\nx = 1\n\ny = 2\n```\n"
    assert code.code == "x = 1\n\ny = 2"
    assert not sp.in_code


def test_tilde_and_long_backtick_fences_need_a_matching_close() -> None:
    text = "````md\n```py\ninner\n```\n````\n~~~\n```\n~~~\nafter\n"
    blocks = kinds(split_all(text))
    assert blocks == [
        ("code", "````md\n```py\ninner\n```\n````\n"),
        ("code", "~~~\n```\n~~~\n"),
        ("markdown", "after\n"),
    ]
    assert split_all(text)[0].code == "```py\ninner\n```"


def test_indented_fence_inside_a_list_item_is_dedented() -> None:
    text = "1. Run:\n   ```bash\n   make test\n     indented\n   ```\n2. Done\n"
    blocks = split_all(text)
    assert [b.kind for b in blocks] == ["markdown", "code", "markdown"]
    assert blocks[1].language == "bash"
    assert blocks[1].code == "make test\n  indented"


def test_crlf_line_endings() -> None:
    text = "Para one\r\n\r\n```js\r\nlet a = 1;\r\n```\r\nend"
    blocks = split_all(text)
    assert [b.kind for b in blocks] == ["markdown", "code", "markdown"]
    assert blocks[1].code == "let a = 1;"
    assert "".join(b.text for b in blocks) == text


def test_unclosed_fence_stays_open_until_finish() -> None:
    sp = BlockSplitter()
    assert sp.feed("```rust\nfn main() {\n    pri") == []
    assert sp.in_code
    assert sp.code_lines == ["fn main() {\n"]
    assert sp.code_partial == "    pri"
    (block,) = sp.finish()
    assert block.kind == "code" and not block.closed
    assert block.code == "fn main() {\n    pri"


def test_inline_triple_backticks_are_not_a_fence() -> None:
    assert kinds(split_all("```x``` is inline\n")) == [("markdown", "```x``` is inline\n")]


def test_fence_closing_needs_nothing_after_it() -> None:
    blocks = split_all("```\na\n``` not a close\n```\n")
    assert [b.kind for b in blocks] == ["code"]
    assert blocks[0].code == "a\n``` not a close"


def test_feed_work_is_proportional_to_the_new_text() -> None:
    # A long line streamed in tiny pieces is buffered as pieces, not re-joined per feed.
    sp = BlockSplitter()
    for _ in range(20_000):
        assert sp.feed("ab") == []
    assert len(sp.tail) == 40_000
    assert len(sp._partial) == 20_000  # pieces kept, joined once at the newline
    sp.feed("\n\n")
    assert sp.tail == ""


MARKDOWN_PIECES = st.sampled_from(
    [
        "Hello",
        " world",
        "\n",
        "\n\n",
        "\r\n",
        "# Head\n",
        "## ",
        "- item\n",
        "1. one\n",
        "   ```py\n",
        "```\n",
        "```",
        "````\n",
        "~~~\n",
        "~~~sh\n",
        "| a | b |\n|---|---|\n",
        "    code\n",
        "x = `y`",
        "`",
        "  ",
        "\t",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(MARKDOWN_PIECES, max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=30),
)
def test_any_split_gives_the_same_blocks_and_joins_to_the_input(
    pieces: list[str], cuts: list[int]
) -> None:
    text = "".join(pieces)
    cuts = [c for c in cuts if c <= len(text)]
    whole = split_all(text)
    streamed = split_all(text, cuts)
    assert streamed == whole
    assert "".join(b.text for b in whole) == text


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet="ab#`~ -|\n\r\t1.", max_size=300), data=st.data())
def test_char_by_char_equals_whole_on_arbitrary_text(text: str, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=50))
    assert split_all(text, cuts) == split_all(text)
    assert split_all(text, list(range(len(text)))) == split_all(text)
    assert "".join(b.text for b in split_all(text)) == text
