"""``dsdesk ask``: stream one answer to the terminal.

The answer goes to stdout as it arrives, the reasoning to stderr (dimmed on a terminal), and a
one-line usage/cost summary to stderr at the end. ``--json`` prints one JSON object per event.
Exit codes: 0 done, 2 usage error, 3 API error or no final answer (reasoning only), 4 network
error, 130 interrupted, 141 the output pipe was closed (``| head``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from contextlib import aclosing
from typing import Any, TextIO

from dsdesk.cli import EXIT_API, EXIT_INTERRUPTED, EXIT_NETWORK, EXIT_OK, EXIT_USAGE
from dsdesk.cli.request_args import add_model_arguments, read_prompt, resolve_options
from dsdesk.config.prices import load_price_table
from dsdesk.config.secrets import load_api_key
from dsdesk.config.settings import effective_base_url
from dsdesk.core.errors import ApiError, ConfigError, DsdeskError, NetworkError
from dsdesk.core.events import (
    ContentDelta,
    Finished,
    ReasoningDelta,
    Retrying,
    StreamEvent,
    StreamStarted,
    ToolCallDelta,
    Usage,
)
from dsdesk.core.messages import Message
from dsdesk.core.pricing import PriceTable, format_cost
from dsdesk.core.request import ChatOptions, build_chat_request
from dsdesk.llm.client import DeepSeekClient

DIM, RESET = "\x1b[2m", "\x1b[0m"
REASONING_ONLY = (
    "the model answered with reasoning only (no final answer); run again or raise --max-tokens"
)
EXIT_CODES = (
    "exit codes: 0 done, 2 usage error, 3 API error or no final answer (reasoning only), "
    "4 network error, 130 interrupted, 141 output pipe closed"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = EXIT_CODES
    p.add_argument("prompt", help="the question; '-' reads it from standard input")
    add_model_arguments(p, "maximum output tokens")
    p.add_argument("--system", metavar="TEXT", help="a system prompt")
    p.add_argument("--json", action="store_true", help="one JSON object per event on stdout")


def run(args: argparse.Namespace) -> int:
    prompt = read_prompt(args, "ask")
    if prompt is None:
        return EXIT_USAGE
    resolved = resolve_options(args, "ask")
    if resolved is None:
        return EXIT_USAGE
    settings, opts = resolved
    messages = [Message.system(args.system)] if args.system else []
    messages.append(Message.user(prompt))
    body = build_chat_request(messages, opts)
    config = settings.client_config(
        load_api_key().value, effective_base_url(settings, args.base_url)
    )
    printer = JsonPrinter(sys.stdout) if args.json else TextPrinter(sys.stdout, sys.stderr)
    prices, price_problem = load_price_table()
    if price_problem and not args.json:
        print(f"dsdesk: {price_problem}", file=sys.stderr)

    async def go() -> int:
        answered = reasoned = False
        async with DeepSeekClient(config) as client:
            try:
                async with aclosing(client.stream_chat(body)) as events:
                    async for event in events:
                        printer.event(event)
                        if isinstance(event, ToolCallDelta):
                            answered = True
                        elif isinstance(event, ContentDelta):
                            answered = answered or bool(event.text.strip())
                        elif isinstance(event, ReasoningDelta):
                            reasoned = True
            except DsdeskError as exc:
                printer.error(exc)
                return _exit_code(exc)
        printer.summary(opts, prices)
        if reasoned and not answered:
            # Thinking used the whole budget (or the model stopped): nothing to pipe on.
            printer.no_answer(REASONING_ONLY)
            return EXIT_API
        return EXIT_OK

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        printer.interrupted()
        return EXIT_INTERRUPTED


def _exit_code(exc: DsdeskError) -> int:
    if isinstance(exc, ConfigError):
        return EXIT_USAGE
    if isinstance(exc, NetworkError):
        return EXIT_NETWORK
    return EXIT_API


def usage_line(usage: Usage | None, model: str, opts: ChatOptions, prices: PriceTable) -> str:
    mode = f"thinking {opts.effort}" if opts.thinking else "non-thinking"
    if usage is None:
        return f"{model} · {mode} · no usage reported"
    return (
        f"{model} · {mode} · input {usage.prompt_tokens:,} "
        f"(cache hit {usage.cache_hit_tokens:,}, miss {usage.cache_miss_tokens:,}) · "
        f"reasoning {usage.reasoning_tokens:,} · output {usage.output_tokens:,} · "
        f"{format_cost(prices.cost(usage, model), prices.currency)}"
    )


class TextPrinter:
    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.dim = err.isatty()
        self.model = ""
        self.usage: Usage | None = None
        self.finish: str | None = None
        self._in_reasoning = False
        self._ends_newline = True

    def event(self, ev: StreamEvent) -> None:
        if isinstance(ev, ContentDelta):
            if self._in_reasoning:
                self._end_reasoning()
            self.out.write(ev.text)
            self.out.flush()
            self._ends_newline = ev.text.endswith("\n")
        elif isinstance(ev, ReasoningDelta):
            if not self._in_reasoning:
                self._in_reasoning = True
                if self.dim:
                    self.err.write(DIM)
            self.err.write(ev.text)
            self.err.flush()
        elif isinstance(ev, ToolCallDelta):
            if ev.name:
                self.err.write(f"\n[tool call {ev.name}] ")
            self.err.write(ev.arguments)
            self.err.flush()
        elif isinstance(ev, Usage):
            self.usage = ev
        elif isinstance(ev, Finished):
            self.finish = ev.reason
        elif isinstance(ev, StreamStarted):
            self.model = ev.model
        elif isinstance(ev, Retrying):
            self.err.write(f"dsdesk: {ev.reason} Retrying in {ev.delay:.1f} s…\n")

    def _end_reasoning(self) -> None:
        self._in_reasoning = False
        self.err.write((RESET if self.dim else "") + "\n\n")
        self.err.flush()

    def _finish_output(self) -> None:
        if self._in_reasoning:
            self._end_reasoning()
        if not self._ends_newline:
            self.out.write("\n")
            self._ends_newline = True
        self.out.flush()

    def summary(self, opts: ChatOptions, prices: PriceTable) -> None:
        self._finish_output()
        if self.finish == "length":
            self.err.write("dsdesk: the answer was cut at --max-tokens.\n")
        elif self.finish and self.finish != "stop":
            self.err.write(f"dsdesk: finish reason: {self.finish}\n")
        self.err.write(usage_line(self.usage, self.model or opts.model, opts, prices) + "\n")

    def error(self, exc: DsdeskError) -> None:
        self._finish_output()
        self.err.write(f"dsdesk: {exc.user_message}\n")

    def no_answer(self, message: str) -> None:
        self.err.write(f"dsdesk: {message}\n")

    def interrupted(self) -> None:
        self._finish_output()
        self.err.write("dsdesk: interrupted; the partial answer is above.\n")


class JsonPrinter:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.model = ""
        self.usage: Usage | None = None

    def _emit(self, obj: dict[str, Any]) -> None:
        self.out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.out.flush()

    def event(self, ev: StreamEvent) -> None:
        if isinstance(ev, ContentDelta):
            self._emit({"type": "content", "text": ev.text})
        elif isinstance(ev, ReasoningDelta):
            self._emit({"type": "reasoning", "text": ev.text})
        elif isinstance(ev, ToolCallDelta):
            self._emit(
                {
                    "type": "tool_call",
                    "index": ev.index,
                    "id": ev.id,
                    "name": ev.name,
                    "arguments": ev.arguments,
                }
            )
        elif isinstance(ev, Usage):
            self.usage = ev
        elif isinstance(ev, Finished):
            self._emit({"type": "finish", "reason": ev.reason})
        elif isinstance(ev, StreamStarted):
            self.model = ev.model
            self._emit({"type": "start", "id": ev.completion_id, "model": ev.model})
        elif isinstance(ev, Retrying):
            self._emit(
                {"type": "retry", "attempt": ev.attempt, "delay": ev.delay, "reason": ev.reason}
            )

    def summary(self, opts: ChatOptions, prices: PriceTable) -> None:
        if self.usage is None:
            return
        u = self.usage
        self._emit(
            {
                "type": "usage",
                "prompt_tokens": u.prompt_tokens,
                "completion_tokens": u.completion_tokens,
                "cache_hit_tokens": u.cache_hit_tokens,
                "cache_miss_tokens": u.cache_miss_tokens,
                "reasoning_tokens": u.reasoning_tokens,
                "cost": prices.cost(u, self.model or opts.model),
                "currency": prices.currency,
            }
        )

    def error(self, exc: DsdeskError) -> None:
        obj: dict[str, Any] = {"type": "error", "error": type(exc).__name__}
        obj["message"] = exc.user_message
        if isinstance(exc, ApiError):
            obj["status"] = exc.status
            obj["server_message"] = exc.server_message
        self._emit(obj)

    def no_answer(self, message: str) -> None:
        self._emit({"type": "error", "error": "NoFinalAnswer", "message": message})

    def interrupted(self) -> None:
        self._emit({"type": "error", "error": "Interrupted", "message": "interrupted"})
