"""Reading and lexing a file for the preview: no Qt here, so it runs on a worker thread.

``read_for_preview`` decides whether a file is shown at all (size limit, binary sniffing) and how
it decodes; ``token_runs`` lexes the whole text with Pygments (so multi-line strings and comments
come out right) into per-line runs that the preview turns into formats as lines scroll into view.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from pygments.token import Token, _TokenType

from dsdesk.core.errors import EditError
from dsdesk.ui.highlight import lexer_for
from dsdesk.workspace.jail import jailed_path

__all__ = [
    "MAX_PREVIEW_BYTES",
    "MAX_RUNS_PER_LINE",
    "PreviewText",
    "Runs",
    "read_for_preview",
    "token_runs",
]

MAX_PREVIEW_BYTES = 2 * 1024 * 1024
_SNIFF_BYTES = 8192  # git's rule too: a NUL byte in the first 8 KiB means binary
# A line with more tokens than this (minified code) stays plain: hundreds of thousands of format
# ranges on one block stall the GUI thread for seconds, while the plain line lays out in ~0.5 s.
MAX_RUNS_PER_LINE = 2000
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

# Per line: (start, length, token type), in UTF-16 units as QTextLayout counts them.
Runs = list[list[tuple[int, int, _TokenType]]]


@dataclass(frozen=True, slots=True)
class PreviewText:
    """What a file reads as: ``text`` (newlines normalised) or a ``message`` saying why not."""

    text: str | None
    message: str = ""
    encoding: str = ""


def _human(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def read_for_preview(
    path: Path, max_bytes: int = MAX_PREVIEW_BYTES, root: Path | None = None
) -> PreviewText:
    """Read ``path`` as text for display; refuses folders, binaries and files over ``max_bytes``
    and, given the project ``root``, a file that resolves outside it (the tree shows symlinks,
    and a file can be replaced by one while it is shown)."""
    if root is not None:
        try:
            path = jailed_path(root, os.path.relpath(os.path.abspath(path), root))
        except EditError as exc:
            return PreviewText(None, exc.user_message)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_bytes:
                return PreviewText(
                    None, f"Too large to preview: {_human(size)} (limit {_human(max_bytes)})."
                )
            data = f.read(max_bytes + 1)
    except IsADirectoryError:
        return PreviewText(None, "This is a folder.")
    except FileNotFoundError:
        return PreviewText(None, "The file no longer exists.")
    except OSError as exc:
        return PreviewText(None, f"Cannot read the file: {exc.strerror or exc}.")
    if len(data) > max_bytes:  # grew while we looked
        return PreviewText(None, f"Too large to preview (limit {_human(max_bytes)}).")
    text: str | None = None
    encoding = ""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            with contextlib.suppress(UnicodeDecodeError):  # a bad one falls through to sniffing
                text, encoding = data.decode(codec), codec.replace("-sig", "") + " (BOM)"
            break
    if text is None:
        if b"\0" in data[:_SNIFF_BYTES]:
            return PreviewText(None, "Binary file: not shown.")
        for codec in ("utf-8", "cp1252", "latin-1"):  # latin-1 decodes anything
            try:
                text, encoding = data.decode(codec), codec
                break
            except UnicodeDecodeError:
                continue
    assert text is not None
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return PreviewText(text, encoding=encoding.upper())


def _u16len(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-16-le")) // 2


def token_runs(text: str, filename: str) -> Runs:
    """Lex the whole text (multi-line strings and comments come out right) into per-line runs."""
    runs: Runs = [[] for _ in range(text.count("\n") + 1)]
    line = col = pos = 0

    def advance(chunk: str, ttype: _TokenType | None) -> None:
        nonlocal line, col
        for k, piece in enumerate(chunk.split("\n")):
            if k:
                line, col = line + 1, 0
            if piece:
                n = _u16len(piece)
                if ttype is not None:
                    runs[line].append((col, n, ttype))
                col += n

    for index, ttype, value in lexer_for("", filename).get_tokens_unprocessed(text):
        if index > pos:  # a lexer that skipped characters: keep line/column in step
            advance(text[pos:index], None)
        advance(value, None if ttype in Token.Text or not value.strip() else ttype)
        pos = index + len(value)
    return [r if len(r) <= MAX_RUNS_PER_LINE else [] for r in runs]
