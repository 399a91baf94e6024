"""HTML for the transcript's documents: markdown (through markdown-it, raw HTML shown as text),
code boxes with their header row, and the one-line fold standing for a block of edits."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt

from dsdesk.ui.transcript_style import Theme

__all__ = ["code_box_html", "fold_html", "markdown_html"]


def _render_image(_self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
    # No remote fetches from a chat transcript (and QTextDocument would warn on unknown
    # resources): an image becomes a link labelled with its alt text.
    tok = tokens[idx]
    alt = html.escape(tok.content or "image", quote=False)
    src = html.escape(str(tok.attrGet("src") or ""))
    return f'<a href="{src}">[image: {alt}]</a>'


def _render_softbreak(_self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
    return " "  # so that every "\n" left in the HTML is layout, removable outside <pre>


_md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_md.add_render_rule("image", _render_image)
_md.add_render_rule("softbreak", _render_softbreak)
_PRE = re.compile(r"(<pre>.*?</pre>)", re.DOTALL)


def markdown_html(text: str, theme: Theme) -> str:
    """Markdown → HTML for QTextDocument (raw HTML in the text is shown, not interpreted)."""
    out = _md.render(text)
    # Qt keeps the newline between "</li>" or "</h1>" and the next tag as a trailing space.
    parts = _PRE.split(out)
    out = "".join(p if i % 2 else p.replace("\n", "") for i, p in enumerate(parts))
    if "<table>" in out:
        out = out.replace(
            "<table>",
            '<table border="1" cellspacing="0" cellpadding="5" '
            f'style="border-collapse:collapse; border-style:solid; '
            f'border-color:{theme.border.name()}; margin-bottom:8px">',
        )
    return out


def code_box_html(
    theme: Theme, language: str, body_html: str, copy_href: str | None, label_html: str = ""
) -> str:
    """A code block: a header row (language, Copy link) above the code, on a subtle background."""
    label = label_html or html.escape(language or "code")
    copy = f'<a href="{copy_href}">Copy</a>' if copy_href else "&nbsp;"
    small = f"font-size:{theme.font.pointSizeF() * 0.82:.1f}pt"
    return (
        f'<table width="100%" cellspacing="0" cellpadding="0" '
        f'style="border-collapse:collapse; margin-top:2px; margin-bottom:10px" '
        f'bgcolor="{theme.code_bg.name()}">'
        f'<tr><td bgcolor="{theme.code_head_bg.name()}" style="padding:3px 10px; {small}; '
        f'color:{theme.dim.name()}">{label}</td>'
        f'<td align="right" bgcolor="{theme.code_head_bg.name()}" '
        f'style="padding:3px 10px; {small}">{copy}</td></tr>'
        f'<tr><td colspan="2" style="padding:8px 10px">'
        f'<pre style="margin:0px; background-color:{theme.code_bg.name()}">{body_html}</pre>'
        f"</td></tr></table>"
    )


def fold_html(theme: Theme, label: str, lines: int, href: str | None) -> str:
    """One line standing for a block of edits: "▸ edit to app.py (9 lines)"; a link unfolds it."""
    text = html.escape(f"▸ {label}")
    link = f'<a href="{href}">{text}</a>' if href else text
    count = f"{lines} line" if lines == 1 else f"{lines} lines"
    return f'<p style="color:{theme.dim.name()}">{link} ({count})</p>'
