"""How the transcript names a fenced block of SEARCH/REPLACE edits when it folds it to one line
("edit to app.py", 9 lines). The edits card under the answer is the main view of the edits;
the raw markers shown in full would only repeat it, less readably."""

from __future__ import annotations

from dataclasses import dataclass

from dsdesk.core.edits_parse import parse_edits
from dsdesk.core.edits_syntax import SEARCH_RE, strict_path
from dsdesk.core.markdown_blocks import Block

__all__ = ["EditFold", "edit_fold", "holds_search"]


@dataclass(frozen=True, slots=True)
class EditFold:
    label: str  # "edit to app.py", "3 edits to app.py, util.py"
    lines: int  # lines between the fences
    path_before: bool  # the markdown block before is only the path line: the fold names it


def holds_search(line: str) -> bool:
    return SEARCH_RE.match(line.strip()) is not None


def edit_fold(block: Block, before: str) -> EditFold | None:
    """The fold of a finished code ``block`` holding SEARCH/REPLACE edits (None otherwise);
    ``before`` is the markdown block just before it, where the path often is."""
    code = block.code
    if block.kind != "code" or not any(holds_search(ln) for ln in code.split("\n")):
        return None
    before_lines = [ln for ln in before.splitlines() if ln.strip()]
    prev = before_lines[-1] if before_lines else ""
    edits = parse_edits(f"{prev}\n{block.text}" if prev else block.text)
    paths = list(dict.fromkeys(e.path for e in edits))
    what = "edit" if len(edits) <= 1 else f"{len(edits)} edits"
    label = f"{what} to {', '.join(paths)}" if paths else what
    only_path = len(before_lines) == 1 and strict_path(prev) in paths
    return EditFold(label, code.count("\n") + 1, only_path)
