"""Parsing edits out of an answer: markers, paths, several blocks and files, diffs, whole new
files, incomplete blocks, and streaming in arbitrary pieces (hypothesis)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsdesk.core.edits_parse import EditBlock, EditStreamParser, parse_edits

SR = "<<<<<<< SEARCH\nold line\n=======\nnew line\n>>>>>>> REPLACE\n"


def one(answer: str) -> EditBlock:
    blocks = parse_edits(answer)
    assert len(blocks) == 1, blocks
    return blocks[0]


def triples(blocks: list[EditBlock]) -> list[tuple[str, str, str]]:
    return [(b.path, b.search, b.replace) for b in blocks]


# -- markers ----------------------------------------------------------------------------------


def test_a_standard_block() -> None:
    b = one(f"Change it:\n\nsrc/app.py\n```python\n{SR}```\n")
    assert b == EditBlock(0, "src/app.py", "old line\n", "new line\n", "search_replace", 5)


@pytest.mark.parametrize(
    ("search", "divider", "replace"),
    [
        ("<<<<<<<SEARCH", "=======", ">>>>>>>REPLACE"),
        ("<<<<<<< SEARCH", "======", ">>>>>>> REPLACE"),
        ("<<<<< SEARCH", "=====", ">>>>> REPLACE"),
        ("<<<<<<<<< SEARCH", "=========", ">>>>>>>>> REPLACE"),
        ("<<<<<<<< SEARCH  ", "========  ", ">>>>>>>>REPLACE "),
    ],
)
def test_markers_with_missing_or_extra_characters(search: str, divider: str, replace: str) -> None:
    b = one(f"x.py\n```\n{search}\na\n{divider}\nb\n{replace}\n```\n")
    assert (b.path, b.search, b.replace) == ("x.py", "a\n", "b\n")


@pytest.mark.parametrize("n", [4, 10])
def test_too_few_or_too_many_marker_characters_are_not_markers(n: int) -> None:
    answer = f"x.py\n```\n{'<' * n} SEARCH\na\n{'=' * n}\nb\n{'>' * n} REPLACE\n```\n"
    # nor is the fence a whole new file: it is a broken edit, not file content
    assert parse_edits(answer) == []


def test_empty_search_and_empty_replace() -> None:
    b = one("new.py\n```\n<<<<<<< SEARCH\n=======\nprint(1)\n>>>>>>> REPLACE\n```\n")
    assert (b.search, b.replace) == ("", "print(1)\n")
    b = one("x.py\n```\n<<<<<<< SEARCH\ngone\n=======\n>>>>>>> REPLACE\n```\n")
    assert (b.search, b.replace) == ("gone\n", "")


# -- where the path is ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path_line",
    [
        "src/app.py",
        "`src/app.py`",
        "`src/app.py`:",
        "**src/app.py**",
        "**`src/app.py`**:",
        "File: src/app.py",
        "**File:** `src/app.py`",
        "### src/app.py",
        "./src/app.py",
        '"src/app.py"',
        "Change `src/app.py` like this:",
    ],
)
def test_path_on_the_line_before_the_fence(path_line: str) -> None:
    assert one(f"Intro.\n\n{path_line}\n\n```python\n{SR}```\n").path == "src/app.py"


def test_path_on_the_line_before_bare_markers() -> None:
    assert one(f"`src/app.py`\n{SR}").path == "src/app.py"


@pytest.mark.parametrize("tag", ["", "python", "py"])
def test_path_as_the_first_line_inside_the_fence(tag: str) -> None:
    assert one(f"Here:\n```{tag}\nsrc/app.py\n{SR}```\n").path == "src/app.py"


def test_path_as_a_comment_inside_the_fence() -> None:
    assert one(f"```python\n# src/app.py\n{SR}```\n").path == "src/app.py"


def test_path_in_a_fenced_block_of_its_own() -> None:
    assert one(f"```\nsrc/app.py\n```\n\n```python\n{SR}```\n").path == "src/app.py"


def test_path_in_the_fence_info_string() -> None:
    assert one(f"```python src/app.py\n{SR}```\n").path == "src/app.py"


def test_a_language_tag_is_not_a_path() -> None:
    # no path anywhere: the block cannot be applied, so it is not yielded
    assert parse_edits(f"```python\n{SR}```\n") == []
    assert parse_edits(f"python\n```\n{SR}```\n") == []


@pytest.mark.parametrize(
    "prose", ["Here is the fix:", "Update the two files.", "Run `make test`:", "See e.g. v1.2:"]
)
def test_prose_is_not_a_path(prose: str) -> None:
    assert parse_edits(f"{prose}\n```python\n{SR}```\n") == []


def test_the_first_line_inside_wins_over_the_line_before() -> None:
    assert one(f"`a.py`\n```\nb.py\n{SR}```\n").path == "b.py"


# -- several blocks and files -----------------------------------------------------------------


def test_several_blocks_for_one_file_in_one_fence() -> None:
    answer = f"src/a.py\n```python\n{SR}{SR.replace('old', 'o2').replace('new', 'n2')}```\n"
    blocks = parse_edits(answer)
    assert triples(blocks) == [
        ("src/a.py", "old line\n", "new line\n"),
        ("src/a.py", "o2 line\n", "n2 line\n"),
    ]
    assert [b.index for b in blocks] == [0, 1]
    assert [b.line for b in blocks] == [3, 8]


def test_a_later_fence_without_a_path_uses_the_previous_path() -> None:
    answer = f"src/a.py\n```python\n{SR}```\n\nAnd also:\n\n```python\n{SR}```\n"
    assert [b.path for b in parse_edits(answer)] == ["src/a.py", "src/a.py"]


def test_blocks_for_several_files() -> None:
    answer = (
        f"First `src/a.py`:\n```python\n{SR}```\n\n"
        f"src/b.js\n```js\n{SR}```\n\n"
        f"```\nsrc/c.md\n{SR}docs/d.md\n{SR}```\n"
    )
    assert [b.path for b in parse_edits(answer)] == [
        "src/a.py",
        "src/b.js",
        "src/c.md",
        "docs/d.md",
    ]


def test_fences_inside_the_block_text_survive() -> None:
    answer = (
        "README.md\n```markdown\n<<<<<<< SEARCH\n## Install\n```bash\npip install x\n```\n"
        "=======\n## Install\n```bash\npip install dsdesk\n```\n>>>>>>> REPLACE\n```\n\n"
        f"src/a.py\n```\n{SR}```\n"
    )
    blocks = parse_edits(answer)
    assert triples(blocks) == [
        (
            "README.md",
            "## Install\n```bash\npip install x\n```\n",
            "## Install\n```bash\npip install dsdesk\n```\n",
        ),
        ("src/a.py", "old line\n", "new line\n"),
    ]


def test_an_indented_fence_in_a_list_item() -> None:
    answer = "1. Edit `a.py`:\n\n   ```python\n   <<<<<<< SEARCH\n   def f():\n       pass\n"
    answer += "   =======\n   def f():\n       return 1\n   >>>>>>> REPLACE\n   ```\n"
    b = one(answer)
    assert (b.path, b.search, b.replace) == (
        "a.py",
        "def f():\n    pass\n",
        "def f():\n    return 1\n",
    )


# -- incomplete and malformed -----------------------------------------------------------------


def test_a_block_without_its_replace_marker_at_the_end_is_not_yielded() -> None:
    answer = f"a.py\n```\n{SR}```\n\nb.py\n```\n<<<<<<< SEARCH\nx\n=======\ny\n"
    assert [b.path for b in parse_edits(answer)] == ["a.py"]


def test_a_block_cut_off_in_its_search_section_is_not_yielded() -> None:
    assert parse_edits("a.py\n```\n<<<<<<< SEARCH\nx\n") == []


def test_replace_marker_before_the_divider_drops_the_block() -> None:
    answer = f"a.py\n```\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n{SR}```\n"
    assert triples(parse_edits(answer)) == [("a.py", "old line\n", "new line\n")]


def test_a_new_search_before_the_replace_marker_drops_the_unfinished_block() -> None:
    answer = f"a.py\n```\n<<<<<<< SEARCH\nx\n=======\ny\n{SR}```\n"
    assert triples(parse_edits(answer)) == [("a.py", "old line\n", "new line\n")]


def test_crlf_answer() -> None:
    answer = f"a.py\n```\n{SR}```\n".replace("\n", "\r\n")
    assert triples(parse_edits(answer)) == [("a.py", "old line\n", "new line\n")]


# -- whole new files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path_line", ["`src/new.py`:", "**src/new.py**", "File: src/new.py", "src/new.py"]
)
def test_a_whole_file_named_just_before_the_fence(path_line: str) -> None:
    b = one(f"Create it.\n\n{path_line}\n```python\nimport os\n\nprint(os.sep)\n```\n")
    assert b == EditBlock(
        0, "src/new.py", "", "import os\n\nprint(os.sep)\n", "whole_file", 4, delete=False
    )


@pytest.mark.parametrize("before", ["Run this:", "Create `src/new.py` with:", "", "python"])
def test_a_code_block_is_not_a_file_unless_a_path_alone_names_it(before: str) -> None:
    assert parse_edits(f"{before}\n```python\nprint(1)\n```\n") == []


def test_a_whole_markdown_file_with_fences_inside() -> None:
    content = "# Tool\n\n```bash\npip install tool\n```\n\nDone.\n"
    b = one(f"`docs/README.md`:\n```markdown\n{content}```\n\nThat's it.\n")
    assert (b.kind, b.replace) == ("whole_file", content)


def test_a_whole_file_with_a_longer_outer_fence() -> None:
    content = "intro\n```\ncode\n```\n"
    assert one(f"notes.md\n````\n{content}````\n").replace == content


def test_an_unclosed_whole_file_is_not_yielded() -> None:
    assert parse_edits("`src/new.py`:\n```python\nimport os\n") == []


# -- unified diffs ----------------------------------------------------------------------------

DIFF = """--- a/src/x.py
+++ b/src/x.py
@@ -1,4 +1,4 @@
 import os
