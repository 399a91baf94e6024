"""Run one shell command for the agent: in the project root, optionally sandboxed, its output
streamed live and kept within a fixed memory bound, and its whole process group killed on
timeout or cancellation (Stop / Esc), so no process outlives the call.

The command runs as ``bash -c COMMAND`` (not a login shell: no profile or rc file runs, so the
result does not depend on the user's dotfiles) with a minimal environment (``command_env``): API
keys, tokens, proxies and the SSH agent socket of dsdesk's own environment are not passed on.
stdin is ``/dev/null``, so a command waiting for input ends instead of hanging.

Process groups: the command leads a new session (``start_new_session``); on timeout or cancel the
group gets SIGTERM, then SIGKILL after a grace period. Background jobs still running when the
command itself has exited are stopped the same way (an agent's call must not leave daemons
behind). Limit, unsandboxed: a process that leaves the group (``setsid``, a double fork into a new
session) escapes the kill. Sandboxed, bwrap's PID namespace takes everything inside down with it.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import shutil
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dsdesk.agent.sandbox import bwrap_argv, sandbox_status

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "KEEP_HEAD_BYTES",
    "KEEP_TAIL_BYTES",
    "MAX_TIMEOUT_S",
    "ProcessResult",
    "SandboxUnavailableError",
    "command_env",
    "run_process",
]

DEFAULT_TIMEOUT_S = 120.0
MAX_TIMEOUT_S = 600.0
KEEP_HEAD_BYTES = 1_000_000
KEEP_TAIL_BYTES = 1_000_000
GRACE_S = 2.0
_CHUNK = 8192
_DRAIN_S = 1.0  # reading what is left once the group is gone; a process that escaped the group
# and keeps the pipe open must not hold the call forever

# Passed on from dsdesk's environment when set; everything else is left out on purpose.
_PASS_ENV = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "VIRTUAL_ENV", "CONDA_PREFIX")
_FIXED_ENV = {
    "TERM": "dumb",  # no colour codes or full-screen UIs: the output goes to a model
    "PAGER": "cat",
    "GIT_PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",  # `git status` must not try to write the (read-only) index
    "PYTHONUNBUFFERED": "1",  # so Python's output streams live instead of at exit
}


class SandboxUnavailableError(Exception):
    """A sandboxed run was asked for and the sandbox does not work here (``args[0]``: why)."""


@dataclass(frozen=True, slots=True)
class ProcessResult:
    exit_code: int  # 128 + N when ended by signal N, as a shell reports it
    output: str  # stdout and stderr merged; beyond the bound, head + a note + tail
    duration_s: float
    timed_out: bool = False
    stopped_leftovers: bool = False  # background processes were still running and were stopped
    omitted_bytes: int = 0
    sandboxed: bool = False


def command_env(*, sandboxed: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in _PASS_ENV or k.startswith("LC_")}
    env.setdefault("PATH", os.defpath)
    env.setdefault("LANG", "C.UTF-8")
    if not sandboxed and "TMPDIR" in os.environ:  # the sandbox has its own /tmp
        env["TMPDIR"] = os.environ["TMPDIR"]
    env.update(_FIXED_ENV)
    return env


class _Capture:
    """The first ``head`` bytes and the last ``tail`` bytes, counting what falls between."""

    def __init__(self, head: int = KEEP_HEAD_BYTES, tail: int = KEEP_TAIL_BYTES) -> None:
        self._head_limit, self._tail_limit = head, tail
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_len = 0
        self.omitted = 0

    def add(self, chunk: bytes) -> None:
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self._tail.append(chunk)
        self._tail_len += len(chunk)
        # Whole chunks only (a deque, not one big buffer trimmed per chunk: no quadratic copying).
        while self._tail_len - len(self._tail[0]) >= self._tail_limit:
            dropped = self._tail.popleft()
            self._tail_len -= len(dropped)
            self.omitted += len(dropped)

    def text(self) -> tuple[str, int]:
        tail = b"".join(self._tail)
        omitted = self.omitted + max(0, len(tail) - self._tail_limit)
        tail = tail[max(0, len(tail) - self._tail_limit) :]
        head = self._head.decode("utf-8", "replace")
        if not omitted:
            return head + tail.decode("utf-8", "replace"), 0
        note = f"\n[… {omitted} bytes of output omitted …]\n"
        return head + note + tail.decode("utf-8", "replace"), omitted


async def _pump(
    stream: asyncio.StreamReader, capture: _Capture, on_output: Callable[[str], None] | None
) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while chunk := await stream.read(_CHUNK):
        capture.add(chunk)
        if on_output is not None:
            try:
                text = decoder.decode(chunk)
                if text:
                    on_output(text)
            except Exception:  # a broken listener must not stop the pipe being read
                on_output = None
    if on_output is not None:
        with contextlib.suppress(Exception):
            if rest := decoder.decode(b"", final=True):
                on_output(rest)


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _live_member(pgid)


def _live_member(pgid: int) -> bool:
    """Whether a member of the group is more than a zombie (which ``killpg(pgid, 0)`` counts
    too). Killed members become zombies of init; in a container, init may reap them late."""
    try:
        pids = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return True  # no /proc to look at: trust killpg
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rpartition(b")")[2].split()
        except OSError:
            continue  # gone meanwhile
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != b"Z":
            return True
    return False


async def _wait_group_gone(pgid: int, within: float) -> None:
    deadline = time.monotonic() + within
    while _group_alive(pgid) and time.monotonic() < deadline:  # noqa: ASYNC110 (no event to await)
        await asyncio.sleep(0.02)


async def _exited(proc: asyncio.subprocess.Process) -> int:
    """The exit status, as soon as the process has exited. Not ``proc.wait()``: asyncio wakes
    that only once the output pipe is closed too, which a background job can keep open."""
    delay = 0.005
    while proc.returncode is None:
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)
    return proc.returncode


async def _stop_group(proc: asyncio.subprocess.Process, pgid: int, grace: float) -> None:
    """SIGTERM the group, SIGKILL what is left after ``grace``, wait for the leader."""
    _signal_group(pgid, signal.SIGTERM)
    _signal_group(pgid, signal.SIGCONT)  # a stopped process would never see the SIGTERM
    await _wait_group_gone(pgid, grace)
    _signal_group(pgid, signal.SIGKILL)
    await _exited(proc)
    # Killed members may linger as zombies until their new parent reaps them; not forever.
    await _wait_group_gone(pgid, 1.0)


async def _drain(proc: asyncio.subprocess.Process, pump: asyncio.Task[None]) -> None:
    """Read what is left in the pipe, then close it: a process that escaped the group may hold
    its end open for ever."""
    try:
        done, _ = await asyncio.wait({pump}, timeout=_DRAIN_S)
        if not done:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
    finally:
        transport = getattr(proc, "_transport", None)  # Process has no public close()
        if transport is not None:
            transport.close()


async def run_process(
    command: str,
    root: Path,
    *,
    sandbox: bool,
    network: bool = False,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    on_output: Callable[[str], None] | None = None,
    grace_s: float = GRACE_S,
) -> ProcessResult:
    """Run ``command`` in ``root``. ``timeout_s`` is clamped to (0, MAX_TIMEOUT_S]. Raises
    SandboxUnavailableError when ``sandbox`` is asked for and unusable (never runs unsandboxed
    silently), OSError when bash cannot be started, CancelledError after killing the group."""
    timeout_s = min(max(timeout_s, 0.001), MAX_TIMEOUT_S)
    argv = [shutil.which("bash") or "/bin/bash", "-c", command]
    if sandbox:
        status = sandbox_status()
        if not status.available:
            raise SandboxUnavailableError(status.reason)
        argv = bwrap_argv(status.bwrap, root, argv, network=network)
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=root,
        env=command_env(sandboxed=sandbox),
        start_new_session=True,
    )
    pgid = proc.pid  # the session leader's pid is its group id
    assert proc.stdout is not None
    capture = _Capture()
    pump = asyncio.create_task(_pump(proc.stdout, capture, on_output), name=f"output-{pgid}")
    timed_out = leftovers = False
    try:
        try:
            await asyncio.wait_for(_exited(proc), timeout_s)
        except TimeoutError:
            timed_out = True
            await _stop_group(proc, pgid, grace_s)
        if not timed_out and _group_alive(pgid):
            leftovers = True
            await _stop_group(proc, pgid, grace_s)
        await _drain(proc, pump)
    except asyncio.CancelledError:
        try:
            await _stop_group(proc, pgid, grace_s)
            await _drain(proc, pump)
        finally:  # also when cancelled a second time while stopping
            _signal_group(pgid, signal.SIGKILL)
            pump.cancel()
        raise
    output, omitted = capture.text()
    code = proc.returncode if proc.returncode is not None else -signal.SIGKILL
    return ProcessResult(
        exit_code=code if code >= 0 else 128 - code,
        output=output,
        duration_s=time.monotonic() - started,
        timed_out=timed_out,
        stopped_leftovers=leftovers,
        omitted_bytes=omitted,
        sandboxed=sandbox,
    )
