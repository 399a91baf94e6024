"""Who else has the database open: a lock file next to it, ``<database>.lock``.

Each open :class:`~dsdesk.store.store.Store` holds a *shared* lock on the lock file for its
lifetime. On open it first tries, without waiting, an *exclusive* lock: getting it proves that no
other store — in another process or in this one — has the database open, so the answers still
``streaming`` were cut off by a crash and may be recovered. The store recovers while it holds the
exclusive lock (nobody can open and start an answer meanwhile), then downgrades to shared. Not
getting it means another store is alive and its ``streaming`` answers may be live: recovery is
skipped (they are recovered by the next store that opens alone).

The locks belong to an open file (``flock``: per open file description; ``LockFileEx``: per handle)
and not to a process, so two stores in one process exclude each other just like two processes; a
killed process loses its lock with its files. The file descriptor is not inherited by programs
this process starts. The downgrade is "unlock, then lock shared" (also what ``flock`` does): in
between, another store may get the exclusive lock and recover — harmless, as this one is still
opening and has no answer streaming yet. The lock file is never deleted (two stores could otherwise
lock two different files of the same name).

POSIX: ``fcntl.flock``. Windows has no ``flock``; ``LockFileEx`` on the file's first byte gives the
same shared and exclusive locks (through ``ctypes``, as ``msvcrt.locking`` only has exclusive ones).
Where the file system cannot lock at all (an ``OSError`` other than a conflict), the store works as
it did before locks: it counts as alone and recovers, and holds no lock.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

from dsdesk.store.records import StoreError

SHARED_WAIT = 30.0  # seconds to wait for an opening store to finish its recovery

if sys.platform == "win32":
    import ctypes
    import msvcrt
    from ctypes import wintypes

    class _Overlapped(ctypes.Structure):
        # OVERLAPPED: the union of (Offset, OffsetHigh) and Pointer is written as its first member
        _fields_ = [
            ("Internal", ctypes.c_void_p),
            ("InternalHigh", ctypes.c_void_p),
            ("Offset", wintypes.DWORD),
            ("OffsetHigh", wintypes.DWORD),
            ("hEvent", wintypes.HANDLE),
        ]

    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    _LockFileEx = _kernel32.LockFileEx
    _LockFileEx.argtypes = [
        wintypes.HANDLE,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.DWORD,
        ctypes.POINTER(_Overlapped),
    ]
    _LockFileEx.restype = wintypes.BOOL
    _UnlockFileEx = _kernel32.UnlockFileEx
    _UnlockFileEx.argtypes = [
        wintypes.HANDLE,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.DWORD,
        ctypes.POINTER(_Overlapped),
    ]
    _UnlockFileEx.restype = wintypes.BOOL
    _LOCKFILE_FAIL_IMMEDIATELY = 0x1
    _LOCKFILE_EXCLUSIVE_LOCK = 0x2
    _ERROR_LOCK_VIOLATION = 33

    def _try_lock(fd: int, exclusive: bool) -> bool:
        """Lock byte 0 without waiting; False if another handle holds a conflicting lock."""
        flags = _LOCKFILE_FAIL_IMMEDIATELY | (_LOCKFILE_EXCLUSIVE_LOCK if exclusive else 0)
        if _LockFileEx(msvcrt.get_osfhandle(fd), flags, 0, 1, 0, ctypes.byref(_Overlapped())):
            return True
        err = ctypes.get_last_error()
        if err == _ERROR_LOCK_VIOLATION:
            return False
        raise ctypes.WinError(err)

    def _unlock(fd: int) -> None:
        if not _UnlockFileEx(msvcrt.get_osfhandle(fd), 0, 1, 0, ctypes.byref(_Overlapped())):
            raise ctypes.WinError(ctypes.get_last_error())

else:
    import fcntl

    def _try_lock(fd: int, exclusive: bool) -> bool:
        """Lock without waiting; False if another open file holds a conflicting lock."""
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


class InstanceLock:
    """The lock of one open store: exclusive (``sole``) or shared after opening, until released.

    ``sole`` tells whether no other store had the database open when this one tried.
    """

    def __init__(self, path: Path, *, wait: float | None = None) -> None:
        self.path = path
        self._wait = SHARED_WAIT if wait is None else wait
        self._fd = -1
        self.exclusive = False
        self.sole = True
        fd = self._open(path)
        if fd < 0:  # no lock file can be made here: behave as before locks existed
            return
        self._fd = fd
        try:
            self.sole = self.exclusive = _try_lock(fd, exclusive=True)
        except OSError:  # the file system cannot lock: behave as before locks existed
            self._close_fd()
            return
        try:
            if not self.sole:
                # Another store is open: its answers may be streaming, so this one must not
                # take itself for the only one, whatever goes wrong now.
                self._lock_shared()
        except OSError:
            self._close_fd()
        except BaseException:
            self._close_fd()
            raise

    @staticmethod
    def _open(path: Path) -> int:
        """The lock file's descriptor (read-only if it cannot be written: flock works on any
        descriptor), or -1 if it cannot be opened at all. Not inherited by children (PEP 446)."""
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
        for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
            try:
                return os.open(path, flags, 0o600)
            except OSError:
                continue
        return -1

    @property
    def held(self) -> bool:
        return self._fd >= 0

    def share(self) -> None:
        """Downgrade the exclusive lock taken on open to a shared one (no-op if shared)."""
        if not self.exclusive:
            return
        try:
            _unlock(self._fd)
            self.exclusive = False
            self._lock_shared()
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        """Unlock and close the lock file. Idempotent."""
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            _unlock(self._fd)  # closing unlocks too, but on Windows maybe not at once
        self._close_fd()
        self.exclusive = False

    def _close_fd(self) -> None:
        fd, self._fd = self._fd, -1
        with contextlib.suppress(OSError):
            os.close(fd)

    def _lock_shared(self) -> None:
        """Wait (up to ``wait`` seconds) while another store opening alone holds the lock."""
        deadline = time.monotonic() + self._wait
        delay = 0.005
        while not _try_lock(self._fd, exclusive=False):
            if time.monotonic() >= deadline:
                raise StoreError(
                    "The conversation history is busy (another dsdesk is opening it). Try again."
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.1)
