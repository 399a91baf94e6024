"""One TLS context for every client, built once, off the GUI thread (with the imports a client's
first request would do).

Building it reads the whole CA bundle (~100 ms); done lazily by the first client, that would be
a stall of the window at its first request and after every change of server settings. The
window calls ``warm_up()`` at start; a client made before it is done waits for the same one.
"""

from __future__ import annotations

import ssl
import threading

import httpx

__all__ = ["ssl_context", "warm_up"]

_lock = threading.Lock()
_context: ssl.SSLContext | None = None


def ssl_context() -> ssl.SSLContext:
    """The shared context (honours SSL_CERT_FILE / SSL_CERT_DIR, as httpx does by default)."""
    global _context
    with _lock:
        if _context is None:
            _context = httpx.create_ssl_context(trust_env=True)
        return _context


def _warm() -> None:
    ssl_context()
    # Imported on a client's first request, on the GUI thread: httpcore's HTTP/1.1 machinery,
    # and anyio's asyncio backend (its first Event loads it, ~100 ms).
    import anyio._backends._asyncio  # noqa: F401
    import httpcore  # noqa: F401


def warm_up() -> None:
    threading.Thread(target=_warm, name="tls-warm-up", daemon=True).start()
