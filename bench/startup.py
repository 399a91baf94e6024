"""Median time from process start to the main window shown (offscreen), over several runs.

    .venv/bin/python bench/startup.py [--runs 7] [--cmd "dsdesk"]

Each run starts `dsdesk --smoke-test` in a fresh process with an empty DSDESK_HOME; the app
prints the wall-clock time at which its window was shown, then closes itself.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run(cmd: list[str], home: str) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DSDESK_HOME": home}
    env.pop("DEEPSEEK_API_KEY", None)
    t0 = time.time()
    out = subprocess.run(
        [*cmd, "--smoke-test"], env=env, capture_output=True, text=True, timeout=60
    )
    for line in out.stdout.splitlines():
        if line.startswith("dsdesk: window shown at "):
            return float(line.rsplit(" ", 1)[1]) - t0
    raise RuntimeError(f"no 'window shown' line; exit {out.returncode}: {out.stderr[-2000:]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--cmd", default=f"{sys.executable} -m dsdesk")
    ap.add_argument(
        "--history-db",
        help="start with this conversation database (e.g. the one bench/history.py builds)",
    )
    args = ap.parse_args()
    cmd = shlex.split(args.cmd)
    with tempfile.TemporaryDirectory() as home:
        if args.history_db:
            (Path(home) / "data").mkdir()
            shutil.copyfile(args.history_db, Path(home) / "data" / "history.sqlite3")
        one_run(cmd, home)  # warm the OS file cache; not counted
        times = [one_run(cmd, home) for _ in range(args.runs)]
    db = f", history DB {args.history_db}" if args.history_db else ""
    print(f"start-up to window shown ({args.cmd}{db}), {args.runs} runs, offscreen")
    print(
        f"median {statistics.median(times) * 1000:.0f} ms · min {min(times) * 1000:.0f} ms · "
        f"max {max(times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
