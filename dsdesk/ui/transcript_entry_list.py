"""The transcript's entries in column order, built ones and parked stand-ins alike, and what is
looked up in them often.

Parking asks where the last prompt is on each of its looks (the last prompt stays built); a scan
from the end through a 500-step agent turn took 1.5 ms, so the index is kept as entries are added
and only looked for again after entries were added above or removed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from dsdesk.ui.transcript_messages import ActionRow, AnswerMessage, ErrorBox, UserMessage
from dsdesk.ui.transcript_park import Parked

__all__ = ["Entry", "EntryList"]

Entry = UserMessage | AnswerMessage | ErrorBox | ActionRow | Parked
_UNKNOWN = -1  # the last prompt's index is to be looked for again


class EntryList(list[Entry]):
    def __init__(self) -> None:
        super().__init__()
        self._last_prompt: int | None = None

    def add(self, entry: Entry, at: int | None = None) -> int:
        """``entry`` at index ``at`` (None: at the end); its index."""
        if at is None:
            self.append(entry)
            if isinstance(entry, UserMessage):
                self._last_prompt = len(self) - 1
            return len(self) - 1
        self.insert(at, entry)
        self._last_prompt = _UNKNOWN
        return at

    def take_first(self) -> Entry:
        self._last_prompt = _UNKNOWN
        return self.pop(0)

    def clear(self) -> None:
        super().clear()
        self._last_prompt = None

    def last_prompt(self) -> int | None:
        """Where the last prompt is, built or parked."""
        if self._last_prompt == _UNKNOWN:
            self._last_prompt = next(
                (i for i in range(len(self) - 1, -1, -1) if _is_prompt(self[i])), None
            )
        return self._last_prompt

    def find_message(
        self, message_id: int, build: Callable[[int], QWidget]
    ) -> UserMessage | AnswerMessage | None:
        """The entry showing a stored message (``build(index)`` builds it if it is parked)."""
        for i, e in enumerate(self):
            entry: QWidget = e
            if isinstance(e, Parked) and e.state.ref_id == message_id:
                entry = build(i)
            if isinstance(entry, UserMessage | AnswerMessage):
                ref = entry.ref
                if ref is not None and ref.id == message_id:
                    return entry
        return None


def _is_prompt(entry: QWidget) -> bool:
    parked_prompt = isinstance(entry, Parked) and entry.state.kind == "user"
    return parked_prompt or isinstance(entry, UserMessage)
