"""Read a text file for editing and write it back exactly as it was, but for the edit.

What is kept: the encoding and BOM (UTF-8, UTF-8 with BOM, UTF-16/32 LE/BE with BOM; files that
are not UTF-8 are read as cp1252, or latin-1 when cp1252 cannot decode them, both of which
round-trip byte for byte), the line endings and the final newline.

Line endings: the text handed to core uses "\\n". A file with one style gets it back on every
line. A file that mixes styles keeps each unchanged line's own ending; new or changed lines take
the dominant style (the most common; ties go to "\\n", then "\\r\\n").

Final newline, kept simple: an existing file with content keeps its state (it ends with a newline
after the edit if and only if it did before); a new, empty or blank file gets one when the new
text is not empty. Unchanged text therefore encodes to the original bytes exactly.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from dsdesk.core.errors import EditError

__all__ = [
    "MAX_BYTES",
    "NEW_FILE",
    "TextFile",
    "decode_text",
    "encode_text_file",
    "final_text",
    "normalise_newlines",
    "read_file_bytes",
    "read_text_file",
]

MAX_BYTES = 8 * 2**20
BINARY_SNIFF = 8192  # a NUL byte in this many leading bytes means binary (as git decides)

# Longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)
_ENDING = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class TextFile:
    text: str  # decoded, "\n" line endings
    encoding: str  # a codec without BOM handling ("utf-16-le", not "utf-16"): the BOM is `bom`
    bom: bytes  # b"" or the BOM the file starts with
    newline: str  # the dominant ending: "\n", "\r\n" or "\r"
    final_newline: bool
    # Per line (the last "" when it has none), only for files that mix endings; None otherwise.
    endings: tuple[str, ...] | None = None


# How a new file is written: UTF-8, no BOM, "\n", with a final newline.
NEW_FILE = TextFile("", "utf-8", b"", "\n", True)


def normalise_newlines(text: str) -> str:
    """Any "\\r\\n" or lone "\\r" as "\\n"."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _is_binary(data: bytes, bom: bytes) -> bool:
    # UTF-16/32 text is full of NUL bytes; with a BOM it is text.
    return not bom.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)) and (
        b"\x00" in data[:BINARY_SNIFF]
    )


def decode_text(data: bytes, rel: str = "") -> TextFile:
    """Decode a file's bytes; EditError ``binary`` for binary data."""
    name = rel or "The file"
    bom, encoding = b"", "utf-8"
    for mark, enc in _BOMS:
        if data.startswith(mark):
            bom, encoding = mark, enc
            break
    if _is_binary(data, bom):
        raise EditError(f"{name} is a binary file; it is not edited.", reason="binary", path=rel)
    body = data[len(bom) :]
    try:
        raw = body.decode(encoding)
    except UnicodeDecodeError:
        if bom:
            raise EditError(
                f"{name} starts with a {encoding} byte-order mark but does not decode as "
                f"{encoding}; it is not edited.",
                reason="binary",
                path=rel,
            ) from None
        # Not UTF-8: cp1252 covers most legacy text; latin-1 decodes any byte. Both are
        # one byte per character, so unchanged text encodes back to the very same bytes.
        try:
            raw, encoding = body.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raw, encoding = body.decode("latin-1"), "latin-1"
    if bom and "\x00" in raw[:BINARY_SNIFF]:
        raise EditError(f"{name} is a binary file; it is not edited.", reason="binary", path=rel)
    parts = _ENDING.split(raw)
    endings = _ENDING.findall(raw)
    if parts[-1]:
        endings.append("")  # the last line has no ending
    kinds = [e for e in endings if e]
    counts = {nl: kinds.count(nl) for nl in ("\n", "\r\n", "\r")}
    newline = max(counts, key=lambda nl: counts[nl]) if kinds else "\n"
    mixed = len({*kinds}) > 1
    text = "\n".join(parts)
    return TextFile(
        text, encoding, bom, newline, text.endswith("\n"), tuple(endings) if mixed else None
    )


def read_text_file(path: Path, max_bytes: int = MAX_BYTES, *, rel: str = "") -> TextFile:
    """Read and decode ``path``. EditError: ``file_missing`` (also a folder), ``too_large``,
    ``binary`` (also a FIFO, device or other non-regular file), ``write_failed`` when it cannot
    be read (permission denied)."""
    return decode_text(read_file_bytes(path, max_bytes, rel=rel)[0], rel)


