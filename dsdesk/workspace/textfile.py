"""Read a text file for editing and write it back exactly as it was, but for the edit: same
encoding, BOM, line endings (per line, for files that mix them) and final newline."""

from __future__ import annotations

import codecs
import difflib
from dataclasses import dataclass
from pathlib import Path

from dsdesk.core.errors import EditError

MAX_BYTES = 8 * 2**20
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class TextFile:
    text: str  # "\n" line endings
    encoding: str
    bom: bytes
    newline: str  # the dominant ending: "\n", "\r\n" or "\r"
    endings: tuple[str, ...] | None = None  # per line, only for files that mix endings

    @property
    def final_newline(self) -> bool:
        return self.text.endswith("\n")


NEW_FILE = TextFile("", "utf-8", b"", "\n")


def _split_endings(raw: str) -> tuple[list[str], list[str]]:
    """Lines and their endings ("" for a last line without one)."""
    lines: list[str] = []
    endings: list[str] = []
    start = 0
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\r" or ch == "\n":
            end = "\r\n" if raw.startswith("\r\n", i) else ch
            lines.append(raw[start:i])
            endings.append(end)
            i += len(end)
            start = i
        else:
            i += 1
    if start < n:
        lines.append(raw[start:])
        endings.append("")
    return lines, endings


def decode_text(data: bytes, rel: str = "") -> TextFile:
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EditError(
            f"{rel or 'The file'} is binary; it is not edited.", reason="binary", path=rel
        )
    bom, encoding = b"", "utf-8"
    for mark, enc in _BOMS:
        if data.startswith(mark):
            bom, encoding = mark, enc
            break
    body = data[len(bom) :]
    try:
        raw = body.decode(encoding)
    except UnicodeDecodeError:
        if bom:
            raise EditError(
                f"{rel} does not decode as {encoding}.", reason="binary", path=rel
            ) from None
        # Not UTF-8: cp1252 covers most legacy text; latin-1 decodes anything, byte for byte.
        try:
            raw, encoding = body.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            raw, encoding = body.decode("latin-1"), "latin-1"
    lines, endings = _split_endings(raw)
    kinds = [e for e in endings if e]
    newline = max(("\n", "\r\n", "\r"), key=kinds.count) if kinds else "\n"
    mixed = len(set(kinds)) > 1
    text = "\n".join(lines) + ("\n" if endings and endings[-1] else "")
    return TextFile(text, encoding, bom, newline, tuple(endings) if mixed else None)


def read_text_file(path: Path, max_bytes: int = MAX_BYTES, rel: str = "") -> TextFile:
    rel = rel or path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise EditError(
                f"{rel} is too large to edit ({size:,} bytes; the limit is {max_bytes:,}).",
                reason="too_large",
                path=rel,
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise EditError(f"{rel} does not exist.", reason="file_missing", path=rel) from None
    except IsADirectoryError:
        raise EditError(f"{rel} is a folder.", reason="file_missing", path=rel) from None
    except PermissionError:
        raise EditError(
            f"{rel} cannot be read (permission denied).", reason="write_failed", path=rel
        ) from None
    return decode_text(data, rel)


def encode_text_file(tf: TextFile, new_text: str) -> bytes:
    """``new_text`` ("\\n" endings) in the file's own encoding, BOM and line endings."""
    if tf.endings is None:
        raw = new_text.replace("\n", tf.newline) if tf.newline != "\n" else new_text
    else:
        raw = _mixed(tf, new_text)
    return tf.bom + raw.encode(tf.encoding)


def _mixed(tf: TextFile, new_text: str) -> str:
    """Unchanged lines keep their own ending; new lines take the dominant one."""
    assert tf.endings is not None
    old_lines = tf.text.split("\n")
    new_lines = new_text.split("\n")
    old_end = list(tf.endings) + [""] * (len(old_lines) - len(tf.endings))
    ends = [tf.newline] * len(new_lines)
    sm = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, _j2 in sm.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                ends[j1 + k] = old_end[i1 + k] or tf.newline
    out = []
    for k, line in enumerate(new_lines):
        last = k == len(new_lines) - 1
        out.append(line if last else line + ends[k])
    return "".join(out)
