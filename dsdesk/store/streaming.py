"""Writing an answer while it streams, so that a crash or kill keeps what had arrived.

A :class:`StreamWriter` keeps deltas in lists (never ``s += delta``) and appends them to the
message row at most every ``interval`` seconds — on :meth:`~StreamWriter.append` when the interval
has passed, on :meth:`~StreamWriter.flush_if_due` (call it from a ~1 s timer so that a stalled
stream is written too), on :meth:`~StreamWriter.flush`, and on :meth:`~StreamWriter.finish`.
Each write is one committed transaction appending only the new text (``content || ?``).

The row has status ``streaming`` until ``finish`` sets ``done``, ``stopped`` or ``error``. A row
still ``streaming`` when a store opens with no other store open (``Store.sole_instance``, see
:mod:`dsdesk.store.lock`) was cut off by a crash: :func:`recover_interrupted` marks it
``interrupted`` (its text is kept and it becomes searchable).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from types import TracebackType

from dsdesk.core.events import Usage
from dsdesk.core.messages import ToolCallRecord
from dsdesk.store.db import Database
from dsdesk.store.records import (
    FINAL_STATUSES,
    Status,
    StoreError,
    calls_to_json,
    usage_to_json,
)

DEFAULT_INTERVAL = 1.0  # seconds between writes while streaming


def recover_interrupted(conn: sqlite3.Connection, now: float) -> int:
    """Mark messages left ``streaming`` by a process that died as ``interrupted``."""
    cur = conn.execute(
        "UPDATE messages SET status = 'interrupted', updated_at = ? WHERE status = 'streaming'",
        (now,),
    )
    return cur.rowcount


class StreamWriter:
    """Persists one streaming assistant message. Use one per answer, from one thread.

    As a context manager it finishes the message on exit if the code did not: ``done`` on a
    normal exit, ``stopped`` on cancellation (``BaseException`` such as ``CancelledError`` or
    ``KeyboardInterrupt``), ``error`` (with the exception text) on any other exception.
    """

    def __init__(
        self,
        db: Database,
        message_id: int,
        conversation_id: int,
        *,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.message_id = message_id
        self.conversation_id = conversation_id
        self.interval = interval
        self.status: Status = "streaming"
        self.flush_error: StoreError | None = None  # last failed timed write (retried later)
        self.writes = 0  # committed writes, for tests and diagnostics
        self._db = db
        self._clock = clock
        self._monotonic = monotonic
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._last_write = monotonic()

    @property
    def pending(self) -> bool:
        return bool(self._content or self._reasoning)

    def append(self, content: str = "", reasoning: str = "") -> None:
        """Add a delta of the answer and/or of its reasoning; writes if the interval has passed."""
        if self.status != "streaming":
            raise StoreError("This answer is finished; nothing more can be added to it.")
        if content:
            self._content.append(content)
        if reasoning:
            self._reasoning.append(reasoning)
        self.flush_if_due()

    def flush_if_due(self) -> bool:
        """Write pending text if ``interval`` has passed since the last write. A failure (the
        database busy, the disk full) is kept in ``flush_error`` and retried on the next call."""
        if not self.pending or self._monotonic() - self._last_write < self.interval:
            return False
        try:
            self.flush()
        except StoreError as exc:
            self.flush_error = exc
            self._last_write = self._monotonic()
            return False
        return True

    def flush(self) -> None:
        """Write pending text now."""
        if self.status != "streaming":
            return
        if self.pending:
            with self._db.transaction() as conn:
                self._append_pending(conn)
            self._committed()
        self._last_write = self._monotonic()

    def finish(
        self,
        status: Status = "done",
        *,
        finish_reason: str | None = None,
        usage: Usage | None = None,
        error: str | None = None,
    ) -> None:
        """Write what is pending and the final status, in one transaction. Idempotent."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"not a final status: {status!r}")
        if self.status != "streaming":
            return
        now = self._clock()
        with self._db.transaction() as conn:
            self._append_pending(conn)
            conn.execute(
                "UPDATE messages SET status = ?, finish_reason = ?, usage = ?, error = ?,"
                " updated_at = ? WHERE id = ?",
                (status, finish_reason, usage_to_json(usage), error, now, self.message_id),
            )
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?",
                (now, self.conversation_id),
            )
        self._committed()
        self.status = status

    def finish_tool_calls(
        self,
        content: str,
        reasoning: str | None,
        tool_calls: tuple[ToolCallRecord, ...],
        *,
        usage: Usage | None = None,
    ) -> None:
        """End a round that made tool calls: the message becomes exactly the assistant turn the
        API will see again (its text, reasoning and calls replace what streamed), ``done`` with
        finish reason ``tool_calls``, in one transaction."""
        if self.status != "streaming":
            raise StoreError("This answer is finished; its tool calls cannot be added.")
        now = self._clock()
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE messages SET content = ?, reasoning = ?, tool_calls = ?, status = 'done',"
                " finish_reason = 'tool_calls', usage = ?, updated_at = ? WHERE id = ?",
                (
                    content,
                    reasoning,
                    calls_to_json(tool_calls),
                    usage_to_json(usage),
                    now,
                    self.message_id,
                ),
            )
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?",
                (now, self.conversation_id),
            )
        self._committed()
        self.status = "done"

    def _append_pending(self, conn: sqlite3.Connection) -> None:
        if not self.pending:
            return
        content = "".join(self._content)
        reasoning = "".join(self._reasoning)
        conn.execute(
            "UPDATE messages SET content = content || ?,"
            " reasoning = CASE WHEN ? = '' THEN reasoning ELSE coalesce(reasoning, '') || ? END,"
            " updated_at = ? WHERE id = ?",
            (content, reasoning, reasoning, self._clock(), self.message_id),
        )

    def _committed(self) -> None:
        self._content.clear()
        self._reasoning.clear()
        self.flush_error = None
        self.writes += 1

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.status != "streaming":
            return
        if exc is None:
            self.finish("done")
        elif isinstance(exc, Exception):
            self.finish("error", error=str(exc) or type(exc).__name__)
        else:
            self.finish("stopped")
