"""Pygments → HTML that QTextDocument draws in colour.

QTextDocument understands only a subset of CSS and ignores class-based rules from Pygments'
stylesheets, so each token gets an inline ``<span style="color:#rrggbb">``; only colour, weight and
slant are used (token backgrounds and borders, e.g. Pygments' red box around an ``Error`` token
in half-streamed code, look broken in a chat). The lexer comes from the fence language or a file
name and is never guessed from content: guessing on short snippets is wrong more often than right.
"""

from __future__ import annotations

import html
from functools import lru_cache

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.lexers.special import TextLexer
from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import _TokenType
from pygments.util import ClassNotFound

__all__ = ["DARK_STYLE", "LIGHT_STYLE", "highlight_html", "lexer_for", "style_name"]

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"

# Fence words models use that Pygments does not know (or maps to something else).
_ALIASES = {
    "shell": "bash",
    "sh": "bash",
    "zsh": "bash",
    "shellscript": "bash",
    "console": "console",
    "terminal": "console",
    "golang": "go",
    "c++": "cpp",
    "h": "c",
    "hpp": "cpp",
    "cs": "csharp",
    "c#": "csharp",
    "rs": "rust",
    "py": "python",
    "py3": "python3",
    "js": "javascript",
    "ts": "typescript",
    "yml": "yaml",
    "md": "markdown",
    "dockerfile": "docker",
    "ps1": "powershell",
    "patch": "diff",
    "jsonc": "json",
}
_PLAIN = frozenset(
    {"", "text", "txt", "plain", "plaintext", "output", "log", "none", "nohighlight"}
)


def style_name(dark: bool) -> str:
    return DARK_STYLE if dark else LIGHT_STYLE


@lru_cache(maxsize=256)
def lexer_for(language: str = "", filename: str = "") -> Lexer:
    """A cached lexer for a fence language (e.g. ``python``, ``ts``) or a file name; plain text
    when neither names a known lexer."""
    lang = language.strip().lower()
    if lang not in _PLAIN:
        if ("." in lang or "/" in lang) and not filename:
            filename = language.strip()  # ```src/app.py names a file, not a language
        else:
            try:
                return get_lexer_by_name(_ALIASES.get(lang, lang), stripnl=False, ensurenl=False)
            except ClassNotFound:
                pass
    if filename:
        try:
            return get_lexer_for_filename(filename, stripnl=False, ensurenl=False)
        except ClassNotFound:
            pass
    return TextLexer(stripnl=False, ensurenl=False)


@lru_cache(maxsize=4)
def _style(name: str) -> StyleMeta:
    return get_style_by_name(name)


@lru_cache(maxsize=2048)
def _span_style(name: str, ttype: _TokenType) -> str:
    spec = _style(name).style_for_token(ttype)
    parts: list[str] = []
    if spec["color"]:
        parts.append(f"color:#{spec['color']}")
    if spec["bold"]:
        parts.append("font-weight:600")
    if spec["italic"]:
        parts.append("font-style:italic")
    return ";".join(parts)


def highlight_html(code: str, language: str = "", *, filename: str = "", dark: bool = False) -> str:
    """The code as escaped HTML with inline-styled spans, to be put inside a ``<pre>``."""
    name = style_name(dark)
    lexer = lexer_for(language, filename)
    out: list[str] = []
    pending_style = ""
    pending: list[str] = []

    def flush() -> None:
        if pending:
            text = html.escape("".join(pending), quote=False)
            out.append(f'<span style="{pending_style}">{text}</span>' if pending_style else text)
            pending.clear()

    # Adjacent tokens with the same look are merged: fewer spans, less for Qt to parse.
    for ttype, value in lexer.get_tokens(code.expandtabs(4)):
        style = _span_style(name, ttype) if value.strip() else pending_style
        if style != pending_style:
            flush()
            pending_style = style
        pending.append(value)
    flush()
    return "".join(out)
