"""How project context is laid out in a request, so that consecutive requests share a prefix.

Base context (in the system message, after the fixed prompt): the instructions file, then the
context files in the order they were added. Once the conversation has started it is never
rewritten: a changed, added or removed file is announced in an update that rides with the next
user turn, and "Rebuild context" folds the updates back into the base (one cache miss).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dsdesk.core.token_count import render_context_file

INSTRUCTION_FILES = ("AGENTS.md", "CLAUDE.md", ".cursorrules", "CONVENTIONS.md")


@dataclass(frozen=True, slots=True)
class ContextFile:
    rel_path: str
    text: str


INSTRUCTIONS_HEADER = "Project instructions from {path}:\n"
FILES_HEADER = "Files of the project, as they are now:\n"


def base_context_text(instructions: ContextFile | None, files: Sequence[ContextFile]) -> str:
    parts = []
    if instructions is not None:
        parts.append(
            INSTRUCTIONS_HEADER.format(path=instructions.rel_path)
            + render_context_file(instructions.rel_path, instructions.text)
        )
    if files:
        parts.append(FILES_HEADER + "".join(render_context_file(f.rel_path, f.text) for f in files))
    return "\n".join(parts)


def update_text(changed: Sequence[ContextFile], removed: Sequence[str]) -> str:
    """The note sent after the conversation: new versions replace the earlier copies."""
    parts = []
    if changed:
        parts.append(
            "These files changed or were added; this version replaces any earlier copy:\n"
            + "".join(render_context_file(f.rel_path, f.text) for f in changed)
        )
    if removed:
        parts.append("These files were removed from the context: " + ", ".join(removed) + ".")
    return "\n".join(parts)
