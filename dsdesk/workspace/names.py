"""File names as the OS gives them, and as they can be shown.

On POSIX a name is bytes; Python keeps bytes that are not UTF-8 as lone surrogates (PEP 383), so
such a name still opens, but UTF-8 output refuses it and Qt silently drops those characters (then
"bad\\xff.py" would show, and open, as "bad.py"). Whatever shows or sends a name checks here.
"""

from __future__ import annotations

import errno
import os

__all__ = ["is_symlink_loop", "is_utf8", "shown"]


def is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(name: str) -> str:
    """``name`` printable anywhere: bytes that are not UTF-8 as ``\\xNN`` (as git quotes them)."""
    if is_utf8(name):
        return name
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def is_symlink_loop(path: str | os.PathLike[str]) -> bool:
    """Whether following ``path`` goes round in circles (``a -> b -> a``, or ``a -> a``)."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False
