"""Events/s parsed by dsdesk's client vs the `openai` SDK reading the same 200,000-chunk stream
from the simulator over loopback, in the same run. Prints the figures; asserts nothing.

    .venv/bin/python bench/sse_throughput.py [--chunks 200000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from contextlib import aclosing

from dsdesk.core.events import ContentDelta, Finished
from dsdesk.core.messages import Message
from dsdesk.core.request import ChatOptions, build_chat_request
from dsdesk.devserver import Reply, Simulator
from dsdesk.llm.client import DeepSeekClient
from dsdesk.llm.config import ClientConfig

KEY = "sk-bench-0000000000"


async def run_dsdesk(base_url: str, chunks: int) -> float:
    body = build_chat_request([Message.user("go")], ChatOptions(thinking=False, max_tokens=384_000))
    async with DeepSeekClient(ClientConfig(base_url=base_url, api_key=KEY)) as client:
        t0 = time.perf_counter()
        n = 0
        finished = False
        async with aclosing(client.stream_chat(body)) as events:
            async for ev in events:
                if isinstance(ev, ContentDelta):
                    n += 1
                elif isinstance(ev, Finished):
                    finished = True
        dt = time.perf_counter() - t0
    assert n == chunks and finished, (n, finished)
    return dt


async def run_openai(base_url: str, chunks: int) -> float:
    import openai

    client = openai.AsyncOpenAI(base_url=base_url, api_key=KEY, max_retries=0)
    try:
        t0 = time.perf_counter()
        n = 0
        stream = await client.chat.completions.create(
            model="deepseek-v4-pro",
            messages=[{"role": "user", "content": "go"}],
            stream=True,
            stream_options={"include_usage": True},
            max_tokens=384_000,
            extra_body={"thinking": {"type": "disabled"}},
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                n += 1
        dt = time.perf_counter() - t0
    finally:
        await client.close()
    assert n == chunks, n
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--chunks", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    results: dict[str, list[float]] = {"dsdesk": [], "openai SDK": []}
    with Simulator(api_key=KEY) as sim:
        for _ in range(args.rounds):
            # Alternate the two readers so that machine noise hits both alike.
            sim.enqueue(Reply.generated(args.chunks))
            results["dsdesk"].append(asyncio.run(run_dsdesk(sim.base_url, args.chunks)))
            sim.enqueue(Reply.generated(args.chunks))
            results["openai SDK"].append(asyncio.run(run_openai(sim.base_url, args.chunks)))
    print(f"SSE throughput: {args.chunks:,} chunks over loopback, {args.rounds} rounds each")
    print(f"{'reader':<12} {'median s':>9} {'events/s (median)':>18} {'best events/s':>14}")
    for name, times in results.items():
        med = statistics.median(times)
        print(
            f"{name:<12} {med:>9.3f} {args.chunks / med:>18,.0f} {args.chunks / min(times):>14,.0f}"
        )
    ratio = statistics.median(results["openai SDK"]) / statistics.median(results["dsdesk"])
    print(f"dsdesk is {ratio:.2f}x the openai SDK's rate")


if __name__ == "__main__":
    main()
