"""Incremental Server-Sent Events decoder (the subset of the WHATWG spec that matters here).

Bytes arrive in arbitrary pieces: a ``data:`` line, a CRLF pair or a UTF-8 character may be cut
anywhere. The decoder keeps only the unfinished tail between calls, so the work per piece is
proportional to the piece, never to the whole stream. What it holds between calls is bounded:
a line or an event longer than ``max_event`` characters is a malformed stream (``ProtocolError``),
so a server that never ends a line, or never ends an event, cannot fill the memory.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from dsdesk.core.errors import ProtocolError

# The longest line or event accepted. A real chunk is well under a kilobyte; a tool call's
# arguments stream in many chunks; 8 M characters leaves room for anything legitimate.
MAX_EVENT_CHARS = 8 * 1024 * 1024
_GROUP = 1024


@dataclass(frozen=True, slots=True)
class SSEMessage:
    """One dispatched event: its ``data`` (multi-line fields joined with "\\n") and ``event``."""

    data: str
    event: str = "message"


class SSEDecoder:
    """Feed bytes, get complete messages. Comments (``: keep-alive``) are counted, not returned."""

    def __init__(self, max_event: int = MAX_EVENT_CHARS) -> None:
        self.max_event = max_event
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._tail: list[str] = []  # pieces of the unfinished last line
        self._tail_len = 0
        # The pending event's data lines. Every _GROUP of them are joined into one string, so
        # a flood of tiny lines costs characters, not a Python object per line.
        self._data: list[str] = []
        self._groups: list[str] = []
        self._data_len = 0  # characters of the pending event's lines as sent, line ends included
        self._event = ""
        self._has_data = False
        self.comments = 0  # keep-alive comments seen; they must not count as activity

    @property
    def held(self) -> int:
        """Characters held for the unfinished line and event; never above ``max_event``
        between calls."""
        return self._tail_len + self._data_len

    def feed(self, chunk: bytes) -> list[SSEMessage]:
        text = self._utf8.decode(chunk)
        if not text:
            return []
        return self._lines(text)

    def close(self) -> list[SSEMessage]:
        """End of stream: a last event not followed by a blank line is still delivered,
        because servers that skip ``[DONE]`` sometimes skip the final blank line too."""
        text = self._utf8.decode(b"", final=True)
        out = self._lines(text) if text else []
        if self._tail:
            line = "".join(self._tail).rstrip("\r")
            self._tail, self._tail_len = [], 0
            self._line(line, out)
        self._dispatch(out)
        return out

    def _lines(self, text: str) -> list[SSEMessage]:
        if "\n" not in text and "\r" not in text:
            # No line ends here: just remember the piece. Joining only when a line completes
            # keeps a huge single line read in many small pieces linear, not quadratic.
            self._tail.append(text)
            self._tail_len += len(text)
            self._check_held()
            return []
        self._tail.append(text)
        buf = "".join(self._tail)
        if "\r" in buf:
            # A trailing CR may be the first half of a CRLF split across reads: keep it.
            keep_cr = buf.endswith("\r")
            if keep_cr:
                buf = buf[:-1]
            buf = buf.replace("\r\n", "\n").replace("\r", "\n")
            if keep_cr:
                buf += "\r"
        lines = buf.split("\n")
        last = lines.pop()
        self._tail = [last] if last else []
        self._tail_len = len(last)
        out: list[SSEMessage] = []
        for line in lines:
            self._line(line, out)
        self._check_held()
        return out

    def _check_held(self) -> None:
        if self.held > self.max_event:
            line_alone = self._tail_len > self.max_event
            raise self._too_long("stream line" if line_alone else "stream event")

    def _too_long(self, what: str) -> ProtocolError:
        size = self.max_event
        limit = f"{size / 2**20:g} MB" if size >= 2**20 else f"{size:,} characters"
        return ProtocolError(
            f"The server sent a {what} of more than {limit}; the stream is malformed and "
            "was stopped."
        )

    def _line(self, line: str, out: list[SSEMessage]) -> None:
        if len(line) > self.max_event:
            raise self._too_long("stream line")
        if not line:
            self._dispatch(out)
            return
        if line[0] == ":":
            self.comments += 1
            return
        name, sep, value = line.partition(":")
        if sep and value[:1] == " ":
            value = value[1:]
        if name == "data":
            # Lines that never end in a blank line would pile up here: bound the event too,
            # by its size on the wire (field names and line ends included), so a flood of
            # tiny "data: x" lines trips the bound after 8 MB sent, not 32.
            self._data_len += len(line) + (1 if self._has_data else 0)
            if self._data_len > self.max_event:
                raise self._too_long("stream event")
            self._data.append(value)
            if len(self._data) >= _GROUP:
                self._groups.append("\n".join(self._data))
                self._data = []
            self._has_data = True
        elif name == "event":
            self._event = value
        # "id" and "retry" are irrelevant to chat completions; unknown fields are ignored.

    def _dispatch(self, out: list[SSEMessage]) -> None:
        if self._has_data:
            data = "\n".join([*self._groups, *self._data])
            out.append(SSEMessage(data, self._event or "message"))
        self._data = []
        self._groups = []
        self._data_len = 0
        self._event = ""
        self._has_data = False
