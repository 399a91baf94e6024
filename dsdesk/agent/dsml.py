"""Catch DSML tool-call markup that a model writes as plain text instead of calling a tool.

V4 sometimes emits its internal tool-call syntax (``<｜DSML｜function_calls>…``) in ``content``
with no ``tool_calls``, split across chunks. Shown as an answer it is gibberish and nothing runs,
so the guard holds back any tail that could be the start of the marker until it can tell, and
swallows everything from the marker on.
"""

from __future__ import annotations

__all__ = ["DSML_MARKER", "DsmlGuard"]

DSML_MARKER = "<｜DSML｜"


class DsmlGuard:
    def __init__(self) -> None:
        self._held = ""
        self.detected = False

    def feed(self, text: str) -> str:
        """The part of ``text`` that is safe to show now."""
        if self.detected:
            return ""
        text = self._held + text
        self._held = ""
        at = text.find(DSML_MARKER)
        if at >= 0:
            self.detected = True
            return text[:at]
        # Hold back the longest suffix that is a prefix of the marker ("<", "<｜", …).
        for n in range(min(len(DSML_MARKER) - 1, len(text)), 0, -1):
            if DSML_MARKER.startswith(text[-n:]):
                self._held = text[-n:]
                return text[:-n]
        return text

    def flush(self) -> str:
        """At the end of the answer: what was held back, if it turned out harmless."""
        held, self._held = self._held, ""
        return "" if self.detected else held
