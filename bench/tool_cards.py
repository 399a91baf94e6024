"""Cost of tool cards in the agent timeline. Prints figures; asserts nothing.

- create: 500 finished, collapsed cards (reads, searches, commands with a few kB of result,
  edits with a diff, some failed) added to a QVBoxLayout inside a shown 900×700 QScrollArea,
  then the event loop run until the layout settled: the time to show a 500-step timeline;
- scroll: the scroll bar moved from top to bottom in 40 steps, events processed after each;
- expand: expanding one card (its result view is built then) and collapsing it again;
- output: 5,000 appends of an 80-character line into a running card, the loop run every
  100 appends (the flush timer coalesces them), then the card finished: the flush count, the
  time spent in append_output and in the flushes, and the characters kept;
- peak RSS of the process.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/tool_cards.py [--cards 500]
"""

from __future__ import annotations

import argparse
import resource
import time

from PySide6.QtWidgets import QApplication, QFrame, QScrollArea, QVBoxLayout, QWidget

from dsdesk.agent.events import ToolStatus
from dsdesk.ui.agent.tool_card import ToolCard
from dsdesk.ui.transcript_style import Theme

_DIFF = "--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n d\n"


def settle(app: QApplication, rounds: int = 3) -> None:
    for _ in range(rounds):
        app.processEvents()


def make_card(i: int, theme: Theme, parent: QWidget) -> ToolCard:
    kind = i % 5
    card = ToolCard(f"call_{i:04d}", "run_command" if kind == 2 else "read_file", theme, parent)
    if kind == 0:
        card.set_title(f"read_file src/module_{i}.py 1–120")
        card.finish(ToolStatus.DONE, "120 lines", "line of code\n" * 120, 0.1)
    elif kind == 1:
        card.set_title(f"grep 'def handler_{i}' src/")
        card.finish(ToolStatus.DONE, "3 matches", "src/a.py:1: x\n" * 3, 0.2)
    elif kind == 2:
        card.set_title(f"$ pytest -x tests/test_{i}.py")
        card.finish(ToolStatus.DONE, "exit 1 · 3.2 s", "output line\n" * 300, 3.2)
    elif kind == 3:
        card.set_title(f"edit_file src/module_{i}.py")
        card.finish(ToolStatus.DONE, "+1 −1", "Applied.", 0.02, diff=_DIFF)
    else:
        card.set_title(f"read_file src/missing_{i}.py")
        card.finish(ToolStatus.FAILED, "error", f"src/missing_{i}.py does not exist.", 0.0)
    return card


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=500)
    args = parser.parse_args()
    app = QApplication([])
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    body = QWidget()
    column = QVBoxLayout(body)
    column.setSpacing(6)
    column.addStretch(1)
    scroll.setWidget(body)
    scroll.resize(900, 700)
    scroll.show()
    settle(app)
    theme = Theme.from_palette(body.palette(), body.font())

    t0 = time.perf_counter()
    cards = []
    for i in range(args.cards):
        card = make_card(i, theme, body)
        column.insertWidget(column.count() - 1, card)
        cards.append(card)
    t1 = time.perf_counter()
    settle(app)
    column.activate()  # the layout is final (no request left pending) before the clock stops
    settle(app, 1)
    t2 = time.perf_counter()
    children = sum(len(c.findChildren(QWidget)) for c in cards)
    print(f"create {args.cards} finished cards: {(t1 - t0) * 1000:.0f} ms")
    print(f"  + show and process events: {(t2 - t1) * 1000:.0f} ms")
    print(f"  total: {(t2 - t0) * 1000:.0f} ms; child widgets in all cards: {children}")
    print(f"  body height: {body.height():,} px")

    bar = scroll.verticalScrollBar()
    t0 = time.perf_counter()
    worst = 0.0
    for step in range(41):
        s = time.perf_counter()
        bar.setValue(bar.maximum() * step // 40)
        settle(app, 1)
        worst = max(worst, time.perf_counter() - s)
    print(
        f"scroll top to bottom in 40 steps: {(time.perf_counter() - t0) * 1000:.0f} ms "
        f"(worst step {worst * 1000:.1f} ms)"
    )

    card = cards[2]  # a command with 300 result lines
    t0 = time.perf_counter()
    card.toggle()
    settle(app)
    t1 = time.perf_counter()
    card.toggle()
    settle(app)
    t2 = time.perf_counter()
    print(
        f"expand a card (build its result view): {(t1 - t0) * 1000:.1f} ms; "
        f"collapse: {(t2 - t1) * 1000:.1f} ms"
    )

    running = ToolCard("call_run", "run_command", theme, body)
    running.set_title("$ make -j2")
    column.insertWidget(column.count() - 1, running)
    line = "compiling module_0000.c ... ok " + "x" * 48 + "\n"
    append_s = 0.0
    t0 = time.perf_counter()
    for i in range(5000):
        s = time.perf_counter()
        running.append_output(line)
        append_s += time.perf_counter() - s
        if i % 100 == 99:
            time.sleep(0.01)  # output arrives over time: the flush timer gets to fire
            settle(app, 1)
    running.finish(ToolStatus.DONE, "exit 0", "done", 2.0)
    settle(app)
    total = time.perf_counter() - t0 - 0.5  # the sleeps
    kept = running.output_kept
    print(
        f"output: 5,000 appends → {running.flushes} flushes; append_output total "
        f"{append_s * 1000:.1f} ms; everything else (flushes, layout, paint) "
        f"{total * 1000:.0f} ms; "
        f"{kept:,} characters kept"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")
    scroll.close()


if __name__ == "__main__":
    main()
