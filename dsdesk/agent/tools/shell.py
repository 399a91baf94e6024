"""``run_command``: run a shell command in the project root, sandboxed unless the session says
otherwise, and give the model its exit code and output (the loop cuts long output for the model
with ``tools/output.py``; the full text is returned here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsdesk.agent.process import (
    DEFAULT_TIMEOUT_S,
    MAX_TIMEOUT_S,
    ProcessResult,
    SandboxUnavailableError,
    run_process,
)
from dsdesk.agent.tools.base import EMPTY_OUTPUT, Effect, ToolContext, ToolError, ToolResult
from dsdesk.agent.tools.command_risk import Risk, command_parts, command_risk

__all__ = ["Risk", "RunCommand", "command_parts", "command_risk", "format_result"]


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 60 else f"{int(value // 60)} min {value % 60:.0f} s"


def format_result(res: ProcessResult, timeout_s: float) -> tuple[str, str]:
    """(text for the model, summary for the window)."""
    if res.timed_out:
        head = f"timed out after {_seconds(timeout_s)}; the command and its processes were killed"
        summary = f"timed out · {_seconds(res.duration_s)}"
    else:
        head = f"exit code {res.exit_code} · {_seconds(res.duration_s)}"
        summary = f"exit {res.exit_code} · {_seconds(res.duration_s)}"
    notes = []
    if res.stopped_leftovers:
        notes.append("background processes still running when it ended were stopped")
    if not res.sandboxed:
        notes.append("unsandboxed")
    if notes:
        head += " (" + "; ".join(notes) + ")"
    return f"{head}\n{res.output if res.output else EMPTY_OUTPUT}", summary


class RunCommand:
    name = "run_command"
    description = (
        "Run a shell command (bash) in the project root and return its exit code and output "
        "(stdout and stderr together). Use it to run tests, builds, linters and read-only git "
        "commands. It runs in a sandbox: the project is writable, the rest of the system, .git "
        "and the network are not, and /tmp is private. There is no input (stdin is empty) and "
        "no terminal: use non-interactive flags. Background processes are stopped when the "
        f"command ends. Default timeout {DEFAULT_TIMEOUT_S:.0f} s, at most {MAX_TIMEOUT_S:.0f} s."
    )
    parameters: Mapping[str, Any] = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The command line, run with bash -c."},
            "timeout_s": {
                "type": "number",
                "description": f"Seconds before it is killed (default {DEFAULT_TIMEOUT_S:.0f}, "
                f"max {MAX_TIMEOUT_S:.0f}).",
            },
        },
        "required": ["command"],
    }
    effect = Effect.EXECUTE

    def describe(self, args: Mapping[str, Any]) -> str:
        command = args.get("command")
        return f"$ {command}" if isinstance(command, str) else "$ (no command)"

    async def run(self, args: Mapping[str, Any], ctx: ToolContext) -> ToolResult:
        command = args.get("command")
        if not isinstance(command, str) or not command.strip():
            raise ToolError("run_command needs a non-empty 'command' string.")
        timeout = _timeout(args.get("timeout_s"))
        try:
            res = await run_process(
                command,
                ctx.root,
                sandbox=ctx.sandbox,
                network=ctx.network,
                timeout_s=timeout,
                on_output=ctx.on_output,
            )
        except SandboxUnavailableError as exc:
            raise ToolError(f"Not run: the sandbox is unavailable ({exc}).") from exc
        except OSError as exc:
            raise ToolError(f"The command could not be started: {exc.strerror or exc}.") from exc
        text, summary = format_result(res, timeout)
        return ToolResult(
            text=text,
            summary=summary,
            is_error=res.timed_out,
            exit_code=res.exit_code,
        )


def _timeout(value: object) -> float:
    if value is None:
        return DEFAULT_TIMEOUT_S
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ToolError("timeout_s must be a positive number of seconds.")
    return min(float(value), MAX_TIMEOUT_S)
