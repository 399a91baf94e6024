"""Secrets never leave the process: one redaction function behind every message."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


def test_log_lines_are_redacted(capsys):
    import logging

    from dsdesk.config.log import setup_logging

    setup_logging()
    setup_logging()  # idempotent: one line per record, not two
    logging.getLogger("dsdesk.test").error("request to %s failed", f"https://u:pw9@h/ {KEY}")
    err = capsys.readouterr().err
    assert err.count("request to") == 1
    assert "pw9" not in err and KEY not in err and "sk-…cdef" in err


def test_an_uncaught_exception_is_printed_redacted(tmp_path):
    import os
    import subprocess
    import sys

    code = (
        "from dsdesk.config.log import setup_logging; setup_logging(); "
        f"raise RuntimeError('Authorization: Bearer {KEY} via https://me:s3cret@proxy/')"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, timeout=60
    )
    assert res.returncode == 1
    assert "RuntimeError" in res.stderr and "Traceback" in res.stderr
    assert KEY not in res.stderr and "s3cret" not in res.stderr


def test_exports_mask_a_key_pasted_into_a_prompt(tmp_path):
    from dsdesk.store import Store

    store = Store(tmp_path / "h.sqlite3")
    try:
        c = store.new_conversation(store.project("/p").id).id
        store.add_prompt(c, f"why does {KEY} not work?")
        with store.begin_answer(c) as w:
            w.append(content=f"Never share {KEY}.")
        md = store.export_markdown(c)
        js = json.dumps(store.export_json(c), ensure_ascii=False)
    finally:
        store.close()
    assert KEY not in md and KEY not in js
    assert "sk-…cdef" in md and "sk-…cdef" in js


class _EchoHandler(BaseHTTPRequestHandler):
    """A server that echoes the request's headers back in its error body."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        message = f"bad request; you sent {dict(self.headers)} \x1b[2J\x1b]0;owned\x07"
        body = json.dumps({"error": {"message": message}}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_echoing_server_never_gets_the_key_or_escapes_printed_by_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dsdesk.cli import main

    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", f"http://127.0.0.1:{server.server_port}")
        assert main(["ask", "hello"]) == 3
    finally:
        server.shutdown()
        server.server_close()
    out, err = capsys.readouterr()
    assert "bad request; you sent" in err  # the server's words are shown…
    assert KEY not in out + err and "sk-…cdef" in err  # …without the key
    assert "\x1b" not in err and "\x07" not in err


def test_a_password_in_the_base_url_is_never_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dsdesk.cli import main

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", f"http://alice:hunter2@127.0.0.1:{port}")
    assert main(["ask", "hello"]) == 4
    err = capsys.readouterr().err
    assert "Could not connect" in err and "alice:***@127.0.0.1" in err
    assert "hunter2" not in err
