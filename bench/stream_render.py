"""Streaming render cost of the chat transcript (docs/ARCHITECTURE.md §6).
Prints figures; asserts nothing.

Feeds generated answers of 5k, 20k and 80k tokens (prose, headings, lists and ~10 fenced code
blocks per 20k tokens; 1 token ≈ 4 characters, delivered in pieces of 1–3 tokens) into a real,
shown 900×700 ``TranscriptView`` on the offscreen platform:

- flat out: every piece appended in a loop, the event loop run every 25 pieces so the coalescing
  timer fires as it would. Appending is so cheap (about a microsecond) that even 80k tokens are
  in before the first 33 ms tick, so this measures ingest plus one or two big renders;
- paced at 100 tokens/s by a timer. Pacing a whole 80k answer would take 13 minutes, so each size
  is first streamed flat out up to the last ``--paced-seconds`` worth of tokens (unmeasured), and
  only that final window is paced: that is where a renderer whose cost grows with the answer
  would stall;
- ticked: the whole answer at the render granularity of 100 tokens/s (flush and event-loop pass
  every ~3 tokens) without waiting, comparing the cost of its first and last 5k tokens.

"busy" is the time spent inside the view's append and flush calls. For the paced runs two
whole-thread figures are added: the GUI thread's CPU time (rendering, layout, painting, timers,
everything) and the longest event-loop lag, measured by a 2 ms heartbeat timer (the longest gap
between its firings beyond 2 ms is the longest time the loop could not react). Each size runs in
its own process, so peak RSS is per size.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/stream_render.py [--sizes 5000,20000,80000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

_VOCABULARY = """the a of to and in is it that for on with as this be by are from or an at not
value function returns request stream token cache buffer parser widget layout render model thread
event signal queue error result config option path file index block update"""
WORDS = _VOCABULARY.split()

CODE_SNIPPET = '''def {name}(items: list[int], limit: int = 10) -> dict[str, int]:
    """Count the items below the limit and return a summary."""
    total = 0
    seen: dict[str, int] = {{}}
    for i, item in enumerate(items):
        if item < limit:
            total += item
            seen[f"item-{{i}}"] = item
    return {{"total": total, "count": len(seen)}}

'''


def make_answer(tokens: int, seed: int = 7) -> str:
    """Markdown of about ``tokens`` tokens (4 chars each), ~10 code blocks per 20k tokens."""
    rnd = random.Random(seed)
    target = tokens * 4
    out: list[str] = []
    size = 0
    next_code = 2000 * 4
    n = 0
    while size < target:
        n += 1
        if size >= next_code:
            body = "".join(CODE_SNIPPET.format(name=f"summarise_{n}_{k}") for k in range(2))
            piece = f"```python\n{body.rstrip()}\n```\n\n"
            next_code += 2000 * 4
        elif n % 9 == 0:
            piece = f"## Section {n}\n\n"
        elif n % 7 == 0:
            items = "".join(
                f"- {' '.join(rnd.choices(WORDS, k=rnd.randint(4, 10)))} `x{n}`\n"
                for _ in range(rnd.randint(3, 6))
            )
            piece = items + "\n"
        else:
            sentences = [
                " ".join(rnd.choices(WORDS, k=rnd.randint(8, 18))).capitalize() + "."
                for _ in range(rnd.randint(3, 7))
            ]
            piece = " ".join(sentences) + " Use **bold** and `code` here.\n\n"
        out.append(piece)
        size += len(piece)
    return "".join(out)


def make_pieces(text: str, seed: int = 11) -> list[tuple[str, int]]:
    """(piece, tokens) pairs of 1–3 tokens (4–12 characters)."""
    rnd = random.Random(seed)
    pieces: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        t = rnd.randint(1, 3)
        pieces.append((text[i : i + 4 * t], t))
        i += 4 * t
    return pieces


HEARTBEAT_S = 0.002


class Meter:
    """Wraps the view's append/flush to time them; a heartbeat measures event-loop lag."""

    def __init__(self, view: Any) -> None:
        self.busy = 0.0
        self.flushes: list[float] = []
        self.lag = 0.0
        self._beat: float | None = None
        render = view._render  # behind flush() and the coalescing timer
        append = view.append_content

        def timed_render(force: bool) -> None:
            t0 = time.perf_counter()
            render(force)
            dt = time.perf_counter() - t0
            self.busy += dt
            self.flushes.append(dt)

        def timed_append(text: str) -> None:
            t0 = time.perf_counter()
            append(text)
            self.busy += time.perf_counter() - t0

        view._render = timed_render  # instance attribute: flush() and the timer find this one
        view.append_content = timed_append

    def reset(self) -> None:
        self.busy = 0.0
        self.flushes = []
        self.lag = 0.0
        self._beat = None

    def heartbeat(self) -> None:
        now = time.perf_counter()
        if self._beat is not None:
            self.lag = max(self.lag, now - self._beat - HEARTBEAT_S)
        self._beat = now


