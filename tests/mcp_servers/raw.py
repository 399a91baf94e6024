"""A hand-written MCP server that answers tool calls with malformed results (no SDK: the SDK
would not send them). ``python raw.py`` speaks stdio; ``python raw.py --http PORT`` HTTP (JSON
responses). It speaks only the handshake-era protocol. Tools: ``bad`` (content of an unknown
type, isError not a boolean), ``ok``, ``grow`` (adds ``extra`` and, over stdio, sends
notifications/tools/list_changed); over stdio ``huge`` answers with one line of ``mb`` MB and
``unending`` writes ``mb`` MB of an answer that never ends (no newline), then waits."""

from __future__ import annotations

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOOLS = [
    {"name": "bad", "inputSchema": {"type": "object", "properties": {}}},
    {"name": "ok", "inputSchema": {"type": "object", "properties": {}}},
    {"name": "grow", "inputSchema": {"type": "object", "properties": {}}},
    {"name": "huge", "inputSchema": {"type": "object", "properties": {"mb": {"type": "number"}}}},
    {
        "name": "unending",
        "inputSchema": {"type": "object", "properties": {"mb": {"type": "number"}}},
    },
]
NOTIFY: list[dict[str, Any]] = []


def answer(msg: dict[str, Any]) -> dict[str, Any] | None:
    method, rid = msg.get("method"), msg.get("id")
    if rid is None:
        return None  # a notification
    if method == "initialize":
        result: Any = {
            "protocolVersion": msg["params"]["protocolVersion"],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "raw", "version": "0"},
        }
    elif method == "tools/list":
        result = {"tools": TOOLS}
    elif method == "tools/call" and msg["params"]["name"] == "bad":
        result = {"content": [{"type": "hologram", "beams": 3}], "isError": "perhaps"}
    elif method == "tools/call" and msg["params"]["name"] == "grow":
        TOOLS.append({"name": "extra", "inputSchema": {"type": "object", "properties": {}}})
        NOTIFY.append({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
        result = {"content": [{"type": "text", "text": "grown"}]}
    elif method == "tools/call":
        result = {"content": [{"type": "text", "text": "fine"}]}
    else:
        return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "no"}}
    return {"jsonrpc": "2.0", "id": rid, "result": result}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        reply = answer(json.loads(body))
        if reply is None:
            self.send_response(202)
            self.end_headers()
            return
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.send_response(405)
        self.end_headers()

    def do_DELETE(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--http":
        ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
    for line in sys.stdin:
        msg = json.loads(line)
        if msg.get("method") == "tools/call" and msg["params"]["name"] in ("huge", "unending"):
            size = int(msg["params"].get("arguments", {}).get("mb", 40) * 2**20)
            head = '{"jsonrpc": "2.0", "id": %s, "result": {"content": [{"type": "text", "text": "'
            sys.stdout.write(head % json.dumps(msg["id"]))
            for done in range(0, size, 2**20):  # a megabyte at a time, not 40 MB at once
                sys.stdout.write("x" * min(2**20, size - done))
            if msg["params"]["name"] == "unending":
                sys.stdout.flush()
                time.sleep(3600)
            sys.stdout.write('"}]}}\n')
            sys.stdout.flush()
            continue
        reply = answer(msg)
        for out in [reply] if reply is not None else []:
            sys.stdout.write(json.dumps(out) + "\n")
        while NOTIFY:
            sys.stdout.write(json.dumps(NOTIFY.pop()) + "\n")
        sys.stdout.flush()
