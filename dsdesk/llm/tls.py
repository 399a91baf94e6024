"""One TLS context for every client, built once, off the GUI thread.

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
    import httpcore  # noqa: F401  (its HTTP/1.1 machinery is imported on a client's first use)


def warm_up() -> None:
    threading.Thread(target=_warm, name="tls-warm-up", daemon=True).start()
