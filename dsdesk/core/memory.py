"""Keeping the process's memory close to what it uses (glibc only; a no-op elsewhere).

glibc gives each thread that allocates its own malloc arena, up to eight per core, and an arena
seldom shrinks. dsdesk's worker threads (request encoding, file listings, token counts, history
writes) each build and drop megabytes, so a long agent session left ~100 MB of free but
unreturned memory in a dozen arenas (bench/agent_transcript.py: 270 → 393 MB over 300 steps;
two arenas: 258 → 307 MB). Two arenas are plenty for a handful of short-lived workers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["limit_malloc_arenas"]

_M_ARENA_MAX = -8  # from glibc's malloc.h


def limit_malloc_arenas(n: int = 2) -> bool:
    """Cap glibc's malloc arenas; call before threads start. True if it took effect."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, n))
