"""Running one round's tool calls: judge, ask, checkpoint, run, answer — in call order.

Every call gets exactly one result message, whatever happens: unknown tools and bad arguments
are answered with what was wrong, denied calls with the user's reason, and calls that never ran
because the turn stopped with a "cancelled" note. A checkpoint of the project is taken before the
first call of the turn that may change it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from dsdesk.agent import events as ev
from dsdesk.agent.conversation import Conversation
from dsdesk.agent.events import Answer, Decision, ToolStatus
from dsdesk.agent.session import AgentSession
from dsdesk.agent.tools.base import EMPTY_OUTPUT, Effect
from dsdesk.agent.tools.registry import parse_arguments
from dsdesk.core.errors import DsdeskError
from dsdesk.core.messages import Message, ToolCallRecord

__all__ = ["CANCELLED_RESULT", "STOPPED_RESULT", "CallRunner", "Stopped", "TurnLimits"]

CANCELLED_RESULT = "(cancelled: the user stopped the turn before this call ran)"
STOPPED_RESULT = (
    "(stopped: the user stopped the turn while this call ran; whatever it changed before that "
    "is kept — check before relying on it)"
)


class Stopped(Exception):
    """The user answered an approval with Stop."""


class TurnLimits:
    """Per-turn guards against runaway loops: a step (round) budget, a cost cap, and identical
    calls warned about at ``repeat_warn`` and paused at ``repeat_pause``."""

    __slots__ = ("cost_cap", "max_steps", "repeat_pause", "repeat_warn")

    def __init__(
        self,
        max_steps: int = 50,
        cost_cap: float | None = None,
        repeat_warn: int = 3,
        repeat_pause: int = 5,
    ) -> None:
        self.max_steps = max_steps
        self.cost_cap = cost_cap
        self.repeat_warn = repeat_warn
        self.repeat_pause = repeat_pause


class CallRunner:
    """The tool-call half of a turn; lives as long as the turn (repeat counts, checkpoint)."""

    def __init__(
        self,
        session: AgentSession,
        conv: Conversation,
        limits: TurnLimits,
        emit: Callable[[ev.TurnEvent], None],
    ) -> None:
        self.session = session
        self.conv = conv
        self.limits = limits
        self._emit = emit
        self.calls = 0
        self._repeats: dict[tuple[str, str], int] = {}
        self._checkpointed = False
        self._running: str | None = None  # the call whose tool is running now

    async def run(self, calls: tuple[ToolCallRecord, ...]) -> str | None:
        """Run the round's calls in order; always append one result per call. Returns why the
        turn pauses (a repeated call), or None."""
        results: list[Message] = []
        pause: str | None = None
        try:
            for call in calls:
                self.calls += 1
                text, why = await self._one_call(call)
                results.append(Message.tool(call.id, text or EMPTY_OUTPUT))
                pause = pause or why
        finally:
            # Stopped or failed midway: the call that was running and those that never ran
            # still need a result. The running one may have changed files before it stopped.
            for call in calls[len(results) :]:
                ran = call.id == self._running
                text, summary = (
                    (STOPPED_RESULT, "stopped") if ran else (CANCELLED_RESULT, "not run")
                )
                results.append(Message.tool(call.id, text))
                self._emit(ev.ToolCallEnded(call.id, ToolStatus.CANCELLED, text, summary, 0.0))
            self.conv.append(*results)
            self._emit(ev.MessagesAdded(tuple(results)))
        return pause

    async def _one_call(self, call: ToolCallRecord) -> tuple[str, str | None]:
        session = self.session
        started = time.monotonic()
        tool = session.by_name.get(call.name)
        args = parse_arguments(call.arguments)
        if tool is None or isinstance(args, str):
            why = (
                f"Unknown tool {call.name!r}; the tools are: {', '.join(session.by_name)}."
                if tool is None
                else f"Not run: {args}."
            )
            self._emit(
                ev.ToolCallReady(call.id, call.name, call.arguments, call.name, Decision.DENY, why)
            )
            self._emit(ev.ToolCallEnded(call.id, ToolStatus.FAILED, why, "invalid call", 0.0))
            return why, None
        title = _safe(lambda: tool.describe(args), call.name)
        facts = session.facts(tool, args, session.ctx)
        decision, why = session.policy.decide(facts)
        self._emit(ev.ToolCallReady(call.id, call.name, call.arguments, title, decision, why))
        approval: Answer | None = None
        if decision is Decision.ASK:
            describe = session.detail
            detail = (
                title
                if describe is None
                else _safe(lambda: describe(tool, args, session.ctx), title)
            )
            question = ev.AwaitingApproval(call.id, title, detail, why)
            self._emit(question)
            reply = await session.approver(question)
            approval = reply.answer
            if reply.answer is Answer.STOP:
                raise Stopped
            if reply.answer is Answer.DENY:
                text = "The user denied this call." + (
                    f" Their reason: {reply.reason}" if reply.reason else ""
                )
                self._emit(
                    ev.ToolCallEnded(
                        call.id,
                        ToolStatus.DENIED,
                        text,
                        _short("denied: " + reply.reason if reply.reason else "denied"),
                        0.0,
                        approval=approval,
                        reason=reply.reason,
                    )
                )
                return text, None
            rule = session.policy.remember(reply.answer, facts)
            if rule is not None and reply.answer is Answer.ALWAYS and session.save_rules:
                # An atomic write with fsync: off the event loop, which is the GUI thread.
                await asyncio.to_thread(session.save_rules, list(session.policy.rules))
        elif decision is Decision.DENY:
            text = f"Refused by the user's rules ({why}); do not retry this call."
            self._emit(ev.ToolCallEnded(call.id, ToolStatus.DENIED, text, f"refused: {why}", 0.0))
            return text, None
        if tool.effect is not Effect.READ:
            await self._checkpoint(title)
        session.ctx.on_output = lambda t: self._emit(ev.ToolOutput(call.id, t))
        self._running = call.id
        try:
            result = await session.runner(session.tools, call.name, call.arguments, session.ctx)
        finally:
            session.ctx.on_output = None
            if tool.effect is not Effect.READ:
                await self._after(title)  # also when stopped mid-command: it may have written
        self._running = None
        status = ToolStatus.FAILED if result.is_error else ToolStatus.DONE
        self._emit(
            ev.ToolCallEnded(
                call.id,
                status,
                result.text,
                result.summary,
                time.monotonic() - started,
                result.changed,
                approval,
                diff=result.diff,
            )
        )
        return result.text, self._repeat_check(call)

    async def _checkpoint(self, title: str) -> None:
        session = self.session
        if self._checkpointed or session.checkpoints is None:
            return
        self._checkpointed = True
        label = f"Before: {title}"
        try:
            cp = await session.checkpoints.snapshot(label)
        except (OSError, DsdeskError) as exc:
            msg = exc.user_message if isinstance(exc, DsdeskError) else str(exc)
            self._emit(ev.Notice(f"No checkpoint for this turn: {msg}"))
            return
        self._emit(ev.CheckpointMade(cp, label))

    async def _after(self, title: str) -> None:
        """Record what the call may have changed, so a restore knows the agent's files."""
        checkpoints = self.session.checkpoints
        if checkpoints is None or not self._checkpointed:
            return
        try:
            await checkpoints.after(f"After: {title}")
        except (OSError, DsdeskError) as exc:
            msg = exc.user_message if isinstance(exc, DsdeskError) else str(exc)
            self._emit(ev.Notice(f"Could not record the changes of {title}: {msg}"))

    def _repeat_check(self, call: ToolCallRecord) -> str | None:
        key = (call.name, call.arguments.strip())
        n = self._repeats[key] = self._repeats.get(key, 0) + 1
        if n == self.limits.repeat_warn:
            self._emit(ev.Notice(f"The model made the same {call.name} call {n} times."))
        if n >= self.limits.repeat_pause:
            return (
                f"Paused: the model made the same {call.name} call {n} times in this turn. "
                "Continue if that is intended, or tell it what to do instead."
            )
        return None


def _short(text: str, limit: int = 80) -> str:
    """A summary line: the first sentence, capped."""
    first = text.split(". ")[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _safe(fn: Callable[[], str], fallback: str) -> str:
    try:
        return fn()
    except Exception:  # a describe() that trips over odd arguments must not stop the turn
        return fallback