def run_size(tokens: int, paced_seconds: float) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, Qt, QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from dsdesk.ui.transcript import TranscriptView

    # The offscreen platform warns on every top-level size-hint change; irrelevant here.
    qInstallMessageHandler(lambda *_: None)
    app = QApplication.instance() or QApplication([])
    pieces = make_pieces(make_answer(tokens))
    result: dict[str, Any] = {"tokens": tokens, "chars": sum(len(p) for p, _ in pieces)}

    def new_view(meta: str) -> tuple[Any, Meter]:
        view = TranscriptView()
        view.resize(900, 700)
        view.show()
        view.add_user_message("Explain the module and show the code.", "bench")
        view.begin_answer(meta)
        app.processEvents()
        return view, Meter(view)

    def drop(view: Any) -> None:
        view.close()
        view.deleteLater()
        app.processEvents()

    def flat_out(view: Any, todo: list[tuple[str, int]]) -> float:
        t0 = time.perf_counter()
        for i, (piece, _) in enumerate(todo):
            view.append_content(piece)
            if i % 25 == 24:
                app.processEvents()
        view.flush()
        app.processEvents()
        return time.perf_counter() - t0

    def run_loop(seconds: float, tick: Callable[[float], bool], meter: Meter) -> float:
        """Run the event loop with ``tick(elapsed)`` every 10 ms until it returns False (or
        ``seconds`` pass) and the 2 ms heartbeat; return the GUI thread's CPU time."""
        loop = QEventLoop()
        start = time.perf_counter()

        def on_tick() -> None:
            elapsed = time.perf_counter() - start
            if not tick(elapsed) or elapsed >= seconds:
                pacer.stop()
                QTimer.singleShot(200, loop.quit)  # let the last flush and paint happen

        pacer = QTimer()
        pacer.setTimerType(Qt.TimerType.PreciseTimer)
        pacer.setInterval(10)
        pacer.timeout.connect(on_tick)
        beat = QTimer()
        beat.setTimerType(Qt.TimerType.PreciseTimer)
        beat.setInterval(round(HEARTBEAT_S * 1000))
        beat.timeout.connect(meter.heartbeat)
        cpu0 = time.thread_time()
        pacer.start()
        beat.start()
        loop.exec()
        beat.stop()
        return time.thread_time() - cpu0

    # (a) flat out
    view, meter = new_view("flat out")
    wall = flat_out(view, pieces)
    view.end_answer("done")
    result["flat"] = {
        "busy_per_1k": meter.busy / tokens * 1000,
        "longest_flush_ms": max(meter.flushes) * 1000,
        "flushes": len(meter.flushes),
        "tokens_per_s": tokens / wall,
    }
    drop(view)

    # (b) paced at 100 tokens/s over the last window, after an unmeasured flat-out run up to it
    window = min(tokens, int(paced_seconds * 100))
    view, meter = new_view("paced")
    cut, acc = len(pieces), 0
    while cut > 0 and acc < window:
        cut -= 1
        acc += pieces[cut][1]
    flat_out(view, pieces[:cut])
    paced = pieces[cut:]
    # The harness's own timers cost CPU too: measure them idle first, then subtract.
    meter.reset()
    idle_cpu = run_loop(2.0, lambda _: True, meter) / 2.0
    meter.reset()
    state = {"i": 0, "due": 0.0}

    def deliver(elapsed: float) -> bool:
        # Every piece whose time has come (due at its token offset / 100 tokens per second).
        i = state["i"]
        while i < len(paced) and state["due"] <= elapsed:
            piece, t = paced[i]
            view.append_content(piece)
            state["due"] += t / 100.0
            i += 1
        state["i"] = i
        return i < len(paced)

    t0 = time.perf_counter()
    cpu = run_loop(3600.0, deliver, meter)
    cpu -= idle_cpu * (time.perf_counter() - t0)
    view.end_answer("done")
    result["paced"] = {
        "window_tokens": acc,
        "from_token": tokens - acc,
        "busy_per_1k": meter.busy / acc * 1000,
        "cpu_per_1k": max(cpu, 0.0) / acc * 1000,
        "longest_flush_ms": max(meter.flushes) * 1000 if meter.flushes else 0.0,
        "lag_ms": meter.lag * 1000,
        "flushes": len(meter.flushes),
    }
    drop(view)

    # (c) ticked: the whole answer, with the render granularity of 100 tokens/s (a flush and an
    # event-loop pass every ~3 tokens) but without waiting; cost of the first and last 5k tokens.
    view, meter = new_view("ticked")
    seen = since = 0
    marks: list[tuple[int, float]] = [(0, 0.0)]
    for piece, t in pieces:
        view.append_content(piece)
        seen += t
        since += t
        if since >= 3:
            since = 0
            view.flush()
            app.processEvents()
            marks.append((seen, meter.busy))
    view.flush()
    marks.append((seen, meter.busy))

    def busy_between(lo: int, hi: int) -> float:
        a = next(b for n, b in marks if n >= lo)
        z = next(b for n, b in reversed(marks) if n <= hi)
        return z - a

    head = min(5000, tokens)
    result["ticked"] = {
        "first_per_1k": busy_between(0, head) / head * 1000,
        "last_per_1k": busy_between(tokens - head, tokens) / head * 1000,
        "longest_flush_ms": max(meter.flushes) * 1000,
    }
    result["answer_chars_rendered"] = len(view.answer_text())
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="5000,20000,80000")
    ap.add_argument("--paced-seconds", type=float, default=20.0)
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_size(args.child, args.paced_seconds)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"Transcript streaming render; offscreen, 900x700; pieces of 1-3 tokens; paced runs stream "
        f"the last {args.paced_seconds:g} s of each answer at 100 tokens/s (earlier part flat out, "
        "unmeasured)."
    )
    results: dict[int, dict[str, Any]] = {}
    for size in sizes:
        cmd = [sys.executable, __file__, "--child", str(size)]
        cmd += ["--paced-seconds", str(args.paced_seconds)]
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
        results[size] = r = json.loads(out.strip().splitlines()[-1])
        f, p, k = r["flat"], r["paced"], r["ticked"]
        print(f"\n{size:,} tokens ({r['chars']:,} chars), peak RSS {r['peak_rss_mb']:.0f} MB")
        print(
            f"  flat out : {f['tokens_per_s']:>9,.0f} tokens/s ingested; busy "
            f"{f['busy_per_1k'] * 1000:6.1f} ms/1k tokens; longest flush "
            f"{f['longest_flush_ms']:5.1f} ms ({f['flushes']} flushes)"
        )
        print(
            f"  paced    : tokens {p['from_token']:,}-{size:,} at 100/s; busy "
            f"{p['busy_per_1k'] * 1000:6.1f} ms/1k tokens (GUI-thread CPU "
            f"{p['cpu_per_1k'] * 1000:.0f}); longest flush {p['longest_flush_ms']:5.1f} ms; "
            f"longest event-loop lag {p['lag_ms']:5.1f} ms"
        )
        print(
            f"  ticked   : busy {k['first_per_1k'] * 1000:6.1f} ms/1k over the first 5k tokens, "
            f"{k['last_per_1k'] * 1000:6.1f} over the last 5k; longest flush "
            f"{k['longest_flush_ms']:5.1f} ms"
        )
    lo, hi = min(sizes), max(sizes)
    if lo != hi:

        def ratio(get: Callable[[dict[str, Any]], float]) -> float:
            return get(results[hi]) / get(results[lo])

        print(
            f"\ncost per 1k tokens, {hi:,} vs {lo:,}: paced "
            f"{ratio(lambda r: r['paced']['busy_per_1k']):.2f}x (GUI-thread CPU "
            f"{ratio(lambda r: r['paced']['cpu_per_1k']):.2f}x), ticked (last 5k tokens) "
            f"{ratio(lambda r: r['ticked']['last_per_1k']):.2f}x, flat out "
            f"{ratio(lambda r: r['flat']['busy_per_1k']):.2f}x (a flat-out run is a handful of "
            "big flushes, so its per-token cost falls with size)"
        )
        print("targets: <= 1.5x; no stall > 16 ms at 100 tokens/s; >= 5,000 tokens/s flat out")


if __name__ == "__main__":
    main()
