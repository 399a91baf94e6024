"""The follow-up message that sends failed edits back to the model ("Fix failed edits")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

REASON_TEXT = {
    "not_found": "its SEARCH text was not found in the file",
    "ambiguous": "its SEARCH text matches more than one place; add surrounding lines",
    "file_missing": "the file does not exist (use an empty SEARCH to create it)",
    "file_changed": "the file changed on disk since you saw it",
    "not_empty": "an empty SEARCH can only create a file or fill an empty one",
    "binary": "the file is binary",
    "outside_project": "the path is outside the project",
    "inside_git": "the path is inside .git/",
    "too_large": "the file is too large to edit",
    "write_failed": "the file could not be written",
    "rejected": "the user rejected it",
}


class _Block(Protocol):
    @property
    def index(self) -> int: ...
    @property
    def path(self) -> str: ...


class _Outcome(Protocol):
    @property
    def block(self) -> _Block: ...
    @property
    def status(self) -> str: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def closest(self) -> tuple[tuple[int, str], ...]: ...


def failure_report(outcomes: Sequence[_Outcome]) -> str:
    """A prompt naming the blocks that applied (not to be re-sent) and, for each failed one,
    why and the closest real lines of the file."""
    applied = [o for o in outcomes if o.status == "applied"]
    failed = [o for o in outcomes if o.status != "applied"]
    if not failed:
        return ""
    lines = ["Some of your edits could not be applied."]
    if applied:
        done = ", ".join(f"#{o.block.index + 1} ({o.block.path})" for o in applied)
        lines.append(f"These blocks were applied; do not send them again: {done}.")
    for o in failed:
        why = REASON_TEXT.get(o.reason or "", o.reason or "it was skipped")
        lines.append(f"\nBlock #{o.block.index + 1} for `{o.block.path}` failed: {why}.")
        if o.closest:
            lines.append("The closest lines in the file are:")
            lines.append("```")
            lines.extend(f"{n:>5}: {text}" for n, text in o.closest)
            lines.append("```")
    lines.append(
        "\nSend corrected SEARCH/REPLACE blocks for the failed edits only, with SEARCH text "
        "copied exactly from the current file."
    )
    return "\n".join(lines)
