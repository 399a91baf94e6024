"""A small MCP server for dsdesk's tests (MCPServer, the SDK's FastMCP).

``python toy.py [--http PORT] [--pidfile F] [behaviours...]``: stdio unless ``--http``.
Behaviours: ``ignore-term`` (SIGTERM is ignored, and the server does not exit when its stdin
closes), ``grandchild`` (starts a child in a session of its own — out of reach of a process-group
kill — that ignores SIGTERM, and writes its pid too), ``flood-stderr`` (writes megabytes to
stderr at start and on each call), ``hang-start`` (never answers the handshake), ``die-start``
(exits at once with a message). Tools: echo (read-only), add (additive, not destructive), wipe
(no hints: destructive), big, slow, crash (dies mid-call), image, grow (adds a tool and says
the list changed).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ImageContent, TextContent, ToolAnnotations

p = argparse.ArgumentParser()
p.add_argument("--http", type=int, default=0)
p.add_argument("--pidfile", default="")
p.add_argument("--name", default="toy")
p.add_argument("behaviours", nargs="*")
opts = p.parse_args()
B = set(opts.behaviours)

if "die-start" in B:
    print("toy: cannot start: no database at /nowhere", file=sys.stderr, flush=True)
    sys.exit(3)
if "ignore-term" in B:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
pids = [os.getpid()]
if "grandchild" in B:
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    pids.append(child.pid)
if opts.pidfile:
    with open(opts.pidfile, "w") as f:
        f.write(" ".join(map(str, pids)))


def flood() -> None:
    line = "x" * 1000 + "\n"
    for _ in range(4000):  # 4 MB: far more than a pipe holds
        sys.stderr.write(line)
    sys.stderr.flush()


if "flood-stderr" in B:
    flood()
if "hang-start" in B:
    time.sleep(600)

server = MCPServer(opts.name)


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def echo(text: str) -> str:
    """Say the text back."""
    if "flood-stderr" in B:
        flood()
    return f"echo: {text}"


@server.tool(annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=False))
def add(a: int, b: int) -> str:
    """Add two numbers."""
    return str(a + b)


@server.tool()
def wipe(what: str) -> str:
    """Delete something (no hints: the spec says destructive)."""
    return f"wiped {what}"


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def big(lines: int = 5000) -> str:
    """Many lines."""
    return "\n".join(f"line {n} " + "y" * 60 for n in range(lines))


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def slow(seconds: float = 600) -> str:
    """Takes its time."""
    time.sleep(seconds)
    return "slept"


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def crash() -> str:
    """Dies mid-call."""
    os._exit(7)


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def image() -> list[TextContent | ImageContent]:
    """A picture and a caption."""
    return [
        TextContent(type="text", text="a red dot"),
        ImageContent(type="image", data="iVBORw0KGgo=" * 1000, mimeType="image/png"),
    ]


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
async def grow(ctx: Context) -> str:
    """Adds a tool named extra and tells the client."""

    def extra() -> str:
        """A tool that came later."""
        return "extra"

    server.add_tool(extra)
    await ctx.notify_tools_changed()  # 2026-era clients listen for it
    await ctx.session.send_tool_list_changed()  # earlier ones get a notification
    return "grown"


if __name__ == "__main__":
    if opts.http:
        server.run("streamable-http", host="127.0.0.1", port=opts.http)
    else:
        server.run()
    if "ignore-term" in B:  # stdin closed: a well-behaved server exits, this one does not
        time.sleep(600)
