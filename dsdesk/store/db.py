"""The database file: one for all projects, WAL mode, one connection per thread.

Connections are in autocommit mode; every read and write goes through :meth:`Database.read` or
:meth:`Database.transaction`, which give it a transaction and map ``sqlite3.Error`` into
:class:`~dsdesk.store.records.StoreError`. ``synchronous=NORMAL`` in WAL mode keeps every committed
transaction through a crash or kill of the process (a power cut may lose the last ones).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import platformdirs

from dsdesk.store.records import StoreError
from dsdesk.store.schema import migrate

DB_NAME = "history.sqlite3"
BUSY_TIMEOUT_MS = 5000
CHECKPOINT_EVERY = 100  # commits between two checkpoints of the WAL into the database file
FALLBACK_CHECKPOINT_PAGES = 10_000  # ~40 MB of WAL: then a commit checkpoints, as SQLite would
RETRY_S = 0.25  # a checkpoint that could not copy everything (writes went on) tries again


def default_db_path() -> Path:
    """``history.sqlite3`` in the platform data dir (``$DSDESK_HOME/data`` when that is set)."""
    home = os.environ.get("DSDESK_HOME")
    base = Path(home) / "data" if home else Path(platformdirs.user_data_dir("dsdesk", False))
    return base / DB_NAME


def _user_message(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "The conversation history is busy (another dsdesk is writing to it). Try again."
    if "malformed" in text or "not a database" in text:
        return (
            "The conversation history file is damaged. dsdesk keeps a copy from before each "
            "upgrade next to it (history.sqlite3.bak-v…)."
        )
    return f"The conversation history could not be read or written ({text})."


@contextlib.contextmanager
def mapped_errors() -> Iterator[None]:
    """Turn ``sqlite3.Error`` into :class:`StoreError` (the I/O boundary of the store)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(_user_message(exc)) from exc


class Database:
    """Hands each thread its own connection to ``path`` (created, and migrated, on open)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._closed = False
        self._commits = 0
        self._checkpoints = _Checkpointer(self)
        with mapped_errors():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.migrated_from = migrate(self.connection(), path)
            except BaseException:
                self.close()
                raise

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreError("The conversation history is closed.")
            with mapped_errors():
                conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,
            check_same_thread=False,  # only so that close() may close them all
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreError(f"The conversation history cannot use WAL mode (got {mode}).")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # No checkpoint inside a commit: copying the WAL back (~5 ms per 100 commits, 70 ms
            # for a long agent turn's) would stall the GUI thread that recorded the turn. The
            # checkpointer thread does it; commits do only if it has fallen far behind.
            conn.execute(f"PRAGMA wal_autocheckpoint = {FALLBACK_CHECKPOINT_PAGES:d}")
        except BaseException:
            conn.close()
            raise
        return conn

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``); nested calls join the outer one."""
        conn = self.connection()
        with mapped_errors():
            if conn.in_transaction:
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
                self._committed()
            except BaseException:
                if conn.in_transaction:  # also when COMMIT itself failed: never leave one open
                    conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot for several queries."""
        conn = self.connection()
        with mapped_errors():
            if conn.in_transaction:
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")  # nothing was written: just end the snapshot

    def _committed(self) -> None:
        with self._lock:
            self._commits += 1
            due = self._commits % CHECKPOINT_EVERY == 0
        if due:
            self._checkpoints.request()

    @property
    def checkpoints_done(self) -> int:
        return self._checkpoints.done

    def close(self) -> None:
        """Close every thread's connection (call once no other thread uses the store). The
        last one closed checkpoints what is left of the WAL."""
        self._checkpoints.stop()
        with self._lock:
            conns, self._all = self._all, []
            self._closed = True
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA optimize")
            conn.close()
        self._local = threading.local()


class _Checkpointer:
    """Copies the WAL back into the database file in its own thread (a PASSIVE checkpoint:
    writers and readers go on meanwhile), when asked after every ``CHECKPOINT_EVERY`` commits.
    One that could not copy every frame (writes went on) is tried again until it has: only a
    complete one lets the next commit start the WAL over from its beginning."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.done = 0  # complete checkpoints

    def request(self) -> None:
        with self._lock:
            if self._stopping:
                return
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="history-checkpoint", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(30)

    def _run(self) -> None:
        behind = False
        while True:
            self._wake.wait(RETRY_S if behind else None)
            self._wake.clear()
            if self._stopping:
                return
            behind = True
            # Best effort: a failed checkpoint leaves the WAL longer, nothing is lost, and the
            # next one (or closing) catches up.
            with contextlib.suppress(sqlite3.Error):
                behind = not self._checkpoint()
                self.done += not behind

    def _checkpoint(self) -> bool:
        """One checkpoint; True if it copied every frame. On a connection of its own, closed
        after: a connection kept open here kept a read mark on the WAL, which then never
        started over."""
        conn = sqlite3.connect(self._db.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            [(busy, frames, copied)] = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            conn.close()
        return not busy and copied >= frames
