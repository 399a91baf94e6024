"""Secrets never leave the process: one redaction function behind every message."""

from __future__ import annotations

import pytest

from dsdesk.core.errors import ConnectError, api_error_from_response, parse_error_body
from dsdesk.core.redact import clean_server_text, forget_secrets, redact, remember_secret

KEY = "sk-0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _clean_secrets():
    forget_secrets()
    yield
    forget_secrets()


def test_a_known_key_is_masked_wherever_it_appears():
    remember_secret("custom-token-without-prefix-12345")
    out = redact("sent custom-token-without-prefix-12345 twice: custom-token-without-prefix-12345")
    assert "custom-token-without-prefix-12345" not in out
    assert out.count("cus…2345") == 2


def test_bearer_headers_and_sk_keys_are_masked_even_when_unknown():
    out = redact(f"echo: Authorization: Bearer {KEY}\nkey={KEY}")
    assert KEY not in out
    assert "sk-…cdef" in out


def test_url_userinfo_loses_its_password_but_keeps_the_user():
    out = redact("Could not connect to https://alice:hunter2@proxy.example:8443/v1: refused")
    assert "hunter2" not in out
    assert "https://alice:***@proxy.example:8443/v1" in out


def test_plain_text_is_left_alone():
    text = "The server is having trouble (HTTP 503). Try again shortly: sk-demo"
    assert redact(text) == text


def test_every_error_message_is_redacted_at_construction():
    err = ConnectError(f"Could not connect to http://u:p4ss@h/: Bearer {KEY}")
    assert "p4ss" not in err.user_message and KEY not in err.user_message
    assert "p4ss" not in str(err) and KEY not in str(err)


def test_an_echoing_server_does_not_get_the_key_printed():
    remember_secret(KEY)
    body = '{"error": {"message": "bad header Authorization: Bearer ' + KEY + '"}}'
    err = api_error_from_response(400, body)
    assert KEY not in err.user_message and KEY not in err.server_message


def test_server_text_loses_escape_sequences_and_control_characters():
    evil = "bad\x1b[2J\x1b[31mred\x1b[0m\x1b]0;pwned\x07 end\x00\x08\r\ttab\nline"
    out = clean_server_text(evil)
    assert "\x1b" not in out and "\x00" not in out and "\x08" not in out and "\r" not in out
    assert out == "badred end\ttab\nline"
    msg, _, _ = parse_error_body('{"error": {"message": "\\u001b[2Jcleared"}}')
    assert msg == "cleared"