-A = 1
+A = 2

 def f():
@@ -10,3 +10,4 @@ def g():
     a = 1
+    b = 2
     return a
"""


def test_a_unified_diff_in_a_fence_gives_one_block_per_hunk() -> None:
    blocks = parse_edits(f"Patch:\n\n```diff\n{DIFF}```\n")
    assert triples(blocks) == [
        ("src/x.py", "import os\nA = 1\n\ndef f():\n", "import os\nA = 2\n\ndef f():\n"),
        ("src/x.py", "    a = 1\n    return a\n", "    a = 1\n    b = 2\n    return a\n"),
    ]
    assert [(b.kind, b.line) for b in blocks] == [("diff_hunk", 6), ("diff_hunk", 12)]


def test_a_bare_diff_ends_at_the_first_prose_line() -> None:
    blocks = parse_edits(f"{DIFF}\nThat changes two places.\n")
    assert len(blocks) == 2 and blocks[1].replace.endswith("    return a\n")


def test_git_diff_headers_new_and_deleted_files() -> None:
    answer = """```diff
diff --git a/src/x.py b/src/x.py
index 83db48f..bf269f4 100644
--- a/src/x.py
+++ b/src/x.py
@@ -1,2 +1,2 @@
-x = 1
+x = 2
 y = 1
diff --git a/src/new.py b/src/new.py
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/src/new.py
@@ -0,0 +1,2 @@
+def new():
+    return 1
diff --git a/old.txt b/old.txt
deleted file mode 100644
--- a/old.txt
+++ /dev/null
@@ -1,2 +0,0 @@
-gone
-too
```
"""
    blocks = parse_edits(answer)
    assert [(b.path, b.kind, b.search, b.replace, b.delete) for b in blocks] == [
        ("src/x.py", "diff_hunk", "x = 1\ny = 1\n", "x = 2\ny = 1\n", False),
        ("src/new.py", "whole_file", "", "def new():\n    return 1\n", False),
        ("old.txt", "whole_file", "", "", True),
    ]


def test_diff_without_a_final_newline_and_with_timestamps() -> None:
    answer = (
        "```diff\n--- notes.txt\t2024-01-01 10:00:00\n+++ notes.txt\t2024-01-02 10:00:00\n"
        "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n```\n"
    )
    assert triples(parse_edits(answer)) == [("notes.txt", "a\n", "b\n")]
    created = "```diff\n--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+x\n"
    created += "\\ No newline at end of file\n```\n"
    assert one(created).replace == "x"


def test_a_removed_line_that_looks_like_a_header_is_a_removed_line() -> None:
    answer = "```diff\n--- a/a.sql\n+++ b/a.sql\n@@ -1,2 +1,1 @@\n--- comment\n select 1;\n```\n"
    assert triples(parse_edits(answer)) == [("a.sql", "-- comment\nselect 1;\n", "select 1;\n")]


def test_several_files_in_one_diff() -> None:
    answer = "```diff\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-a\n+b\n--- a/b.py\n+++ b/b.py\n"
    answer += "@@ -1 +1 @@\n-c\n+d\n```\n"
    assert triples(parse_edits(answer)) == [("a.py", "a\n", "b\n"), ("b.py", "c\n", "d\n")]


def test_a_hunk_without_file_headers_uses_the_path_before_the_fence() -> None:
    answer = "`src/x.py`\n```diff\n@@ ... @@\n def f():\n-    return 1\n+    return 2\n```\n"
    assert triples(parse_edits(answer)) == [
        ("src/x.py", "def f():\n    return 1\n", "def f():\n    return 2\n")
    ]


def test_blank_context_lines_that_lost_their_space() -> None:
    answer = "```diff\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n\n\n```\n"
    assert triples(parse_edits(answer)) == [("x", "a\n\nb\n", "a\n\nc\n")]


def test_a_diff_cut_off_mid_hunk_is_not_yielded() -> None:
    answer = "```diff\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n"
    assert parse_edits(answer) == []
    # ... but a last hunk whose header counts are met is complete, even without a closing fence
    assert triples(parse_edits(answer + "+c\n c\n")) == [("x", "a\nb\nc\n", "a\nc\nc\n")]


# -- streaming --------------------------------------------------------------------------------

RICH = f"""I'll make these changes.

