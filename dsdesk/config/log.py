"""Where log lines and crash reports go, with secrets masked on the way out.

Python's default hooks print ``str(exc)`` of whatever failed; an httpx error carries the URL
(with a ``user:password@`` if the base URL has one) and a server's echo may carry our key.
Both the log handler and the last-chance exception hook pass their text through ``redact``.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from dsdesk.core.redact import redact

__all__ = ["RedactingFormatter", "setup_logging"]


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now (it may be replaced after set-up)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output (message, arguments, traceback) is redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, exc, tb))))


def setup_logging(level: int = logging.WARNING) -> None:
    """Log to stderr through the redacting formatter; uncaught exceptions are redacted too.
    Idempotent: a second call does not add a second handler."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, RedactingFormatter) for h in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(RedactingFormatter("dsdesk: %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
        root.setLevel(level)
    if sys.excepthook is sys.__excepthook__:  # leave a test runner's own hook alone
        sys.excepthook = _excepthook
