"""A 50-step agent session over the simulator, on a real project (a copy of dsdesk's own source).

Prints: the time dsdesk itself spends per step (judging, running the real tools, building the
next request, parsing the stream — everything but the simulated model's think time, which is
zero here: the simulator answers at once), peak RSS, and the prompt-cache invariant — every
request's messages a byte-prefix extension of the previous one, and the simulator's cache-hit
rate after the first request. Targets: 50/50 prefix extensions, hit rate >= 99 %. Asserts nothing.

    .venv/bin/python bench/agent.py [--steps 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dsdesk.agent import events as ev  # noqa: E402
from dsdesk.agent.build import SessionOptions, build_session  # noqa: E402
from dsdesk.agent.calls import TurnLimits  # noqa: E402
from dsdesk.agent.conversation import Conversation  # noqa: E402
from dsdesk.agent.loop import Turn  # noqa: E402
from dsdesk.agent.policy import Mode  # noqa: E402
from dsdesk.config.prices import shipped_prices_text  # noqa: E402
from dsdesk.core.pricing import PriceTable  # noqa: E402
from dsdesk.core.prompts import AGENT_SYSTEM_PROMPT  # noqa: E402
from dsdesk.core.request import ChatOptions  # noqa: E402
from dsdesk.devserver import Reply, Simulator  # noqa: E402
from dsdesk.llm.client import DeepSeekClient  # noqa: E402
from dsdesk.llm.config import ClientConfig  # noqa: E402

KEY = "sk-bench-agent-000000000"


def script(project: Path, steps: int) -> list[Reply]:
    """Believable exploration: list, glob, grep and read real files, in a rotating pattern."""
    files = sorted(p.relative_to(project).as_posix() for p in project.rglob("*.py"))
    words = ("def ", "class ", "import ", "return ", "async ", "Signal", "TODO", "raise ")
    replies: list[Reply] = []
    for n in range(steps - 1):
        f = files[(n * 7) % len(files)]
        kind = n % 4
        if kind == 0:
            name, args = "read_file", {"path": f}
        elif kind == 1:
            name, args = "grep", {"pattern": words[n % len(words)], "path": f.rsplit("/", 1)[0]}
        elif kind == 2:
            name, args = "list_dir", {"path": f.rsplit("/", 1)[0]}
        else:
            name, args = "glob", {"pattern": f"*{Path(f).stem[:3]}*.py"}
        replies.append(
            Reply.text(
                "",
                f"Step {n + 1}: I will {name} to learn more about {f}.",
                tool_calls=[{"name": name, "arguments": json.dumps(args)}],
                chunk_size=64,
            )
        )
    replies.append(Reply.text("I have read enough: the project is layered as documented."))
    return replies


def prefix_extensions(requests: list[dict[str, Any]]) -> tuple[int, int]:
    """How many requests start with the previous request's bytes (messages, tools, options)."""
    ok = 0
    for prev, cur in itertools.pairwise(requests):
        a = json.dumps(prev["messages"], ensure_ascii=False, separators=(",", ":"))[:-1]
        b = json.dumps(cur["messages"], ensure_ascii=False, separators=(",", ":"))
        same_rest = {k: v for k, v in prev.items() if k != "messages"} == {
            k: v for k, v in cur.items() if k != "messages"
        }
        ok += b.startswith(a) and same_rest
    return ok, len(requests) - 1


async def one_round(steps: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "dsdesk-src"
        shutil.copytree(ROOT / "dsdesk", project / "dsdesk")
        shutil.copytree(ROOT / "tests", project / "tests")
        session, _notes = build_session(SessionOptions(project, Path(tmp) / "data", Mode.AUTO_EDIT))
        with Simulator(api_key=KEY) as sim:
            for r in script(project, steps):
                sim.enqueue(r)
            cfg = ClientConfig(base_url=sim.base_url, api_key=KEY, max_retries=0)
            opts = ChatOptions(model="deepseek-v4-pro", max_tokens=8000)
            prices = PriceTable.from_toml(shipped_prices_text())
            conv = Conversation(system_prompt=AGENT_SYSTEM_PROMPT)
            in_request = 0.0
            round_start = 0.0
            hits = prompts = reused = previous = 0
            last_prompt = 0
            first = True
            t0 = time.perf_counter()
            async with DeepSeekClient(cfg) as client:
                turn = Turn(
                    conv,
                    client,
                    opts,
                    prices,
                    prompt="Study this project.",
                    session=session,
                    limits=TurnLimits(max_steps=steps + 5),
                )
                async for e in turn.events():
                    if isinstance(e, ev.RoundStarted):
                        round_start = time.perf_counter()
                    elif isinstance(e, ev.RoundEnded):
                        in_request += time.perf_counter() - round_start
                        if e.usage and not first:
                            hits += e.usage.cache_hit_tokens
                            prompts += e.usage.prompt_tokens
                            # The part of this request that the previous one had sent: what a
                            # client can make hit; the rest is new tool output (always a miss).
                            reused += min(e.usage.cache_hit_tokens, last_prompt)
                            previous += last_prompt
                        if e.usage:
                            last_prompt = e.usage.prompt_tokens
                        first = False
                    elif isinstance(e, ev.TurnEnded):
                        end = e
            wall = time.perf_counter() - t0
            requests = [r.json for r in sim.chat_requests]
    ok, pairs = prefix_extensions(requests)
    return {
        "steps": end.rounds,
        "tool_calls": end.tool_calls,
        "wall_ms": wall * 1000,
        "outside_request_ms_per_step": (wall - in_request) * 1000 / max(1, end.rounds),
        "request_ms_per_step": in_request * 1000 / max(1, end.rounds),
        "prefix_ok": ok,
        "pairs": pairs,
        "hit_rate": hits / prompts if prompts else 0.0,
        "reuse_rate": reused / previous if previous else 0.0,
        "last_prompt_tokens": float(conv.server_prompt[0] if conv.server_prompt else 0),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rows = [asyncio.run(one_round(args.steps)) for _ in range(args.rounds)]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    worst_prefix = min(r["prefix_ok"] for r in rows)
    print(
        f"agent session: {int(med['steps'])} steps, {int(med['tool_calls'])} tool calls, "
        f"{args.rounds} rounds (median)"
    )
    print(f"  whole session                 {med['wall_ms']:8.0f} ms")
    print(
        f"  dsdesk per step (tools, judging, request building; outside the HTTP exchange)"
        f" {med['outside_request_ms_per_step']:6.1f} ms"
    )
    print(
        f"  per step inside the exchange (simulator + stream parsing)"
        f"                  {med['request_ms_per_step']:6.1f} ms"
    )
    print(f"  peak RSS                      {rss:8.0f} MB")
    print(
        f"  prefix extensions             {worst_prefix}/{int(med['pairs'])} (worst round)"
        "   target: all"
    )
    print(
        f"  cache-hit rate after request 1 {med['hit_rate'] * 100:7.2f} %   target: >= 99 %"
        " (the rest is each step's new tool output, a miss for any client)"
    )
    print(f"  previous request's tokens hit {med['reuse_rate'] * 100:7.2f} %")
    print(f"  last prompt                   {med['last_prompt_tokens']:8.0f} tokens")


if __name__ == "__main__":
    main()
