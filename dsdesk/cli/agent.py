"""``dsdesk agent``: V4 works on a project from the terminal — reads, searches, edits, runs.

The answer goes to stdout as it arrives; reasoning, tool activity (each call in one line, live
command output, results) and a summary go to stderr. ``--json`` prints one JSON object per event
on stdout instead. Approvals are asked on the terminal (y once / s session / a always / n deny
with a reason / q stop); without a terminal every call that needs approval is refused and the
model is told why — the command never hangs. Ctrl+C stops the turn cleanly (the running command
is killed, pending calls answered as cancelled); a second Ctrl+C quits at once.

Exit codes: 0 done, 2 usage, 3 API error, 4 network error, 5 paused by a limit, 130 stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import enum
import json
import signal
import sys
from contextlib import aclosing
from pathlib import Path
from typing import Any, ClassVar, TextIO

from dsdesk.agent import events as ev
from dsdesk.agent.build import SessionOptions, build_session
from dsdesk.agent.calls import TurnLimits
from dsdesk.agent.conversation import Conversation
from dsdesk.agent.events import Answer, Approval, AwaitingApproval, ToolStatus, TurnStatus
from dsdesk.agent.loop import Turn
from dsdesk.agent.mcp.hub import McpHub
from dsdesk.agent.mcp.setup import load_for, new_hub, project_note, state_line, tools_changed_note
from dsdesk.agent.mcp.state import ServerState, Status
from dsdesk.agent.mcp.tools import McpTool, make_tools
from dsdesk.agent.policy import Mode
from dsdesk.agent.session import deny_all
from dsdesk.cli import EXIT_API, EXIT_INTERRUPTED, EXIT_NETWORK, EXIT_OK, EXIT_USAGE
from dsdesk.cli.request_args import add_model_arguments, read_prompt, resolve_options
from dsdesk.config.paths import data_dir
from dsdesk.config.prices import load_price_table
from dsdesk.config.secrets import load_api_key
from dsdesk.config.settings import effective_base_url
from dsdesk.core.pricing import PriceTable, format_cost
from dsdesk.core.prompts import AGENT_SYSTEM_PROMPT
from dsdesk.core.redact import clean_server_text as safe
from dsdesk.core.request import ChatOptions
from dsdesk.llm.client import DeepSeekClient
from dsdesk.llm.config import ClientConfig

EXIT_LIMIT = 5
DIM, RESET = "\x1b[2m", "\x1b[0m"
_MODES = {m.value: m for m in Mode if m is not Mode.CHAT}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("prompt", help="the task; '-' reads it from standard input")
    p.add_argument("--root", metavar="DIR", default=".", help="the project folder (default: .)")
    p.add_argument(
        "--mode",
        choices=tuple(_MODES),
        default="auto-edit",
        help="read-only: reads run, the rest asks; auto-edit (default): edits run too "
        "(undo with 'dsdesk undo'), commands ask; full-auto: everything runs, commands only "
        "in the sandbox",
    )
    add_model_arguments(p, "maximum output tokens per step")
    p.add_argument("--max-steps", type=int, default=50, metavar="N", help="step budget (50)")
    p.add_argument("--cost-cap", type=float, metavar="USD", help="pause when a turn costs more")
    p.add_argument("--network", action="store_true", help="commands may use the network")
    p.add_argument("--json", action="store_true", help="one JSON object per event on stdout")
    p.add_argument(
        "--mcp-config",
        metavar="FILE",
        action="append",
        default=[],
        type=Path,
        help='MCP servers ({"mcpServers": ...}) to use as well as your own and the trusted '
        "project's (repeatable; its servers win on a name they share)",
    )


def run(args: argparse.Namespace) -> int:
    prompt = read_prompt(args, "agent")
    if prompt is None:
        return EXIT_USAGE
    root = Path(args.root)
    if not root.is_dir():
        print(f"dsdesk agent: {args.root}: not a folder", file=sys.stderr)
        return EXIT_USAGE
    if args.max_steps < 1:
        print("dsdesk agent: --max-steps must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    resolved = resolve_options(args, "agent")
    if resolved is None:
        return EXIT_USAGE
    settings, opts = resolved
    config = settings.client_config(
        load_api_key().value, effective_base_url(settings, args.base_url)
    )
    prices, price_problem = load_price_table()
    if price_problem:
        print(f"dsdesk: {price_problem}", file=sys.stderr)
    interactive = sys.stdin.isatty() and args.prompt != "-" and not args.json
    out = JsonEvents(sys.stdout) if args.json else TextEvents(sys.stdout, sys.stderr)
    mode = _MODES[args.mode]
    hub, mcp_tools = _start_mcp(root.resolve(), args.mcp_config, out)
    try:
        return _run(args, root, prompt, mode, (config, opts, prices), interactive, out, mcp_tools)
    finally:
        if hub is not None:
            hub.close()


def _start_mcp(
    root: Path, extra: list[Path], out: TextEvents | JsonEvents
) -> tuple[McpHub | None, tuple[McpTool, ...]]:
    """Start the configured MCP servers and wait for them (each bounded by its startup
    timeout); their tools are fixed for this run."""
    cfg = load_for(root, extra)
    for problem in cfg.problems:
        out.note(problem)
    note = project_note(cfg)
    if note:
        out.note(note)
    if not cfg.servers:
        return None, ()
    hub = new_hub()
    hub.configure(cfg.servers).result()
    hub.wait_started_sync(hub.startup_timeout + 30)
    states = hub.states()
    for state in states:
        if state.status is not Status.RUNNING:
            out.note(f"MCP server {state.name!r} {state_line(state)}")
    fixed = {s.name: s.generation for s in states}

    def changed(state: ServerState) -> None:
        if state.name in fixed and state.generation != fixed[state.name]:
            fixed[state.name] = state.generation
            if state.status is Status.RUNNING:
                out.note(tools_changed_note(state.name).replace("conversation", "run"))

    hub.add_listener(changed)
    return hub, tuple(make_tools(states, hub))


def _run(
    args: argparse.Namespace,
    root: Path,
    prompt: str,
    mode: Mode,
    setup: tuple[ClientConfig, ChatOptions, PriceTable],
    interactive: bool,
    out: TextEvents | JsonEvents,
    mcp_tools: tuple[McpTool, ...],
) -> int:
    config, opts, prices = setup
    session, notes = build_session(
        SessionOptions(
            root=root.resolve(),
            data_dir=data_dir(),
            mode=mode,
            network=args.network,
            mcp_tools=mcp_tools,
        )
    )
    for note in notes:
        out.note(note)
    if mode is Mode.FULL_AUTO and not session.policy.sandboxed:
        print(
            "dsdesk agent: full-auto needs a sandbox and none works here "
            f"({notes[0] if notes else 'bubblewrap missing'}); use auto-edit.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    session.approver = TerminalApprover(sys.stderr) if interactive else deny_all
    limits = TurnLimits(max_steps=args.max_steps, cost_cap=args.cost_cap)

    async def go() -> int:
        loop = asyncio.get_running_loop()
        conv = Conversation(system_prompt=AGENT_SYSTEM_PROMPT)
        async with DeepSeekClient(config) as client:
            turn = Turn(conv, client, opts, prices, prompt=prompt, session=session, limits=limits)

            def on_sigint() -> None:
                loop.remove_signal_handler(signal.SIGINT)  # a second Ctrl+C quits at once
                out.note("stopping…")
                turn.stop()

            loop.add_signal_handler(signal.SIGINT, on_sigint)
            try:
                async with aclosing(turn.events()) as events:
                    async for e in events:
                        out.event(e, prices)
                        if isinstance(e, ev.TurnEnded):
                            return _exit_code(e)
            finally:
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(signal.SIGINT)
        return EXIT_API  # unreachable: a turn always ends with TurnEnded

    try:
        return asyncio.run(go())
    except KeyboardInterrupt:
        out.note("interrupted")
        return EXIT_INTERRUPTED


def _exit_code(end: ev.TurnEnded) -> int:
    if end.status is TurnStatus.STOPPED:
        return EXIT_INTERRUPTED
    if end.status is TurnStatus.LIMIT:
        return EXIT_LIMIT
    if end.status is TurnStatus.ERROR:
        if end.error_kind == "config":
            return EXIT_USAGE
        return EXIT_NETWORK if end.error_kind == "network" else EXIT_API
    return EXIT_OK


class TerminalApprover:
    """Asks on the terminal; the answer is read without a thread (``add_reader``), so a Stop
    while it waits leaves nothing blocked behind."""

    KEYS: ClassVar[dict[str, Answer]] = {
        "y": Answer.ONCE,
        "s": Answer.SESSION,
        "a": Answer.ALWAYS,
        "n": Answer.DENY,
    }

    def __init__(self, err: TextIO) -> None:
        self.err = err

    async def __call__(self, q: AwaitingApproval) -> Approval:
        # The model chose these words: no escape sequence may repaint the question.
        title, detail = safe(q.title), safe(q.detail)
        self.err.write(
            f"\n  ? {title}  ({q.why})\n"
            + (f"{_indent(detail)}\n" if detail != title else "")
            + "    allow? [y] once  [s] this session  [a] always  [n] deny  [q] stop: "
        )
        self.err.flush()
        while True:
            line = (await _read_line()).strip()
            key = line[:1].lower()
            if key == "q" or line == "":
                return Approval(Answer.STOP if key == "q" else Answer.DENY, "")
            if key in self.KEYS:
                reason = ""
                if key == "n":
                    self.err.write("    reason for the model (Enter for none): ")
                    self.err.flush()
                    reason = (await _read_line()).strip()
                return Approval(self.KEYS[key], reason)
            self.err.write("    y, s, a, n or q: ")
            self.err.flush()


async def _read_line() -> str:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()
    fd = sys.stdin.fileno()

    def ready() -> None:
        if not done.done():
            done.set_result(sys.stdin.readline())

    loop.add_reader(fd, ready)
    try:
        return await done
    finally:
        loop.remove_reader(fd)


def _indent(text: str, limit: int = 40) -> str:
    lines = text.splitlines()
    more = f"\n    … {len(lines) - limit} more lines" if len(lines) > limit else ""
    return "\n".join(f"    │ {line}" for line in lines[:limit]) + more


class TextEvents:
    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err
        self.dim = err.isatty()
        self._reasoning = False
        self._ends_newline = True

    def note(self, text: str) -> None:
        self._close_reasoning()
        self.err.write(f"dsdesk: {text}\n")
        self.err.flush()

    def _close_reasoning(self) -> None:
        if self._reasoning:
            self._reasoning = False
            self.err.write((RESET if self.dim else "") + "\n")

    def event(self, e: ev.TurnEvent, prices: PriceTable) -> None:
        if isinstance(e, ev.ReasoningText):
            if not self._reasoning:
                self._reasoning = True
                self.err.write(DIM if self.dim else "")
            self.err.write(e.text)
            self.err.flush()
            return
        self._close_reasoning()
        if isinstance(e, ev.ContentText):
            self.out.write(e.text)
            self.out.flush()
            self._ends_newline = e.text.endswith("\n")
        elif isinstance(e, ev.ToolCallReady):
            self.err.write(f"→ {safe(e.title)}\n")
        elif isinstance(e, ev.ToolOutput):
            out = safe(e.text)
            self.err.write(f"{DIM}{out}{RESET}" if self.dim else out)
        elif isinstance(e, ev.ToolCallEnded):
            mark = "✓" if e.status is ToolStatus.DONE else "✗"
            summary = safe(e.summary) or e.status.value
            self.err.write(f"  {mark} {summary} ({e.seconds:.1f} s)\n")
        elif isinstance(e, ev.CheckpointMade):
            self.err.write(f"  ⟲ checkpoint {e.checkpoint_id[:12]} ({safe(e.label)})\n")
        elif isinstance(e, ev.Notice):
            self.err.write(f"dsdesk: {safe(e.text)}\n")
        elif isinstance(e, ev.Retrying):
            self.err.write(f"dsdesk: {e.reason} Retrying in {e.delay:.1f} s…\n")
        elif isinstance(e, ev.TurnEnded):
            self._summary(e, prices)
        self.err.flush()

    def _summary(self, e: ev.TurnEnded, prices: PriceTable) -> None:
        if not self._ends_newline:
            self.out.write("\n")
            self.out.flush()
        if e.message:
            self.err.write(f"dsdesk: {e.message}\n")
        u = e.usage
        tokens = (
            f" · input {u.prompt_tokens:,} (cache hit {u.cache_hit_tokens:,}) · "
            f"output {u.completion_tokens:,}"
            if u
            else ""
        )
        self.err.write(
            f"{e.model} · {e.rounds} steps · {e.tool_calls} tool calls{tokens} · "
            f"{format_cost(e.cost, prices.currency)}\n"
        )


class JsonEvents:
    """One object per event: ``{"type": "tool_call_ended", ...fields}``; enums as values."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def note(self, text: str) -> None:
        self._emit({"type": "notice", "text": text})

    def event(self, e: ev.TurnEvent, prices: PriceTable) -> None:
        obj: dict[str, Any] = {"type": _snake(type(e).__name__)}
        obj.update(_plain(dataclasses.asdict(e)))
        if isinstance(e, ev.TurnEnded):
            obj["currency"] = prices.currency
        self._emit(obj)

    def _emit(self, obj: dict[str, Any]) -> None:
        self.out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.out.flush()


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
