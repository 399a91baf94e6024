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
from .server import Simulator


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default: 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    parser.add_argument(
        "--api-key", default=None, help="require this Bearer key (default: accept any)"
    )
    parser.add_argument(
        "--replay",
        metavar="FILE",
        default=None,
        help="answer every chat request with this recorded .chunks.jsonl file",
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
    try:
        default = Reply.recording(args.replay, chunk_delay=args.delay) if args.replay else None
    except OSError as exc:
        print(f"dsdesk devserver: cannot read {args.replay}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        sim = Simulator(
            args.api_key,
            host=args.host,
            port=args.port,
            demo=True,
            demo_delay=args.delay,
            default_reply=default,
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
