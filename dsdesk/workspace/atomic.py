"""Atomic file writes: a temp file in the same folder, flush + fsync, ``os.replace``, then an
fsync of the folder where the platform allows it. Whatever fails — disk full, permission denied,
the process killed half-way — the original file stays byte for byte as it was and no temp file
is left behind (a kill leaves one hidden ``.NAME.*.dsdesk-tmp`` at worst, never a torn file; the
next apply or undo in that folder removes it: ``remove_stale_temps``).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from pathlib import Path

from dsdesk.core.errors import EditError

__all__ = [
    "TEMP_SUFFIX",
    "atomic_write",
    "make_parents",
    "remove_empty_dirs",
    "remove_file",
    "remove_stale_temps",
]

TEMP_SUFFIX = ".dsdesk-tmp"
# Exactly what _create_temp names: ".", the file's name (at most 100 characters), ".", 8
# lowercase hex digits, the suffix. Nothing else is ever taken for a temp file.
_TEMP_NAME = re.compile(r"\.([^/\x00]{1,100})\.[0-9a-f]{8}" + re.escape(TEMP_SUFFIX))
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


def _fail(name: str, exc: OSError, what: str = "written") -> EditError:
    why = exc.strerror or str(exc)
    return EditError(
        f"{name} could not be {what} ({why}); nothing was changed.",
        reason="write_failed",
        path=name,
    )


def _create_temp(folder: Path, name: str, perms: int) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY
    for _ in range(100):
        tmp = folder / f".{name[:100]}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:
            return tmp, os.open(tmp, flags, perms)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temp file name in {folder}")


def atomic_write(path: Path, data: bytes, *, mode: int | None = None, rel: str = "") -> None:
    """Replace (or create) ``path`` with ``data``. A symlink is written through to its target.
    The file keeps its permission bits (and owner, when running as root); ``mode`` sets them
    instead; a new file gets the usual ``0o666 & ~umask``. A read-only file (no write permission,
    or no write bit at all) is refused. EditError ``write_failed`` on any failure."""
    path = Path(os.path.realpath(path))
    name = rel or path.name
    try:
        st: os.stat_result | None = path.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _fail(name, exc) from exc
    if st is not None:
        if not stat.S_ISREG(st.st_mode):
            raise EditError(
                f"{name} is not a regular file; it was not changed.",
                reason="write_failed",
                path=name,
            )
        # Root may write anything; the write bits still say the user wants it left alone.
        if not os.access(path, os.W_OK) or not st.st_mode & 0o222:
            raise EditError(
                f"{name} is read-only (permission denied); it was not changed.",
                reason="write_failed",
                path=name,
            )
    keep = mode if mode is not None else (stat.S_IMODE(st.st_mode) if st is not None else None)
    tmp: Path | None = None
    fd = -1
    try:
        # A new file is created 0o666 so the umask decides, as for any new file; otherwise 0o600
        # until the final mode is set, so a private file is never readable through its temp.
        tmp, fd = _create_temp(path.parent, path.name, 0o666 if keep is None else 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        if st is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
            with contextlib.suppress(OSError):
                os.chown(tmp, st.st_uid, st.st_gid)
        if keep is not None:  # after chown, which clears the setuid/setgid bits
            os.chmod(tmp, keep)
        os.replace(tmp, path)
        tmp = None
        fsync_dir(path.parent)
    except OSError as exc:
        raise _fail(name, exc) from exc
    finally:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def remove_file(path: Path, *, rel: str = "") -> None:
    """Delete ``path`` (gone already is fine). EditError ``write_failed`` on failure."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _fail(rel or path.name, exc, "deleted") from exc
    fsync_dir(path.parent)


def make_parents(path: Path, stop: Path) -> list[Path]:
    """Create the missing folders above ``path`` (not above ``stop``); return those created,
    outermost first, so they can be removed again on undo. EditError on failure."""
    missing: list[Path] = []
    folder = path.parent
    while folder != stop and stop in folder.parents and not folder.exists():
        missing.append(folder)
        folder = folder.parent
    missing.reverse()
    created: list[Path] = []
    for folder in missing:
        try:
            folder.mkdir()
        except FileExistsError:
            continue  # another writer made it meanwhile
        except OSError as exc:
            remove_empty_dirs(created)
            raise _fail(path.name, exc) from exc
        created.append(folder)
    return created


def remove_stale_temps(folder: Path) -> None:
    """Delete the temp files a killed writer left in ``folder``: regular files named exactly as
    ``atomic_write`` names them; never fails. Call it holding the project's journal lock, so no
    other dsdesk writer on the project is half-way through a write there."""
    try:
        it = os.scandir(folder)
    except OSError:
        return
    with it:
        for entry in it:
            found = _TEMP_NAME.fullmatch(entry.name)
            if (
                found is not None
                and found.group(1) not in (".", "..")  # no file has these names
                and entry.is_file(follow_symlinks=False)
            ):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def remove_empty_dirs(folders: list[Path]) -> None:
    """Remove these folders, innermost first, where they are empty; never fails."""
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()


def fsync_dir(folder: Path) -> None:
    """Make a rename or delete in ``folder`` durable. Windows cannot open a folder; not fatal."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