`src/app.py`:
```python
<<<<<<< SEARCH
def add(a, b):
    return a + b
=======
def add(a: int, b: int) -> int:
    return a + b
>>>>>>> REPLACE
<<<<<<<SEARCH
x = 1
======
x = 2
>>>>>>>REPLACE
```

README.md
````markdown
<<<<<<< SEARCH
```bash
pip install x
```
=======
```bash
pip install y
```
>>>>>>> REPLACE
````

**src/new.py**
```python
print("new")
```

```diff
{DIFF}--- /dev/null
+++ b/created.txt
@@ -0,0 +1,2 @@
+one
+two
```

```
docs/only-path.md
```
<<<<<<< SEARCH
a
=======
b
>>>>>>> REPLACE

And a block the answer never finished:

src/late.py
```python
<<<<<<< SEARCH
late
=======
"""


def test_the_rich_answer() -> None:
    blocks = parse_edits(RICH)
    assert [(b.index, b.path, b.kind) for b in blocks] == [
        (0, "src/app.py", "search_replace"),
        (1, "src/app.py", "search_replace"),
        (2, "README.md", "search_replace"),
        (3, "src/new.py", "whole_file"),
        (4, "src/x.py", "diff_hunk"),
        (5, "src/x.py", "diff_hunk"),
        (6, "created.txt", "whole_file"),
        (7, "docs/only-path.md", "search_replace"),
    ]


def test_feed_yields_each_block_when_it_completes() -> None:
    parser = EditStreamParser()
    lines = RICH.splitlines(keepends=True)
    done_at = {}
    for n, line in enumerate(lines, 1):
        for b in parser.feed(line):
            done_at[b.index] = n
    assert parser.finish() == []
    assert done_at[0] == 11  # its ">>>>>>> REPLACE" line
    assert done_at[3] == 35  # the closing fence of the whole file
    assert parser.blocks == parse_edits(RICH)
    assert parser.summary() == "8 edits for 6 files"


def test_summary() -> None:
    parser = EditStreamParser()
    assert parser.summary() == ""
    parser.feed(f"a.py\n```\n{SR}```\n")
    assert parser.summary() == "1 edit for 1 file"


def test_feed_after_finish_is_an_error() -> None:
    parser = EditStreamParser()
    parser.finish()
    assert parser.finish() == []
    with pytest.raises(RuntimeError):
        parser.feed("x")


def stream(answer: str, cuts: list[int]) -> list[EditBlock]:
    parser = EditStreamParser()
    got: list[EditBlock] = []
    pos = 0
    for cut in sorted(cuts):
        got += parser.feed(answer[pos:cut])
        pos = cut
    got += parser.feed(answer[pos:])
    got += parser.finish()
    assert got == parser.blocks
    return got


@given(st.lists(st.integers(0, len(RICH)), max_size=40))
def test_streaming_in_arbitrary_pieces_gives_the_same_blocks(cuts: list[int]) -> None:
    assert stream(RICH, cuts) == parse_edits(RICH)


# Lines that exercise every state of the parser, in random order.
VOCAB = [
    "",
    "src/a.py",
    "`b.md`:",
    "prose line",
    "```",
    "```python",
    "````",
    "```diff",
    "<<<<<<< SEARCH",
    "=======",
    ">>>>>>> REPLACE",
    "code",
    "    indented",
    "--- a/c.txt",
    "+++ b/c.txt",
    "--- /dev/null",
    "+++ /dev/null",
    "@@ -1,2 +1,2 @@",
    "@@ ... @@",
    " context",
    "-removed",
    "+added",
    "\\ No newline at end of file",
    "diff --git a/c.txt b/c.txt",
]


@settings(max_examples=300)
@given(
    st.lists(st.sampled_from(VOCAB), max_size=40),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.data(),
)
def test_streaming_random_answers(
    lines: list[str], eol: str, final_eol: bool, data: st.DataObject
) -> None:
    answer = eol.join(lines) + (eol if final_eol else "")
    cuts = data.draw(st.lists(st.integers(0, len(answer)), max_size=20))
    whole = parse_edits(answer)
    assert stream(answer, cuts) == whole
    assert [b.index for b in whole] == list(range(len(whole)))
    for b in whole:
        assert b.path and b.line >= 1
        assert b.search == "" or b.search.endswith("\n")


def test_feed_keeps_only_the_unfinished_line_and_stays_linear() -> None:
    answer = (f"src/f{0}.py\n```python\n" + SR * 2 + "```\nSome prose here.\n") * 400
    parser = EditStreamParser()
    t = time.perf_counter()
    for i in range(0, len(answer), 3):  # token-sized pieces
        parser.feed(answer[i : i + 3])
        assert len("".join(parser._tail)) < 40  # only the open line is kept, not the answer
    parser.finish()
    assert len(parser.blocks) == 800
    assert time.perf_counter() - t < 2.0