def read_file_bytes(
    path: Path, max_bytes: int = MAX_BYTES, *, rel: str = ""
) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file no larger than ``max_bytes``, with the stat of the very file
    read (so a fingerprint taken from it describes these bytes). EditErrors as above."""
    name = rel or path.name
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
        fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_BINARY)
        try:
            st = os.fstat(fd)
            if stat.S_ISDIR(st.st_mode):
                raise EditError(f"{name} is a folder, not a file.", reason="file_missing", path=rel)
            if not stat.S_ISREG(st.st_mode):
                raise EditError(f"{name} is not a regular file.", reason="binary", path=rel)
            if st.st_size > max_bytes:
                raise EditError(
                    _too_large(name, st.st_size, max_bytes), reason="too_large", path=rel
                )
            data = _read_fd(fd, max_bytes + 1)  # it may have grown since the stat
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise EditError(f"{name} does not exist.", reason="file_missing", path=rel) from None
    except IsADirectoryError:
        raise EditError(
            f"{name} is a folder, not a file.", reason="file_missing", path=rel
        ) from None
    except NotADirectoryError:
        raise EditError(
            f"{name} does not exist (a part of its path is a file).",
            reason="file_missing",
            path=rel,
        ) from None
    except OSError as exc:
        raise EditError(
            f"{name} cannot be read ({exc.strerror or exc}).", reason="write_failed", path=rel
        ) from exc
    if len(data) > max_bytes:
        raise EditError(_too_large(name, len(data), max_bytes), reason="too_large", path=rel)
    return data, st


def _read_fd(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _too_large(name: str, size: int, limit: int) -> str:
    return f"{name} is too large to edit ({size:,} bytes; the limit is {limit:,})."


def final_text(tf: TextFile, new_text: str) -> str:
    """``new_text`` with "\\n" endings and the final-newline rule of the module docstring."""
    text = normalise_newlines(new_text)
    if not text or text == tf.text:
        return text
    if tf.text.strip():  # a blank file is filled like an empty one
        if tf.final_newline and not text.endswith("\n"):
            text += "\n"
        elif not tf.final_newline and text.endswith("\n"):
            text = text[:-1]
    elif not text.endswith("\n"):
        text += "\n"
    return text


def encode_text_file(tf: TextFile, new_text: str, *, rel: str = "") -> bytes:
    """``new_text`` ("\\n" endings) in the file's own encoding, BOM and line endings. EditError
    ``write_failed`` when the text holds a character the file's encoding cannot store."""
    text = final_text(tf, new_text)
    if tf.endings is None:
        raw = text.replace("\n", tf.newline) if tf.newline != "\n" else text
    else:
        raw = _mixed(tf, text)
    try:
        return tf.bom + raw.encode(tf.encoding)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in bad[:3])
        raise EditError(
            f"{rel or 'The file'} is saved as {tf.encoding}, which cannot hold {shown}; "
            "it was not changed.",
            reason="write_failed",
            path=rel,
        ) from None


def _mixed(tf: TextFile, text: str) -> str:
    """Unchanged lines keep their own ending; new and changed lines take the dominant one."""
    assert tf.endings is not None
    old = tf.text.split("\n")
    new = text.split("\n")
    old_end = list(tf.endings) + [""] * (len(old) - len(tf.endings))
    ends = [tf.newline] * len(new)
    # An edit is usually small: match the common head and tail directly, so difflib (slow on
    # long sequences) only sees the changed middle.
    head = 0
    limit = min(len(old), len(new))
    while head < limit and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    for k in range(head):
        ends[k] = old_end[k]
    for k in range(1, tail + 1):
        ends[-k] = old_end[-k]
    sm = difflib.SequenceMatcher(
        None, old[head : len(old) - tail], new[head : len(new) - tail], autojunk=False
    )
    for tag, i1, i2, j1, _j2 in sm.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                ends[head + j1 + k] = old_end[head + i1 + k]
    out: list[str] = []
    last = len(new) - 1
    for k, line in enumerate(new):
        # Only the very last piece goes without an ending (the split gives "" after a final
        # newline); a line that was last before and is not now needs one.
        out.append(line if k == last else line + (ends[k] or tf.newline))
    return "".join(out)
