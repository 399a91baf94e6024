"""Hunks for the review: all accepted gives the new text, none the old, any subset applies only
those regions; unified diffs round-trip through the edit parser and matcher."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsdesk.core.diff_hunks import Hunk, apply_hunks, diff_hunks, unified_diff
from dsdesk.core.edits_match import apply_blocks
from dsdesk.core.edits_parse import parse_edits

OLD = "a\nb\nc\nd\ne\nf\ng\n"


def test_one_hunk_per_changed_region() -> None:
    new = "a\nB\nc\nd\ne\nF\nF2\ng\n"
    hunks = diff_hunks(OLD, new)
    assert hunks == [
        Hunk(0, 1, ("b",), 1, ("B",)),
        Hunk(1, 5, ("f",), 5, ("F", "F2")),
    ]
    assert apply_hunks(OLD, hunks, {0, 1}) == new
    assert apply_hunks(OLD, hunks, set()) == OLD
    assert apply_hunks(OLD, hunks, {0}) == "a\nB\nc\nd\ne\nf\ng\n"
    assert apply_hunks(OLD, hunks, {1}) == "a\nb\nc\nd\ne\nF\nF2\ng\n"


def test_pure_insertion_and_deletion() -> None:
    hunks = diff_hunks("a\nc\n", "a\nb\nc\n")
    assert hunks == [Hunk(0, 1, (), 1, ("b",))]
    hunks = diff_hunks("a\nb\nc\n", "a\nc\n")
    assert hunks == [Hunk(0, 1, ("b",), 1, ())]


def test_no_changes_no_hunks() -> None:
    assert diff_hunks(OLD, OLD) == []
    assert apply_hunks(OLD, [], set()) == OLD


def test_new_file_from_empty_and_final_newline_changes() -> None:
    assert apply_hunks("", diff_hunks("", "x\ny\n"), {0}) == "x\ny\n"
    hunks = diff_hunks("a\nb", "a\nb\n")  # only the final newline: one empty line added
    assert hunks == [Hunk(0, 2, (), 2, ("",))]
    assert apply_hunks("a\nb", hunks, {0}) == "a\nb\n"


def test_apply_hunks_refuses_hunks_of_another_text() -> None:
    hunks = diff_hunks(OLD, OLD.replace("c", "C"))
    with pytest.raises(ValueError, match="does not fit"):
        apply_hunks("totally\ndifferent\n", hunks, {0})


def test_unified_diff() -> None:
    new = OLD.replace("d\n", "D\n")
    assert unified_diff(OLD, new, "src/x.py", context=1) == (
        "--- a/src/x.py\n+++ b/src/x.py\n@@ -3,3 +3,3 @@\n c\n-d\n+D\n e\n"
    )
    assert unified_diff(OLD, OLD, "x") == ""


def test_unified_diff_marks_a_missing_final_newline() -> None:
    diff = unified_diff("a\nb", "a\nc", "x.txt")
    assert diff.endswith("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")


# Lines from a small alphabet, so that the diff has repeated lines to get confused by.
TEXT = st.lists(st.sampled_from(["a", "b", "c", "", "  a", "}"]), max_size=25).map(
    lambda lines: "\n".join(lines)
)


@given(old=TEXT, new=TEXT, data=st.data())
def test_round_trips_over_random_edits(old: str, new: str, data: st.DataObject) -> None:
    hunks = diff_hunks(old, new)
    assert [h.index for h in hunks] == list(range(len(hunks)))
    assert apply_hunks(old, hunks, {h.index for h in hunks}) == new
    assert apply_hunks(old, hunks, set()) == old
    # any subset: each hunk's region is either fully old or fully new
    accepted = data.draw(st.sets(st.sampled_from([h.index for h in hunks]))) if hunks else set()
    result = apply_hunks(old, hunks, accepted).split("\n")
    expected: list[str] = []
    pos = 0
    a = old.split("\n")
    for h in hunks:
        expected += a[pos : h.old_start]
        expected += h.new_lines if h.index in accepted else h.old_lines
        pos = h.old_start + len(h.old_lines)
    assert result == expected + a[pos:]


@given(
    base=st.lists(st.integers(0, 10_000), min_size=1, max_size=30, unique=True),
    edits=st.lists(st.tuples(st.integers(0, 29), st.sampled_from(["del", "ins", "rep"]))),
)
def test_unified_diff_applies_back_through_the_parser_and_matcher(
    base: list[int], edits: list[tuple[int, str]]
) -> None:
    # Unique lines, so every hunk's context is unique and the diff must apply exactly.
    lines = [f"line {n}" for n in base]
    new = list(lines)
    for k, (pos, op) in enumerate(edits):
        pos = min(pos, len(new))
        if op == "ins":
            new.insert(pos, f"added {k}")
        elif new and pos < len(new):
            if op == "del":
                del new[pos]
            else:
                new[pos] = f"changed {k}"
    old_text = "".join(x + "\n" for x in lines)
    new_text = "".join(x + "\n" for x in new)
    diff = unified_diff(old_text, new_text, "src/f.txt", context=2)
    blocks = parse_edits(f"Here is the change:\n\n```diff\n{diff}```\n")
    assert all(b.path == "src/f.txt" and b.kind == "diff_hunk" for b in blocks)
    result, results = apply_blocks(old_text, blocks)
    assert all(r.ok for r in results), [r.message for r in results]
    assert result == new_text
