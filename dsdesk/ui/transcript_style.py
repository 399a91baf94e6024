"""Colours, fonts and document CSS for the transcript, derived from the widget's palette.

Nothing is hard-coded per theme: every colour is a palette role or a blend of two roles, so the
transcript follows light and dark themes. Only the error tint mixes in a fixed red, because no
palette role means "error".
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette

__all__ = ["Theme", "blend"]


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` towards ``b``."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


@dataclass(frozen=True)
class Theme:
    dark: bool
    text: QColor
    base: QColor
    dim: QColor  # meta lines, reasoning, status
    link: QColor
    user_bg: QColor
    user_border: QColor
    code_bg: QColor
    code_head_bg: QColor
    border: QColor
    error_bg: QColor
    error_border: QColor
    font: QFont  # body text of answers
    mono_family: str

    @classmethod
    def from_palette(cls, palette: QPalette, font: QFont) -> Theme:
        dark = palette.window().color().lightness() < 128
        text = palette.text().color()
        base = palette.base().color()
        accent = palette.highlight().color()
        red = QColor(220, 60, 60)
        body = QFont(font)
        # Chat text is read for minutes at a time: never below 10.5 pt.
        body.setPointSizeF(max(font.pointSizeF(), 10.5))
        link = palette.link().color()
        if dark and link.lightness() < 110:  # some dark palettes keep a navy link colour
            link = blend(link, QColor(255, 255, 255), 0.45)
        return cls(
            dark=dark,
            text=text,
            base=base,
            dim=blend(text, base, 0.42),
            link=link,
            user_bg=blend(base, accent, 0.16 if dark else 0.09),
            user_border=blend(base, accent, 0.30 if dark else 0.22),
            code_bg=blend(base, text, 0.07 if dark else 0.045),
            code_head_bg=blend(base, text, 0.12 if dark else 0.085),
            border=blend(base, text, 0.18),
            error_bg=blend(base, red, 0.16 if dark else 0.08),
            error_border=blend(base, red, 0.55),
            font=body,
            mono_family=QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family(),
        )

    @property
    def mono_css(self) -> str:
        return f"font-family:'{self.mono_family}', monospace; font-size:{self.code_pt:.1f}pt"

    @property
    def code_pt(self) -> float:
        return self.font.pointSizeF() * 0.9

    def document_css(self) -> str:
        """Default stylesheet for answer documents (QTextDocument's CSS subset).

        Heading sizes are keywords: Qt gives <h1>..<h6> a relative size adjustment that wins over
        a size in pt, and the keywords set that adjustment (large = 1.2×, x-large = 1.5×).
        """
        pt = self.font.pointSizeF()
        gap = round(pt * 0.8)
        return f"""
p {{ margin-top: 0px; margin-bottom: {gap}px; }}
h1, h2, h3, h4, h5, h6 {{ margin-top: {gap}px; margin-bottom: {gap // 2}px; font-weight: 600; }}
h1 {{ font-size: x-large; }}
h2, h3 {{ font-size: large; }}
h4, h5, h6 {{ font-size: medium; }}
ul, ol {{ margin-top: 0px; margin-bottom: {gap}px; }}
li {{ margin-bottom: 2px; }}
code {{ {self.mono_css}; background-color: {self.code_bg.name()}; }}
pre {{ {self.mono_css}; background-color: {self.code_bg.name()}; margin-top: 0px;
      margin-bottom: {gap}px; white-space: pre-wrap; }}
blockquote {{ margin-left: 14px; margin-top: 0px; margin-bottom: {gap}px;
             color: {self.dim.name()}; }}
a {{ color: {self.link.name()}; text-decoration: none; }}
th {{ font-weight: 600; background-color: {self.code_head_bg.name()}; }}
"""

    def scroll_bar_css(self) -> str:
        """A flat scroll bar for the transcript. Fusion's takes 1.1 ms to paint, and while the
        view follows a growing answer it is painted again with every step (this: 0.02 ms)."""
        handle = blend(self.base, self.text, 0.22)
        hover = blend(self.base, self.text, 0.38)
        return f"""
QScrollBar:vertical {{ background: {self.base.name()}; width: 12px; margin: 0; }}
QScrollBar::handle:vertical {{ background: {handle.name()}; min-height: 32px;
    border-radius: 3px; margin: 2px 3px 2px 3px; }}
QScrollBar::handle:vertical:hover, QScrollBar::handle:vertical:pressed {{
    background: {hover.name()}; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; border: none; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: none; }}
"""
