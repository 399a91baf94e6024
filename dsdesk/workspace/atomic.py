"""Atomic file writes: a temp file in the same folder, fsync, ``os.replace``. Whatever fails —
disk full, permission denied, a crash — the original file is left byte for byte as it was."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from pathlib import Path

from dsdesk.core.errors import EditError

# Tests set this to make a writer pause between the temp write and the replace, to be killed
# there; it is read at call time and does nothing when unset.
_CRASH_HOOK = "DSDESK_TEST_PAUSE_BEFORE_REPLACE"


def atomic_write(path: Path, data: bytes) -> None:
    try:
        st = path.stat()
        mode: int | None = stat.S_IMODE(st.st_mode)
        if not os.access(path, os.W_OK):
            raise EditError(
                f"{path.name} is read-only; it was not changed.",
                reason="write_failed",
                path=str(path),
            )
    except FileNotFoundError:
        mode = None
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".dsdesk-tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        pause = os.environ.get(_CRASH_HOOK)
        if pause:
            print("dsdesk: paused before replace", flush=True)
            time.sleep(float(pause))
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(path.parent)
    except EditError:
        raise
    except OSError as exc:
        raise EditError(
            f"{path.name} could not be written ({exc.strerror or exc}); the original is unchanged.",
            reason="write_failed",
            path=str(path),
        ) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def remove_file(path: Path) -> None:
    try:
        path.unlink()
        _fsync_dir(path.parent)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise EditError(
            f"{path.name} could not be deleted ({exc.strerror or exc}).",
            reason="write_failed",
            path=str(path),
        ) from exc


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, and not fatal.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
