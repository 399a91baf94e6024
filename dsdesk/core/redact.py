"""Showing secrets safely: never the whole key, anywhere.

``redact`` is the one function every piece of text goes through before it leaves the process
(error messages, log lines, CLI output, exports): it masks the API keys this process knows,
anything that looks like a bearer token or a DeepSeek/OpenAI-style key, and the password of a
URL's userinfo. ``clean_server_text`` removes what a hostile server could use to repaint a
terminal (ANSI escape sequences, other control characters) from text it sent us.
"""

from __future__ import annotations

import re
import threading
from typing import Any

__all__ = [
    "clean_server_text",
    "forget_secrets",
    "mask_key",
    "redact",
    "redact_json",
    "remember_secret",
    "strip_ansi",
]

_lock = threading.Lock()
_secrets: set[str] = set()

# Keys that look like keys even when this process never loaded them (an echoed request, a
# key pasted into a base URL). 16+ characters so "sk-demo" style placeholders stay readable.
_KEY_RE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{16,})")
_BEARER_RE = re.compile(r"(?i)\b(bearer\s+)([^\s\"',;]+)")
# scheme://user:password@host — the password goes, the user name stays (it helps to debug).
_USERINFO_RE = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@]*):([^@\s/]*)@")
# CSI (ESC [ ... final), OSC (ESC ] ... BEL/ST), other two-byte ESC sequences, then C0/C1
# controls other than tab and newline.
_ANSI_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[@-Z\\-_]"  # other ESC sequences
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SHOWN_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # keeps \t \n \r


def mask_key(key: str | None) -> str:
    """ "sk-…a1b2" — enough to tell keys apart, never the whole secret."""
    if not key:
        return "(none)"
    return f"{key[:3]}…{key[-4:]}" if len(key) > 10 else "…" * 3


def remember_secret(value: str | None) -> None:
    """Mask ``value`` wherever it appears in text passed to ``redact`` from now on."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def forget_secrets() -> None:
    """Tests only: start again with no known secrets."""
    with _lock:
        _secrets.clear()


def redact(text: str) -> str:
    """``text`` with every secret masked. Cheap when there is nothing to mask."""
    if not text:
        return text
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, mask_key(secret))
    text = _USERINFO_RE.sub(lambda m: f"{m.group(1)}:***@", text)
    text = _BEARER_RE.sub(lambda m: m.group(1) + _mask_token(m.group(2)), text)
    return _KEY_RE.sub(lambda m: _mask_token(m.group(1)), text)


def redact_json(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings) with every string redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    return value


def _mask_token(token: str) -> str:
    # Already masked ("sk-…a1b2") or a placeholder: leave it as it is.
    return token if "…" in token or len(token) <= 10 else mask_key(token)


def strip_ansi(text: str) -> str:
    """``text`` without terminal escape sequences (colours, cursor moves, titles) and control
    characters other than tab, newline and carriage return: command output made fit to show."""
    if "\x1b" in text or "\x9b" in text:
        text = _ANSI_RE.sub("", text)
    return _SHOWN_CONTROL_RE.sub("", text)


def clean_server_text(text: str) -> str:
    """Text a server sent, safe to print: escape sequences and control characters removed
    (tabs and newlines kept), then redacted — an echoing server may send our key back."""
    text = _ANSI_RE.sub("", text)
    text = _CONTROL_RE.sub("", text)
    return redact(text)
