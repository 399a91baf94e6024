"""The one exception tree of dsdesk. Every error carries a plain-language ``user_message``.

HTTP statuses and OS/transport failures are mapped into these classes at the I/O boundary
(``dsdesk.llm``, ``dsdesk.workspace``); the UI and the CLI only ever see ``DsdeskError``.

    DsdeskError
    ├── ConfigError                  missing key, bad setting
    ├── ApiError                     the server answered with an error status
    │   ├── BadRequestError          400
    │   │   ├── ContextOverflowError 400 "maximum context length"
    │   │   └── ModelNotFoundError   400 "Model Not Exist"
    │   ├── AuthenticationError      401
    │   ├── InsufficientBalanceError 402
    │   ├── InvalidParameterError    422
    │   ├── RateLimitError           429  (retryable)
    │   └── ServerError              5xx  (retryable)
    ├── NetworkError                 no answer, or the answer broke off
    │   ├── ConnectError             (retryable)
    │   ├── IdleTimeoutError         nothing but keep-alives for too long
    │   ├── StreamTimeoutError       the wall-clock ceiling was reached
    │   └── IncompleteStreamError    the connection closed before the answer finished
    ├── ProtocolError                the server sent something that is not the API
    └── EditError                    an edit could not be planned, written or undone
"""

from __future__ import annotations

import enum
import json
import re
from typing import Any

from dsdesk.core.redact import clean_server_text, redact

DEEPSEEK_TOP_UP_URL = "platform.deepseek.com"


class DsdeskError(Exception):
    """Base of every error dsdesk raises on purpose."""

    retryable = False

    def __init__(self, user_message: str) -> None:
        # Every message shown or printed is built here: secrets never get past this point.
        user_message = redact(user_message)
        super().__init__(user_message)
        self.user_message = user_message


class ConfigError(DsdeskError):
    """A setting is missing or wrong (for example, no API key)."""


