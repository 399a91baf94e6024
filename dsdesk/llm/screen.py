"""Answers that are not the API: redirects, web pages, JSON where a stream was asked for, and
``Retry-After`` headers in whatever form a server writes them.

A captive portal or a wrong base URL answers 200 with a web page, or a redirect to a login page:
neither is a dropped connection, so neither is retried, and the message says what happened.
Only what is clearly not an event stream is refused: servers send ``text/event-stream;
charset=utf-8``, ``text/plain`` or no Content-Type at all for perfectly good streams.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import math
import time

import httpx

from dsdesk.core.errors import ProtocolError, parse_error_body
from dsdesk.core.redact import clean_server_text

__all__ = [
    "MAX_RETRY_AFTER",
    "json_instead_of_stream",
    "looks_like_web_page",
    "media_type",
    "refuse_redirect",
    "retry_after",
    "web_page_error",
]

MAX_RETRY_AFTER = 24 * 3600.0  # longer is not a wait, it is a refusal; the backoff cap applies
WEB_PAGE_TYPES = ("text/html", "application/xhtml+xml")


def media_type(response: httpx.Response) -> str:
    value: str = response.headers.get("content-type", "")
    return value.partition(";")[0].strip().lower()


def is_json(mime: str) -> bool:
    return mime == "application/json" or mime.endswith("+json")


def looks_like_web_page(response: httpx.Response, data: bytes = b"") -> bool:
    if media_type(response) in WEB_PAGE_TYPES:
        return True
    start = data.lstrip()[:15].lower()
    return start.startswith((b"<!doctype html", b"<html"))


def web_page_error(response: httpx.Response) -> ProtocolError:
    base = f"{response.url.scheme}://{response.url.netloc.decode('ascii', 'replace')}"
    return ProtocolError(
        f"The server answered with a web page, not an API response — check the base URL "
        f"({base}). A Wi-Fi login page or a proxy can do this."
    )


def json_instead_of_stream(data: bytes) -> ProtocolError:
    """A 200 with a JSON body on a streamed request: its error message if it has one."""
    try:
        obj = json.loads(data)
    except ValueError:
        obj = None
    if isinstance(obj, dict) and obj.get("error"):
        message, _, _ = parse_error_body(data.decode("utf-8", "replace"))  # cleaned
        return ProtocolError(
            f"The server answered with JSON instead of a stream (server said: {message})."
        )
    return ProtocolError(
        "The server answered with plain JSON instead of an event stream; it may not support "
        "streaming — check the base URL."
    )


async def refuse_redirect(response: httpx.Response) -> None:
    """httpx response hook: a 3xx is refused before httpx reads its Location (httpx raises a
    transport error, retried as a dropped connection, for a Location it cannot parse)."""
    if not 300 <= response.status_code < 400:
        return
    location = clean_server_text(response.headers.get("location", ""))
    target = "nowhere (no Location given)"
    if location:
        try:
            url = response.url.join(location)
            target = f"{url.host}:{url.port}" if url.port else url.host
        except (httpx.InvalidURL, ValueError, TypeError):
            target = "an address that cannot be read"
    # httpx closes the response when a hook raises.
    raise ProtocolError(
        f"The server redirected the request to {clean_server_text(target)} "
        f"(HTTP {response.status_code}); dsdesk does not follow redirects for API calls — "
        "check the base URL."
    )


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), at most a day;
    None when it is absent or cannot be read, so the capped backoff applies. Never raises."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        seconds: float | None = float(value)
    except ValueError:
        seconds = _seconds_until(value)
    if seconds is None or not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _seconds_until(http_date: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(http_date)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return when.timestamp() - time.time()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
