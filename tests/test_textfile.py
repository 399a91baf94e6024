"""Text files are read for editing and written back exactly as they were, but for the edit:
encoding, BOM, line endings, final newline. Binary, oversized and special files are refused."""

from __future__ import annotations

import codecs
import os
import random
import re
import sys
from pathlib import Path

import pytest

from dsdesk.core.errors import EditError
from dsdesk.workspace.textfile import (
    NEW_FILE,
    decode_text,
    encode_text_file,
    read_text_file,
)


def _edit(data: bytes, old: str, new: str) -> bytes:
    tf = decode_text(data)
    assert old in tf.text
    return encode_text_file(tf, tf.text.replace(old, new, 1))


ROUND_TRIP = {
    "empty": b"",
    "lf": b"a\nb\nc\n",
    "lf-no-final": b"a\nb\nc",
    "crlf": b"a\r\nb\r\nc\r\n",
    "crlf-no-final": b"a\r\nb\r\nc",
    "cr": b"a\rb\rc\r",
    "mixed": b"a\r\nb\nc\r\nd\re\r\n",
    "mixed-no-final": b"a\r\nb\nc",
    "blank-lines": b"\n\n\r\n\n",
    "only-newline": b"\n",
    "blank-no-final": b"  \t",
    "utf8": "héllo → wörld\n".encode(),
    "utf8-bom": codecs.BOM_UTF8 + "héllo\r\nwörld\r\n".encode(),
    "bom-only": codecs.BOM_UTF8,
    "utf16le": codecs.BOM_UTF16_LE + "héllo\r\nwörld\r\n".encode("utf-16-le"),
    "utf16be": codecs.BOM_UTF16_BE + "héllo\nwörld".encode("utf-16-be"),
    "utf32le": codecs.BOM_UTF32_LE + "x\ny\n".encode("utf-32-le"),
    "latin1": "caf\xe9 na\xefve\r\n\xa9 2024\r\n".encode("latin-1"),
    "cp1252": "\u201cquoted\u201d \u2013 \u20ac5\n".encode("cp1252"),
    "latin1-c1-controls": b"x\x81y\x8dz\x90\n",  # undefined in cp1252: read as latin-1
    "trailing-space": b"a  \nb\t\n",
    "stray-cr-in-line": b"a\rb\nc\nd\n",
}


@pytest.mark.parametrize("data", ROUND_TRIP.values(), ids=ROUND_TRIP.keys())
def test_unchanged_text_round_trips_byte_for_byte(data: bytes) -> None:
    tf = decode_text(data)
    assert "\r" not in tf.text
    assert encode_text_file(tf, tf.text) == data


def test_line_ending_styles_are_detected_and_kept() -> None:
    assert decode_text(b"a\r\nb\r\n").newline == "\r\n"
    assert decode_text(b"a\rb\r").newline == "\r"
    assert decode_text(b"a\nb\n").newline == "\n"
    assert decode_text(b"no ending").newline == "\n"
    assert _edit(b"a\r\nb\r\nc\r\n", "b", "B\nB2") == b"a\r\nB\r\nB2\r\nc\r\n"
    assert _edit(b"a\rb\rc\r", "b", "B\nB2") == b"a\rB\rB2\rc\r"
    assert _edit(b"a\nb\nc\n", "b", "B\nB2") == b"a\nB\nB2\nc\n"


def test_mixed_endings_keep_each_unchanged_line_and_use_the_dominant_for_new_lines() -> None:
    data = b"one\r\ntwo\nthree\r\nfour\r\nfive\n"  # CRLF dominant (3 of 5)
    tf = decode_text(data)
    assert tf.newline == "\r\n" and tf.endings is not None
    out = encode_text_file(tf, tf.text.replace("three\n", "THREE\nnew\n"))
    assert out == b"one\r\ntwo\nTHREE\r\nnew\r\nfour\r\nfive\n"
    # lines removed, others keep theirs
    assert encode_text_file(tf, "one\ntwo\nfive\n") == b"one\r\ntwo\nfive\n"


def test_endings_tie_goes_to_lf() -> None:
    assert decode_text(b"a\r\nb\n").newline == "\n"


def test_final_newline_is_kept_as_it_was() -> None:
    with_nl = decode_text(b"a\nb\n")
    without = decode_text(b"a\nb")
    assert with_nl.final_newline and not without.final_newline
    # The edit's text says otherwise; the file's state wins (documented rule).
    assert encode_text_file(with_nl, "a\nB") == b"a\nB\n"
    assert encode_text_file(without, "a\nB\nC\n") == b"a\nB\nC"
    assert encode_text_file(decode_text(b"x\r\ny"), "x\ny\nz") == b"x\r\ny\r\nz"
    # Emptied files stay empty.
    assert encode_text_file(with_nl, "") == b""


def test_new_and_empty_files_get_a_final_newline() -> None:
    assert encode_text_file(NEW_FILE, "print(1)") == b"print(1)\n"
    assert encode_text_file(NEW_FILE, "print(1)\n") == b"print(1)\n"
    assert encode_text_file(decode_text(b""), "x") == b"x\n"
    assert encode_text_file(decode_text(b"  "), "x") == b"x\n"  # blank counts as empty


