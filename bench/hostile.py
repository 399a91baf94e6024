"""`dsdesk ask` against hostile servers: peak memory, time and exit code per case.

    .venv/bin/python bench/hostile.py [--cmd "dsdesk"] [--total-timeout 3] [--idle-timeout 5]

Each case starts a HostileServer on 127.0.0.1 and runs `dsdesk ask` in a fresh process with
short timeouts from a settings file in a temporary DSDESK_HOME. Printed per case: exit code
("kill": still running after --kill-after s), peak RSS of the process (rusage from os.wait4),
seconds, MB the server managed to send, and whether stderr held a traceback. Targets: RSS
< 200 MB, each attempt within the configured timeouts (429/5xx are retried 3 times with
backoff), no traceback. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from dsdesk.devserver import hostile as H
from dsdesk.devserver.hostile import MB, HostileServer

KEY = "sk-bench-hostile-0000000000"


def sse_ok() -> bytes:
    chunk = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "deepseek-v4-flash",
        "choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1},
    }
    return f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()


def drip_sse(_req: H.Request) -> Iterator[H.Op]:
    """Real content chunks, one every 0.2 s, for ever: only the wall clock stops it."""
    yield H.head(200, {"Content-Type": "text/event-stream"})
    delta = {"choices": [{"index": 0, "delta": {"content": "drip "}}]}
    event = f"data: {json.dumps(delta)}\n\n".encode()
    while True:
        yield H.chunk(event)
        yield 0.2


def cases() -> dict[str, tuple[H.Script, ...]]:
    keepalive = b": " + b"k" * 252 + b"\n\n"
    slow_error = b'{"error": {"message": "slow"}}' + b" " * 100_000
    return {
        "normal answer (baseline)": (H.static(200, sse_ok(), "text/event-stream"),),
        "endless error body": (H.endless(500, "application/json", b'{"error": "' + b"x" * 999),),
        "gzip bomb, error body": (H.gzip_bomb(503, "application/json", b"\0"),),
        "gzip bomb, event stream": (H.gzip_bomb(200, "text/event-stream", keepalive),),
        "data lines never dispatched": (H.endless(200, "text/event-stream", b"data: x\n"),),
        "20 MB line": (H.endless(200, "text/event-stream", b"x", prefix=b"data: ", limit=20 * MB),),
        "HTML page on 200": (H.static(200, "<html>Wi-Fi login</html>", "text/html"),),
        "302 redirect": (
            H.static(302, "", "text/html", Location="http://u:pw@portal.example/login"),
        ),
        "429s, garbage Retry-After": (
            H.static(429, '{"error": {"message": "busy"}}', "application/json", Retry_After="x"),
        ),
        "error body dripping": (H.drip(500, "application/json", slow_error, 0.05),),
        "answer dripping past ceiling": (drip_sse,),
    }


def run_case(
    cmd: list[str], home: Path, scripts: tuple[H.Script, ...], limit: float
) -> dict[str, object]:
    with HostileServer(*scripts) as server, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err:  # fmt: skip
        env = {
            **os.environ,
            "DSDESK_HOME": str(home),
            "DEEPSEEK_BASE_URL": server.base_url,
            "DEEPSEEK_API_KEY": KEY,
            "NO_PROXY": "127.0.0.1,localhost",
        }
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [*cmd, "ask", "--thinking", "off", "hello"], stdout=out, stderr=err, env=env
        )
        killer = threading.Timer(limit, proc.kill)  # a hang is a result too, not a stuck bench
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        killer.cancel()
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        sent = server.total_sent
    return {
        "exit": "kill" if proc.returncode == -9 else proc.returncode,
        "rss_mb": usage.ru_maxrss / 1024,  # kB on Linux
        "seconds": seconds,
        "sent_mb": sent / MB,
        "traceback": "Traceback" in stderr,
        "message": (stderr.strip().splitlines() or [""])[-1][:90],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cmd", default=f"{sys.executable} -m dsdesk")
    ap.add_argument("--total-timeout", type=float, default=3.0)
    ap.add_argument("--idle-timeout", type=float, default=5.0)
    ap.add_argument("--kill-after", type=float, default=120.0, help="seconds before killing a case")
    ap.add_argument("--messages", action="store_true", help="print each case's last stderr line")
    args = ap.parse_args()
    cmd = shlex.split(args.cmd)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / "config").mkdir()
        (home / "config" / "settings.toml").write_text(
            f"connect_timeout = 2.0\nidle_timeout = {args.idle_timeout}\n"
            f"total_timeout = {args.total_timeout}\n"
        )
        print(
            f"dsdesk ask vs hostile servers (total_timeout {args.total_timeout:g} s, "
            f"idle_timeout {args.idle_timeout:g} s, 3 retries with backoff for 429/5xx)"
        )
        print(f"{'case':<30} {'exit':>4} {'peak RSS MB':>11} {'seconds':>8} "
              f"{'server sent MB':>14} {'traceback':>9}")  # fmt: skip
        for name, scripts in cases().items():
            r = run_case(cmd, home, scripts, args.kill_after)
            print(
                f"{name:<30} {r['exit']:>4} {r['rss_mb']:>11.0f} {r['seconds']:>8.2f} "
                f"{r['sent_mb']:>14.2f} {'yes' if r['traceback'] else 'no':>9}"
            )
            if args.messages:
                print(f"    {r['message']}")


if __name__ == "__main__":
    main()
