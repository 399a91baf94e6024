"""`dsdesk devserver`: run the simulator in the foreground for demos and manual testing."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from types import FrameType
from typing import Any

from .replies import Reply
from .script import ScriptError, load_script
from .server import Simulator


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default: 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    parser.add_argument(
        "--api-key", default=None, help="require this Bearer key (default: accept any)"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--replay",
        metavar="FILE",
        default=None,
        help="answer every chat request with this recorded .chunks.jsonl file",
    )
    source.add_argument(
        "--script",
        metavar="FILE",
        default=None,
        help="play a scripted session: a TOML file of [[reply]] tables (text, reasoning, tool "
        'calls), one per request, then "(end of script)"; see dsdesk/data/agent-demo.toml',
    )
    parser.add_argument(
        "--delay",
        type=float,
        default=0.02,
        metavar="SECONDS",
        help="pause between streamed chunks (default: 0.02, a human-visible pace)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C or SIGTERM; 0 on a clean stop, 1 if the port is taken, 2 on bad input."""
    script = args.script
    try:
        default = Reply.recording(args.replay, chunk_delay=args.delay) if args.replay else None
        replies = load_script(script, delay=args.delay) if script else None
    except OSError as exc:
        name = args.replay or script
        print(f"dsdesk devserver: cannot read {name}: {exc.strerror}", file=sys.stderr)
        return 2
    except ScriptError as exc:
        print(f"dsdesk devserver: {exc}", file=sys.stderr)
        return 2
    try:
        sim = Simulator(
            args.api_key,
            host=args.host,
            port=args.port,
            demo=True,
            demo_delay=args.delay,
            default_reply=default,
            script=replies,
        )
    except ValueError as exc:
        print(f"dsdesk devserver: {exc}", file=sys.stderr)
        return 2
    try:
        sim.start()
    except OSError as exc:
        print(f"dsdesk devserver: cannot listen on port {args.port}: {exc}", file=sys.stderr)
        return 1

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[signal.Signals, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Outside the main thread signals cannot be caught here; the caller stops us then.
        with contextlib.suppress(ValueError):
            previous[signum] = signal.signal(signum, request_stop)
    try:
        print(f"dsdesk simulator listening on {sim.base_url} (Ctrl+C to stop)", flush=True)
        if replies is not None:
            print(f"playing {script}: {len(replies)} replies, then (end of script)", flush=True)
        # A timed wait keeps the main thread responsive to signals on every platform.
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sim.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: `python -m dsdesk.devserver.cli`."""
    parser = argparse.ArgumentParser(prog="dsdesk devserver", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
