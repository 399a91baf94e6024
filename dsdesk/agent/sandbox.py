"""The bubblewrap (``bwrap``) sandbox for ``run_command`` on Linux.

Inside: the whole file system read-only, the project writable, the project's ``.git`` read-only
again (hooks and config written there would run later, outside any sandbox), a private ``/tmp``,
fresh ``/dev`` and ``/proc``, no network unless allowed (``--unshare-net`` leaves only a loopback
of its own, so even a server on the host's 127.0.0.1 is unreachable), its own PID namespace.

Why the PID namespace: ``--new-session`` (which stops a command from pushing keystrokes into a
terminal with TIOCSTI) puts the command in a session of its own, out of reach of a kill aimed at
our process group. With ``--unshare-pid`` bwrap's init is PID 1 of the namespace: when it dies
(``--die-with-parent`` ties it to the bwrap we started) the kernel kills everything inside, so
killing our group still leaves no process behind, even one that ``setsid``-ed or double-forked.

Secrets: the root is readable, so besides the environment (``process.py`` passes a minimal one)
the usual credential stores under the home folder are hidden (``HIDDEN_IN_HOME``: an empty tmpfs
over folders, ``/dev/null`` over files) — whatever a command prints goes to the model. This is a
deny-list, not a whitelist: credentials kept elsewhere stay readable, and without the network a
command can still copy what it reads into the project. A hidden path that contains the project is
left visible (the project must be); one inside the project (a project that is the home folder)
is hidden all the same.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HIDDEN_IN_HOME", "SandboxStatus", "bwrap_argv", "sandbox_status"]

HIDDEN_IN_HOME = (
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".netrc",
    ".git-credentials",
    ".pypirc",
    ".npmrc",
    ".config/gcloud",
    ".config/gh",
    ".config/hub",
    ".local/share/keyrings",
    ".password-store",
)
_PROBE_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class SandboxStatus:
    """Whether commands can run sandboxed here; ``reason`` says why not, in plain words."""

    available: bool
    reason: str = ""
    bwrap: str = ""  # the bwrap executable found


def _hidden_paths(root: Path, home: Path) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    for rel in HIDDEN_IN_HOME:
        path = home / rel
        if path.is_symlink() or not path.exists():
            continue  # bwrap would follow a symlink; a missing path has nothing to hide
        if path == root or path in root.parents:
            continue  # the project is (or is in) it: the project must stay visible
        out.append(("--tmpfs" if path.is_dir() else "--ro-bind", path))
    return out


def bwrap_argv(
    bwrap: str, root: Path, command: list[str], *, network: bool, home: Path | None = None
) -> list[str]:
    """The bwrap command line running ``command`` in the sandbox, in ``root`` (resolved)."""
    root = root.resolve()
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    # After /tmp, so a project under /tmp is bound on top of the private tmpfs.
    argv += ["--bind", str(root), str(root)]
    git = root / ".git"
    if git.exists() and not git.is_symlink():
        argv += ["--ro-bind", str(git), str(git)]
        if git.is_file():  # a worktree's or submodule's gitfile: protect what it points at too
            target = _gitfile_target(git)
            if target is not None:
                argv += ["--ro-bind", str(target), str(target)]
    for how, path in _hidden_paths(root, home if home is not None else Path.home()):
        argv += ["--tmpfs", str(path)] if how == "--tmpfs" else [how, os.devnull, str(path)]
    argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent"]
    argv += ["--new-session"]
    if not network:
        argv.append("--unshare-net")
    argv += ["--chdir", str(root), "--", *command]
    return argv


def _gitfile_target(gitfile: Path) -> Path | None:
    try:
        line = gitfile.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    target = (gitfile.parent / line.removeprefix("gitdir:").strip()).resolve()
    return target if target.is_dir() else None


@functools.cache
def sandbox_status() -> SandboxStatus:
    """Probe once per process: bwrap may be installed and still unusable (a container without
    user namespaces, a kernel or AppArmor policy forbidding them), so actually run it."""
    if not sys.platform.startswith("linux"):
        return SandboxStatus(False, "the sandbox needs Linux (bubblewrap)")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return SandboxStatus(False, "bubblewrap (bwrap) is not installed")
    probe = bwrap_argv(bwrap, Path("/"), ["true"], network=False, home=Path("/nonexistent"))
    try:
        res = subprocess.run(
            probe,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return SandboxStatus(False, f"bubblewrap could not be started ({exc})", bwrap)
    if res.returncode != 0:
        said = res.stderr.strip().splitlines()
        detail = said[-1] if said else f"exit status {res.returncode}"
        return SandboxStatus(
            False,
            f"bubblewrap does not work here ({detail}); user namespaces are probably disabled",
            bwrap,
        )
    return SandboxStatus(True, "", bwrap)