def test_new_text_with_stray_crlf_is_normalised() -> None:
    tf = decode_text(b"a\r\nb\r\n")
    assert encode_text_file(tf, "a\r\nB\r\n") == b"a\r\nB\r\n"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_bom_encodings_are_kept_after_an_edit(bom: bytes, codec: str) -> None:
    data = bom + "first\r\nsécond\r\nthird\r\n".encode(codec)
    tf = decode_text(data)
    assert (tf.bom, tf.encoding, tf.newline) == (bom, codec, "\r\n")
    assert tf.text == "first\nsécond\nthird\n"
    out = encode_text_file(tf, tf.text.replace("sécond", "SÉCOND → 2"))
    assert out == bom + "first\r\nSÉCOND → 2\r\nthird\r\n".encode(codec)


@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
def test_legacy_encodings_change_only_the_edited_lines(codec: str) -> None:
    lines = ["# caf\xe9 r\xe9sum\xe9", "x = 1", "# \xa9 \xe0 la carte", "y = 2"]
    if codec == "cp1252":
        lines.append("z = '\u2018smart\u2019 \u2014 \u20ac'")
    data = "\r\n".join(lines).encode(codec) + b"\r\n"
    tf = decode_text(data)
    assert tf.encoding == "cp1252"  # cp1252 reads both (a superset for these bytes)
    assert tf.text.splitlines()[0] == lines[0]
    out = encode_text_file(tf, tf.text.replace("x = 1", "x = 10"))
    before, after = data.split(b"\r\n"), out.split(b"\r\n")
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [1]
    assert after[1] == b"x = 10"


def test_unencodable_character_is_a_clear_error() -> None:
    tf = decode_text("caf\xe9\n".encode("latin-1"))
    with pytest.raises(EditError) as info:
        encode_text_file(tf, "caf\xe9 \u2192 \U0001f600\n", rel="menu.txt")
    assert info.value.reason == "write_failed"
    assert "menu.txt" in info.value.user_message and "U+2192" in info.value.user_message


def test_binary_is_refused() -> None:
    with pytest.raises(EditError) as info:
        decode_text(b"PNG\x00\x01\x02", "img.png")
    assert info.value.reason == "binary" and "img.png" in info.value.user_message
    # A NUL byte within the first 8 KiB counts; only the first 8 KiB are sniffed.
    with pytest.raises(EditError):
        decode_text(b"a" * 8000 + b"\x00")
    assert decode_text(b"a" * 9000 + b"\x00").text.endswith("\x00")


def test_utf16_without_nul_chars_is_text_but_a_nul_char_is_binary() -> None:
    with pytest.raises(EditError) as info:
        decode_text(codecs.BOM_UTF16_LE + "a\x00b".encode("utf-16-le"))
    assert info.value.reason == "binary"


def test_broken_bom_file_is_refused() -> None:
    with pytest.raises(EditError) as info:
        decode_text(codecs.BOM_UTF8 + b"\xff\xfe\xfa")
    assert info.value.reason == "binary"


def test_read_text_file_limits_and_missing(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x\n" * 600)
    with pytest.raises(EditError) as info:
        read_text_file(big, max_bytes=1000)
    assert info.value.reason == "too_large" and "1,200" in info.value.user_message
    assert read_text_file(big, max_bytes=1200).text == "x\n" * 600
    with pytest.raises(EditError) as info:
        read_text_file(tmp_path / "nope.txt")
    assert info.value.reason == "file_missing"
    with pytest.raises(EditError) as info:
        read_text_file(tmp_path)
    assert info.value.reason == "file_missing" and "folder" in info.value.user_message
    with pytest.raises(EditError) as info:
        read_text_file(big / "under-a-file.txt")
    assert info.value.reason == "file_missing"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(EditError) as info:
        read_text_file(fifo)
    assert info.value.reason == "binary" and "regular" in info.value.user_message


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_unreadable_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "secret.txt"
    f.write_text("x")
    real_open = os.open

    def deny(path: object, *a: object, **k: object) -> int:
        if str(path) == str(f):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(EditError) as info:
        read_text_file(f, rel="secret.txt")
    assert info.value.reason == "write_failed"
    assert info.value.user_message == "secret.txt cannot be read (Permission denied)."


def test_random_bytes_round_trip() -> None:
    rng = random.Random(4)
    alphabet = [b"a", b" ", b"\r", b"\n", b"\r\n", b"\xe9", b"\x81", "é€→".encode(), b"\t"]
    for _ in range(500):
        data = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40)))
        tf = decode_text(data)
        assert encode_text_file(tf, tf.text) == data, data


def test_editing_one_line_of_a_mixed_file_leaves_every_other_line_alone() -> None:
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randrange(1, 12)
        lines = [f"line{k}".encode() + rng.choice([b"\n", b"\r\n", b"\r"]) for k in range(n)]
        if rng.random() < 0.3:
            lines[-1] = lines[-1].rstrip(b"\r\n")
        data = b"".join(lines)
        tf = decode_text(data)
        k = rng.randrange(n)
        out = encode_text_file(tf, tf.text.replace(f"line{k}", "EDITED", 1))
        got = re.findall(rb"[^\r\n]*(?:\r\n|\r|\n|$)", out)[:n]
        for j in range(n):
            if j != k:
                assert got[j] == lines[j], (data, out)
        assert got[k].startswith(b"EDITED")