class ApiError(DsdeskError):
    """The server answered with an HTTP error status."""

    def __init__(
        self,
        user_message: str,
        *,
        status: int,
        server_message: str = "",
        error_type: str = "",
        code: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(user_message)
        self.status = status
        self.server_message = server_message
        self.error_type = error_type
        self.code = code
        self.retry_after = retry_after


class BadRequestError(ApiError):
    """400: the request was malformed (never retried)."""


class ContextOverflowError(BadRequestError):
    """400: the prompt plus ``max_tokens`` exceed the model's context window."""

    def __init__(
        self, user_message: str, *, requested: int | None, limit: int | None, **kw: Any
    ) -> None:
        super().__init__(user_message, **kw)
        self.requested = requested
        self.limit = limit


class ModelNotFoundError(BadRequestError):
    """400: the model id is unknown to this server."""


class AuthenticationError(ApiError):
    """401: the API key is missing or wrong."""


class InsufficientBalanceError(ApiError):
    """402: the account has no balance left."""


class InvalidParameterError(ApiError):
    """422: a request parameter has an invalid value."""


class RateLimitError(ApiError):
    """429: too many requests or tokens at once."""

    retryable = True


class ServerError(ApiError):
    """5xx: trouble on the server side."""

    retryable = True


class NetworkError(DsdeskError):
    """The server could not be reached, or the connection broke."""


class ConnectError(NetworkError):
    """No connection could be made (DNS, refused, TLS, connect timeout)."""

    retryable = True


class IdleTimeoutError(NetworkError):
    """Nothing but keep-alive comments arrived for longer than the idle timeout."""


class StreamTimeoutError(NetworkError):
    """The answer took longer than the wall-clock ceiling."""


class IncompleteStreamError(NetworkError):
    """The connection ended before the server said the answer was finished. Retried only when
    nothing had been output yet (the client checks that)."""

    retryable = True


class ProtocolError(DsdeskError):
    """The server sent data that is not a valid chat completion stream."""


_OVERFLOW = re.compile(
    r"maximum context length is (\d+) tokens.*?requested (\d+) tokens", re.IGNORECASE | re.DOTALL
)


def parse_error_body(body: str) -> tuple[str, str, str]:
    """Return (message, type, code) from an ``{"error": {...}}`` body, or the raw text; all
    three cleaned of escape sequences and secrets, since a server wrote them."""
    message, etype, code = _parse_error_body(body)
    return clean_server_text(message)[:2000], clean_server_text(etype), clean_server_text(code)


def _parse_error_body(body: str) -> tuple[str, str, str]:
    try:
        obj = json.loads(body)
    except ValueError:
        return body.strip()[:500], "", ""
    err = obj.get("error") if isinstance(obj, dict) else None
    if isinstance(err, dict):
        return str(err.get("message") or ""), str(err.get("type") or ""), str(err.get("code") or "")
    if isinstance(err, str):
        return err, "", ""
    if isinstance(obj, dict) and isinstance(obj.get("message"), str):
        return obj["message"], "", ""
    return body.strip()[:500], "", ""


def api_error_from_response(status: int, body: str, retry_after: float | None = None) -> ApiError:
    """Map an HTTP error status and its body to the exception the user should see."""
    message, etype, code = parse_error_body(body)
    kw: dict[str, Any] = {
        "status": status,
        "server_message": message,
        "error_type": etype,
        "code": code,
        "retry_after": retry_after,
    }
    said = f" (server said: {message})" if message else ""
    if status == 400:
        m = _OVERFLOW.search(message)
        if m:
            limit, requested = int(m.group(1)), int(m.group(2))
            return ContextOverflowError(
                f"The request is too long for the model: {requested:,} tokens were sent "
                f"(prompt plus max output) but the limit is {limit:,}. Remove some files from "
                "the context or lower the max output tokens.",
                requested=requested,
                limit=limit,
                **kw,
            )
        if "model not exist" in message.lower() or "model_not_found" in code:
            return ModelNotFoundError(
                f"The server does not know this model{said}. Pick another model.", **kw
            )
        return BadRequestError(f"The server rejected the request (HTTP 400){said}.", **kw)
    if status == 401:
        return AuthenticationError(
            "The API key was rejected (HTTP 401). Check the key in Settings or "
            f"DEEPSEEK_API_KEY{said}.",
            **kw,
        )
    if status == 402:
        return InsufficientBalanceError(
            f"Your DeepSeek balance is used up — top up at {DEEPSEEK_TOP_UP_URL} (HTTP 402).",
            **kw,
        )
    if status == 422:
        return InvalidParameterError(f"A request parameter is invalid (HTTP 422){said}.", **kw)
    if status == 429:
        wait = f" Retry in {retry_after:g} s." if retry_after else ""
        return RateLimitError(f"Rate limit reached (HTTP 429){said}.{wait}", **kw)
    if status >= 500:
        return ServerError(
            f"The server is having trouble (HTTP {status}){said}. Try again shortly.", **kw
        )
    return ApiError(f"The server answered HTTP {status}{said}.", **kw)


class EditError(DsdeskError):
    """An edit could not be planned, written or undone; nothing was lost. ``reason`` is one of
    the FailReason values of ``dsdesk.core.edits_match``."""

    def __init__(self, user_message: str, *, reason: str, path: str = "") -> None:
        super().__init__(user_message)
        self.reason = reason
        self.path = path


class FailureKind(enum.StrEnum):
    """What the user can do about a failure: fix the key, top up, fix a setting, check the
    network, or read the server's message."""

    AUTH = "auth"
    BALANCE = "balance"
    CONFIG = "config"
    NETWORK = "network"
    API = "api"


def failure_kind(exc: DsdeskError) -> FailureKind:
    if isinstance(exc, AuthenticationError):
        return FailureKind.AUTH
    if isinstance(exc, InsufficientBalanceError):
        return FailureKind.BALANCE
    if isinstance(exc, ConfigError):
        return FailureKind.CONFIG
    if isinstance(exc, NetworkError):
        return FailureKind.NETWORK
    return FailureKind.API
