"""The conversation history at scale: 2,000 conversations, 200,000 messages in one database.

Prints, per round (each in a fresh process, warm page cache), the time to open the store and
list the sidebar (newest 100 conversations of a project), to load a 500-message conversation,
to show it in the transcript (offscreen Qt: load, build the widgets of its last messages, lay
out and paint; one "Show earlier messages" click; for reference, building all 500), and to
run full-text searches; with the targets next to them. Asserts nothing. The time to start the
whole app on such a database is ``bench/startup.py --history-db``.

    .venv/bin/python bench/history.py [--rounds 5] [--db /tmp/dsdesk-bench-history/history.sqlite3]

The database is generated once (about a minute) and reused while its marker file says it is
complete. Text is synthetic but sized like real chats: prompts of 3-30 words, answers of 8-60
words with a few (3 %) of 200-500, reasoning on a fifth of the answers, a regenerated answer in one
conversation of twenty.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONVERSATIONS, MESSAGES, BIG = 2_000, 200_000, 500
LAYOUT = f"v3 {CONVERSATIONS}c {MESSAGES}m big={BIG}"
DEFAULT_DB = Path("/tmp/dsdesk-bench-history/history.sqlite3")
PROJECTS = ("/home/dev/src/webapp", "/home/dev/src/parser", "/home/dev/src/infra", "/home/dev/x")
QUERIES = ("zanzibar", "migration", "parser timeout", "refact", '"connection pool"', "the", "t")
TARGETS = {
    "open + sidebar": 1500.0,
    "load 500 messages": 300.0,
    "show 500 in transcript": 300.0,
    "search": 100.0,
}

_WORD_TEXT = (
    "the a to of and in is it that for you this with on be as are can not use if function "
    "file value error return code line we will should import class method test data type "
    "string list call module python change variable update path config server request run "
    "parser timeout migration database index query cache token stream message build result "
    "async await thread lock retry backoff session window widget signal layout render "
    "connection pool handler response status header json schema field default option argument "
    "refactor refactoring exception traceback logging debug release version commit branch merge "
    "diff patch hunk search replace block editor cursor scroll buffer encoding newline unicode "
    "performance memory allocation benchmark profile latency throughput network socket client"
)
_WORDS = tuple(_WORD_TEXT.split())
_RARE = ("zanzibar", "quetzalcoatl", "xylograph")


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    words = list(_WORDS)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _ in range(3000):  # a long tail of identifiers
        words.append("".join(rng.choice(letters) for _ in range(rng.randint(4, 11))))
    weights = [1.0 / (rank + 5) for rank in range(len(words))]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    return words, cum


def _text(rng: random.Random, vocab: tuple[list[str], list[float]], n: int) -> str:
    words = rng.choices(vocab[0], cum_weights=vocab[1], k=n)
    for i in range(12, n, rng.randint(10, 20)):  # sentences
        words[i] += "."
    if n > 60 and rng.random() < 0.5:  # a code block
        code = "\n".join("    " + " ".join(words[j : j + 6]) for j in range(0, 30, 6))
        return (
            " ".join(words[: n // 2])
            + "\n\n```python\n"
            + code
            + "\n```\n\n"
            + " ".join(words[n // 2 :])
        )
    return " ".join(words)


def _sizes(rng: random.Random) -> list[int]:
    """Messages per conversation: conversation 0 has BIG, the rest share MESSAGES - BIG."""
    rest = MESSAGES - BIG - CONVERSATIONS // 20  # less one regenerated answer per 20
    weights = [rng.paretovariate(1.5) for _ in range(CONVERSATIONS - 1)]
    scale = rest / sum(weights)
    sizes = [max(2, min(400, round(w * scale))) for w in weights]
    i = 0
    while (diff := rest - sum(sizes)) != 0:  # settle the rounding, two messages at a time
        step = 1 if diff > 0 else -1
        if 2 <= sizes[i] + step <= 400:
            sizes[i] += step
        i = (i + 1) % len(sizes)
    return [BIG, *sizes]


def build(db: Path) -> None:
    marker = db.with_name("COMPLETE")
    if marker.exists() and marker.read_text() == LAYOUT and db.exists():
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    for p in db.parent.glob(db.name + "*"):
        p.unlink()
    t0 = time.perf_counter()
    from dsdesk.store import Store

    rng = random.Random(20_260_901)
    vocab = _vocabulary(rng)
    store = Store(db, purge_on_open=False)
    project_ids = [store.project(root).id for root in PROJECTS]
    conn = store.db.connection()
    now = time.time()
    mid = 0
    chars = 0
    conn.execute("BEGIN IMMEDIATE")
    for cid, size in enumerate(_sizes(rng), 1):
        start = now - rng.uniform(0, 730) * 86_400
        project = project_ids[0] if cid <= 1000 else rng.choice(project_ids[1:])
        rows = []
        parent: int | None = None
        for k in range(size):
            mid += 1
            t = start + k * 60.0
            if k % 2 == 0:
                content, reasoning, role, model = (
                    _text(rng, vocab, rng.randint(3, 40)),
                    None,
                    "user",
                    None,
                )
            else:
                n = rng.randint(200, 500) if rng.random() < 0.03 else rng.randint(8, 60)
                content, role, model = _text(rng, vocab, n), "assistant", "deepseek-v4-pro"
                reasoning = _text(rng, vocab, rng.randint(15, 50)) if rng.random() < 0.2 else None
                if rng.random() < 0.0002:
                    content += " " + rng.choice(_RARE)
            chars += len(content) + len(reasoning or "")
            rows.append((mid, cid, parent, role, content, reasoning, "done", model, t, t))
            if (
                role == "assistant" and cid % 20 == 0 and k == 1 and cid > 1
            ):  # a regenerated version
                mid += 1
                rows.append((mid, cid, parent, role, content[::-1], None, "done", model, t, t))
            parent = mid
        end = start + size * 60.0
        conn.execute(
            "INSERT INTO conversations(id, project_id, title, created_at, updated_at,"
            " active_leaf_id) VALUES (?, ?, ?, ?, ?, ?)",
            (cid, project, rows[0][4][:50], start, end, parent),
        )
        conn.executemany(
            "INSERT INTO messages(id, conversation_id, parent_id, role, content, reasoning,"
            " status, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA optimize")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    marker.write_text(LAYOUT)
    size_mb = db.stat().st_size / 1e6
    print(
        f"built {db} in {time.perf_counter() - t0:.0f} s: {mid:,} messages, "
        f"{chars / 1e6:.1f} MB of text, {size_mb:.0f} MB file"
    )


def measure(db: Path) -> dict[str, float]:
    """One round, in this (fresh) process."""
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    from dsdesk.store import Store

    out["import dsdesk.store"] = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    store = Store(db)
    project = store.project(PROJECTS[0])
    sidebar = store.conversations(project.id, limit=100)
    out["open + sidebar"] = (time.perf_counter() - t0) * 1000
    assert len(sidebar) == 100
    t0 = time.perf_counter()
    thread = store.thread(1)
    out["load 500 messages"] = (time.perf_counter() - t0) * 1000
    assert len(thread.messages) == BIG, len(thread.messages)
    out.update(measure_transcript(store))
    for q in QUERIES:
        t0 = time.perf_counter()
        hits = store.search(q)
        out[f"search {q}"] = (time.perf_counter() - t0) * 1000
        out[f"hits {q}"] = len(hits)
    store.close()
    return out


def measure_transcript(store: object) -> dict[str, float]:
    """Open the 500-message conversation in a transcript as the window does."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from dsdesk.config.prices import load_price_table
    from dsdesk.ui.thread_view import first_shown, show_earlier, show_thread
    from dsdesk.ui.transcript import TranscriptView

    app = QApplication.instance() or QApplication([])
    prices, _ = load_price_table()
    view = TranscriptView()
    view.resize(900, 800)
    view.show()
    app.processEvents()
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    thread = store.thread(1)  # type: ignore[attr-defined]
    first = first_shown(thread)
    show_thread(view, thread, prices, first=first)
    app.processEvents()  # layout and the first paint
    out["show 500 in transcript"] = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    earlier = first_shown(thread, include=thread.messages[first - 60].id)
    show_earlier(view, thread, prices, earlier, first)
    app.processEvents()
    out["show 60 earlier (a click)"] = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    show_thread(view, thread, prices, first=0)
    app.processEvents()
    out["build all 500 (reference)"] = (time.perf_counter() - t0) * 1000
    view.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--db", type=Path, default=DEFAULT_DB)
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.db)))
        return
    build(args.db)
    rounds = []
    for _ in range(args.rounds):
        res = subprocess.run(
            [sys.executable, __file__, "--measure", "--db", str(args.db)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        rounds.append(json.loads(res.stdout))
    print(f"{args.db} ({LAYOUT}), {args.rounds} rounds, each in a fresh process")
    print(f"{'':28} {'median':>9} {'worst':>9}   target")
    for key in rounds[0]:
        if key.startswith("hits "):
            continue
        values = [r[key] for r in rounds]
        target = TARGETS.get(key, TARGETS["search"] if key.startswith("search") else 0.0)
        if key.startswith("build all"):
            target = 0.0
        worst = max(values)
        verdict = ("ok" if worst < target else "OVER") if target else "(no target)"
        hits = f"  ({rounds[0]['hits ' + key[7:]]:.0f} hits)" if key.startswith("search") else ""
        print(
            f"{key:28} {statistics.median(values):7.1f}ms {worst:7.1f}ms   "
            f"{f'< {target:.0f} ms ' if target else ''}{verdict}{hits}"
        )


if __name__ == "__main__":
    main()
