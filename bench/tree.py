"""The project tree on a 100,000-file repository: time to first paint, time to expand a
1,000-entry folder, and peak memory. Each round runs in a fresh process with a fresh offscreen
QApplication. Prints the figures; asserts nothing. Target: first paint under 300 ms.

    .venv/bin/python bench/tree.py [--rounds 5] [--repo /tmp/dsdesk-bench-tree]

The repository (100 top folders × 10 subfolders × 100 files, a 1,000-file folder, a few
.gitignore files) is generated once and reused while its marker file says it is complete.
Figures are for a warm page cache: the first round after generating may be the only cold-ish one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TOP, SUB, FILES, BIG = 100, 10, 100, 1000
LAYOUT = f"v2 {TOP}x{SUB}x{FILES}+{BIG}"
DEFAULT_REPO = Path("/tmp/dsdesk-bench-tree")
_EXTS = (".py", ".py", ".py", ".md", ".json", ".txt", ".toml", ".js", ".log", ".c")


def generate(repo: Path) -> None:
    marker = repo / ".bench-complete"
    if marker.exists():
        if marker.read_text() == LAYOUT:
            return
        shutil.rmtree(repo)  # ours, from an older layout
    elif repo.exists() and any(repo.iterdir()):
        sys.exit(f"{repo} exists and was not made by this benchmark; pass another --repo")
    t0 = time.perf_counter()
    repo.mkdir(parents=True, exist_ok=True)
    (repo / ".git/info").mkdir(parents=True, exist_ok=True)
    (repo / ".git/HEAD").write_text("ref: refs/heads/main\n")
    (repo / ".gitignore").write_text("*.log\nbuild/\n__pycache__/\n")
    body = b"def f():\n    return 1\n"
    for t in range(TOP):
        top = repo / f"module_{t:03d}"
        if t % 10 == 0:
            top.mkdir(exist_ok=True)
            (top / ".gitignore").write_text("*.txt\n!keep_*.txt\n")
        for s in range(SUB):
            folder = top / f"part_{s}"
            folder.mkdir(parents=True, exist_ok=True)
            for f in range(FILES):
                (folder / f"file_{f:03d}{_EXTS[f % len(_EXTS)]}").write_bytes(body)
    big = repo / "big"
    big.mkdir(exist_ok=True)
    visible = [e for e in _EXTS if e != ".log"]  # all 1,000 shown
    for f in range(BIG):
        (big / f"item_{f:04d}{visible[f % len(visible)]}").write_bytes(body)
    (repo / "build").mkdir(exist_ok=True)
    (repo / "build/artifact.o").write_bytes(b"\0")
    marker.write_text(LAYOUT)
    n = sum(len(files) for _, _, files in os.walk(repo))
    print(f"generated {repo} ({n:,} files) in {time.perf_counter() - t0:.1f} s", flush=True)


def measure(repo: Path) -> dict[str, float]:
    """One round, in this (fresh) process."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QModelIndex, QObject
    from PySide6.QtWidgets import QApplication

    from dsdesk.ui.file_tree import ProjectTree

    app = QApplication([])
    tree = ProjectTree()
    tree.resize(320, 900)
    tree.show()
    model = tree.project_model()
    paints: list[tuple[float, int, int]] = []  # (time, top-level rows, rows under "big")
    big_index: list[QModelIndex] = []

    class PaintSpy(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                big_rows = model.rowCount(big_index[0]) if big_index else 0
                paints.append((time.perf_counter(), model.rowCount(), big_rows))
            return False

    spy = PaintSpy()
    tree.viewport().installEventFilter(spy)
    for _ in range(20):  # let the empty window settle before the clock starts
        app.processEvents()

    def run_until(done: object, limit: float = 30.0) -> None:
        end = time.perf_counter() + limit
        while not done() and time.perf_counter() < end:  # type: ignore[operator]
            app.processEvents()

    t0 = time.perf_counter()
    tree.set_root(repo)
    t_returned = time.perf_counter() - t0
    run_until(lambda: any(rows > 0 for _, rows, _ in paints))
    t_first_paint = next(t for t, rows, _ in paints if rows > 0) - t0
    top_rows = model.rowCount()

    big = model.child_named(QModelIndex(), "big")
    big_index.append(big)
    t1 = time.perf_counter()
    tree.expand(big)
    run_until(lambda: any(b > 0 for _, _, b in paints))
    t_expand = next(t for t, _, b in paints if b > 0) - t1
    big_rows = model.rowCount(big)

    # Select a file three levels down, listing the folders on the way.
    target = repo / "module_050/part_5/file_042.py"
    t2 = time.perf_counter()
    tree.select_path(target)
    run_until(lambda: tree.current_path() == target)
    t_select = time.perf_counter() - t2

    # A file appearing on disk in a loaded folder: watcher, debounce, off-thread re-list, diff.
    new_file = repo / "big/zz_new_file.py"
    new_file.unlink(missing_ok=True)
    t3 = time.perf_counter()
    new_file.write_bytes(b"x = 1\n")
    run_until(lambda: model.rowCount(big) == big_rows + 1)
    t_follow = time.perf_counter() - t3
    new_file.unlink()
    run_until(lambda: model.rowCount(big) == big_rows)

    tree.close()
    tree.deleteLater()
    app.processEvents()
    return {
        "set_root_returns_ms": t_returned * 1000,
        "first_paint_ms": t_first_paint * 1000,
        "top_rows": top_rows,
        "expand_1000_ms": t_expand * 1000,
        "big_rows": big_rows,
        "select_path_3_deep_ms": t_select * 1000,
        "new_file_shown_ms": t_follow * 1000,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.repo)))
        return
    generate(args.repo)
    t0 = time.perf_counter()
    n = sum(len(files) for _, _, files in os.walk(args.repo))
    print(f"for scale: a full os.walk of {n:,} files takes {time.perf_counter() - t0:.2f} s")
    rounds: list[dict[str, float]] = []
    for _ in range(args.rounds):
        out = subprocess.run(
            [sys.executable, __file__, "--measure", "--repo", str(args.repo)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        rounds.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{args.rounds} rounds, each a fresh process; median (min–max):")
    for key in rounds[0]:
        values = [r[key] for r in rounds]
        print(f"  {key:24} {statistics.median(values):9.1f}  ({min(values):.1f}–{max(values):.1f})")
    target = statistics.median(r["first_paint_ms"] for r in rounds)
    print(f"first paint target 300 ms: {'met' if target < 300 else 'MISSED'}")


if __name__ == "__main__":
    main()
