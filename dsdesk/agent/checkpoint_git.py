"""The private git that keeps checkpoints: its own object store and index under dsdesk's data
dir, the project as its work tree, and nothing of the user's git (repository, index, config,
hooks) ever read or written.

Why it can run no program of the project's choosing:
- config: only what we pass. ``GIT_CONFIG_NOSYSTEM``, ``GIT_CONFIG_GLOBAL=/dev/null``, ``HOME``
  and ``XDG_CONFIG_HOME`` pointed at an empty folder; the project's ``.git/config`` is not ours
  (a separate git dir), so its ``[filter]``, ``core.fsmonitor``, ``core.hooksPath`` never apply.
- attributes: the project's ``.gitattributes`` is still read by ``git add``, but an attribute only
  *names* a filter or diff driver; the program comes from config, and ours defines none — so
  ``* filter=lfs`` or ``diff=evil`` starts nothing. The built-in conversions it can ask for
  (``text``/``eol`` CRLF normalisation, ``ident``, ``working-tree-encoding``) would change the
  bytes we keep, so ``info/attributes`` (which outranks every ``.gitattributes``) turns them off.
- hooks: ``core.hooksPath=/dev/null``, and only plumbing runs (no commit, checkout or merge).
- no network: ``protocol.allow=never``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from dsdesk.core.errors import DsdeskError

if sys.platform != "win32":
    import fcntl

__all__ = ["CheckpointError", "PrivateGit", "ignore_pattern"]

_TIMEOUT = 300.0
_ATTRIBUTES = "* -text -eol -crlf -ident -filter -working-tree-encoding -diff -merge\n"
_CONFIG = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.untrackedCache=false",
    "core.autocrlf=false",
    "core.safecrlf=false",
    "core.symlinks=true",
    "core.fileMode=true",
    "core.ignoreCase=false",
    "core.quotePath=false",
    "core.sparseCheckout=false",
    "core.attributesFile=/dev/null",
    "core.bigFileThreshold=512m",
    "gc.auto=0",
    "commit.gpgSign=false",
    "protocol.allow=never",
    "submodule.recurse=false",
    "safe.directory=*",  # the project may belong to another user; we only read it
    "user.name=dsdesk",
    "user.email=dsdesk@localhost",
)


class CheckpointError(DsdeskError):
    """A checkpoint could not be taken, read or restored (git's own words included)."""


def ignore_pattern(path: str) -> str:
    """``path`` as an anchored, literal .gitignore pattern."""
    out = "".join("\\" + c if c in "\\*?[!#" else c for c in path)
    if out.endswith(" "):
        out = out[:-1] + "\\ "
    return "/" + out


class PrivateGit:
    def __init__(self, root: Path, git_dir: Path) -> None:
        self.root = root
        self.git_dir = git_dir
        self._home = git_dir / "empty-home"
        excludes = root / ".git" / "info" / "exclude"  # the user's local ignores: patterns only
        local = str(excludes) if excludes.is_file() else os.devnull
        self._config = [*_CONFIG, f"core.excludesFile={local}"]
        self._rlock = threading.RLock()
        self._depth = 0

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive across threads (reentrant) and dsdesk processes (flock). Every user of the
        store holds it, so a git lock file found under it was left by a killed git: removed."""
        with self._rlock:
            fd = -1
            if self._depth == 0:
                try:
                    self.git_dir.mkdir(parents=True, exist_ok=True)
                    fd = os.open(self.git_dir / "dsdesk.lock", os.O_RDWR | os.O_CREAT, 0o600)
                except OSError as exc:
                    raise CheckpointError(f"The checkpoint store cannot be opened: {exc}") from exc
                if sys.platform != "win32":
                    fcntl.flock(fd, fcntl.LOCK_EX)
                for stale in ("dsdesk-index.lock", "refs/heads/checkpoints.lock"):
                    with contextlib.suppress(OSError):
                        (self.git_dir / stale).unlink()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if fd >= 0:
                    os.close(fd)  # releases the flock

    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(self._home),
            "XDG_CONFIG_HOME": str(self._home),
            "GIT_DIR": str(self.git_dir),
            "GIT_WORK_TREE": str(self.root),
            "GIT_INDEX_FILE": str(self.git_dir / "dsdesk-index"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_ATTR_NOSYSTEM": "1",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_LITERAL_PATHSPECS": "1",  # a file named '*.py' or ':x' is just that file
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
        }

    def ensure(self) -> None:
        if (self.git_dir / "HEAD").is_file():
            return
        try:
            self._home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CheckpointError(f"The checkpoint store cannot be created: {exc}") from exc
        self.run("init", "--quiet", "--template=")
        info = self.git_dir / "info"
        info.mkdir(exist_ok=True)
        (info / "attributes").write_text(_ATTRIBUTES, encoding="ascii")

    def run(self, *args: str, stdin: bytes | None = None, ok: tuple[int, ...] = (0,)) -> bytes:
        cmd = ["git"]
        for item in self._config:
            cmd += ["-c", item]
        try:
            res = subprocess.run(
                [*cmd, *args],
                input=stdin,
                capture_output=True,
                cwd=self.root,
                env=self.env(),
                timeout=_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise CheckpointError(f"git could not be run for the checkpoint: {exc}") from exc
        if res.returncode not in ok:
            said = res.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = said[-1] if said else f"exit status {res.returncode}"
            raise CheckpointError(f"Checkpoint: git {args[0]} failed: {detail}")
        return res.stdout
