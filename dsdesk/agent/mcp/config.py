"""MCP server configuration in the format users already have (Claude Code, Cursor, Cline):

    {"mcpServers": {"NAME": {"command": "...", "args": [...], "env": {...}},
                    "NAME": {"url": "https://.../mcp", "headers": {...}}}}

Layers, later ones winning for a server of the same name: the project's ``.dsdesk/mcp.json``
(only once the user trusted that exact file, see ``trust.py``), the user's ``mcp.json`` in the
config dir (a trusted project cannot replace a server the user defined — it might carry the
user's secrets), and a file named with ``--mcp-config``. A value ``"keyring:NAME"`` in ``env``
or ``headers`` is read from the OS keyring when the server starts; it is never written, logged
or shown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsdesk.core.redact import mask_key, remember_secret

__all__ = [
    "KEYRING_PREFIX",
    "McpConfig",
    "SecretMissing",
    "ServerConfig",
    "load_config",
    "parse_servers",
    "project_config_path",
    "resolve_secrets",
    "user_config_path",
]

KEYRING_PREFIX = "keyring:"
_MAX_FILE = 1024 * 1024
_SECRET_KEY = re.compile(r"KEY|TOKEN|SECRET|PASS|AUTH|CREDENTIAL|COOKIE", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """One server as configured. ``env``/``headers`` keep the raw values (a keyring reference
    stays a reference until ``resolve_secrets``)."""

    name: str
    source: str  # "user", "project", or the path given with --mcp-config
    command: str = ""
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    cwd: str = ""
    url: str = ""
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def transport(self) -> str:
        return "http" if self.url else "stdio"

    def describe(self) -> str:
        """What starts (or where it connects), for people: secrets shown masked, keyring
        references by name."""
        if self.url:
            heads = ", ".join(f"{k}: {_shown(k, v)}" for k, v in self.headers)
            return self.url + (f"  (headers {heads})" if heads else "")
        words = " ".join(_quote(w) for w in (self.command, *self.args))
        env = " ".join(f"{k}={_shown(k, v)}" for k, v in self.env)
        return (f"{env} " if env else "") + words + (f"  (in {self.cwd})" if self.cwd else "")


def _quote(word: str) -> str:
    return word if word and not re.search(r"[\s'\"$`\\]", word) else json.dumps(word)


def _shown(key: str, value: str) -> str:
    if value.startswith(KEYRING_PREFIX):
        return value
    return mask_key(value) if _SECRET_KEY.search(key) else value


@dataclass(slots=True)
class McpConfig:
    """The merged servers, what was wrong in the files, and the project file's state:
    ``none`` (no file), ``trusted``, ``untrusted`` (never trusted) or ``changed`` (trusted
    once, edited since: it needs trust again)."""

    servers: list[ServerConfig] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    project_file: Path | None = None
    project_state: str = "none"
    project_servers: list[ServerConfig] = field(default_factory=list)  # what trust would start


class SecretMissing(Exception):
    """A ``keyring:NAME`` reference with nothing stored under NAME (or no keyring)."""


def user_config_path(config_dir: Path) -> Path:
    return config_dir / "mcp.json"


def project_config_path(root: Path) -> Path:
    return root / ".dsdesk" / "mcp.json"


def read_config_bytes(path: Path) -> bytes | None:
    """The file's bytes (None if absent); OSError/ValueError if unreadable or too big."""
    try:
        with path.open("rb") as f:
            data = f.read(_MAX_FILE + 1)
    except FileNotFoundError:
        return None
    if len(data) > _MAX_FILE:
        raise ValueError("larger than 1 MB")
    return data


def parse_servers(data: bytes, source: str, where: str) -> tuple[list[ServerConfig], list[str]]:
    """The servers of one file and, for what was skipped, why (``where`` names the file)."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], [f"{where}: not valid JSON ({exc}); its servers are not used"]
    entries = doc.get("mcpServers") if isinstance(doc, dict) else None
    if not isinstance(entries, dict):
        return [], [f'{where}: needs an object "mcpServers": {{name: server}}']
    servers: list[ServerConfig] = []
    problems: list[str] = []
    for name, entry in entries.items():
        server = _parse_entry(str(name), entry, source)
        if isinstance(server, str):
            problems.append(f"{where}: server {name!r} skipped: {server}")
        elif server is not None:
            servers.append(server)
    return servers, problems


def _parse_entry(name: str, e: Any, source: str) -> ServerConfig | str | None:
    if not name.strip():
        return "an empty name"
    if not isinstance(e, dict):
        return "must be an object"
    if e.get("disabled") is True:
        return None
    kind = e.get("type", e.get("transport"))
    if kind not in (None, "stdio", "http", "streamable-http", "streamableHttp"):
        return f"transport {kind!r} is not supported (stdio or streamable HTTP)"
    env, headers = _str_map(e.get("env")), _str_map(e.get("headers"))
    if env is None or headers is None:
        return '"env" and "headers" must map names to strings'
    url, command = e.get("url", ""), e.get("command", "")
    if url:
        if not isinstance(url, str) or not re.match(r"https?://", url):
            return '"url" must be an http(s) URL'
        return ServerConfig(name, source, url=url, headers=headers)
    if not isinstance(command, str) or not command.strip():
        return 'needs "command" (a program to start) or "url" (a streamable HTTP server)'
    args = e.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return '"args" must be a list of strings'
    cwd = e.get("cwd", "")
    if not isinstance(cwd, str):
        return '"cwd" must be a string'
    return ServerConfig(name, source, command=command, args=tuple(args), env=env, cwd=cwd)


def _str_map(value: Any) -> tuple[tuple[str, str], ...] | None:
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return None
    return tuple((str(k), v) for k, v in value.items())


def _read(path: Path, source: str, problems: list[str]) -> tuple[list[ServerConfig], bytes | None]:
    try:
        data = read_config_bytes(path)
    except (OSError, ValueError) as exc:
        problems.append(f"{path}: not readable ({exc}); its servers are not used")
        return [], None
    if data is None:
        return [], None
    servers, found = parse_servers(data, source, str(path))
    problems += found
    return servers, data


def load_config(
    config_dir: Path,
    root: Path | None,
    is_trusted: Callable[[Path, bytes], bool | None],
    extra: Sequence[Path] = (),
) -> McpConfig:
    """Merge the layers. ``is_trusted(root, content)``: True (trusted), False (never), None
    (trusted before, changed since)."""
    cfg = McpConfig()
    user, _ = _read(user_config_path(config_dir), "user", cfg.problems)
    project: list[ServerConfig] = []
    if root is not None:
        path = project_config_path(root)
        found, data = _read(path, "project", cfg.problems)
        if data is not None:
            cfg.project_file = path
            cfg.project_servers = found
            verdict = is_trusted(root, data)
            cfg.project_state = {True: "trusted", False: "untrusted", None: "changed"}[verdict]
            if verdict:
                project = found
    given: list[ServerConfig] = []
    for path in extra:
        found, data = _read(path, str(path), cfg.problems)
        if data is None and not path.exists():
            cfg.problems.append(f"{path}: no such file")
        given += found
    merged: dict[str, ServerConfig] = {}
    for s in project:
        merged[s.name] = s
    for s in user:
        if s.name in merged:
            cfg.problems.append(
                f"project server {s.name!r} not used: your own mcp.json defines that name"
            )
        merged[s.name] = s
    for s in given:
        merged[s.name] = s
    order = [s.name for s in (*user, *project, *given)]
    cfg.servers = [merged[n] for n in dict.fromkeys(order)]
    return cfg


def resolve_secrets(
    values: Mapping[str, str] | Sequence[tuple[str, str]],
    lookup: Callable[[str], str | None],
) -> dict[str, str]:
    """The values with each ``keyring:NAME`` read through ``lookup``; every secret is
    remembered for redaction. Raises ``SecretMissing`` naming the reference, never a value."""
    items = values.items() if isinstance(values, Mapping) else values
    out: dict[str, str] = {}
    for key, value in items:
        if value.startswith(KEYRING_PREFIX):
            ref = value[len(KEYRING_PREFIX) :]
            found = lookup(ref)
            if not found:
                raise SecretMissing(
                    f"{key} refers to the keyring entry {ref!r}, which is not stored "
                    f"(store it with: dsdesk mcp secret {ref})"
                )
            remember_secret(found)
            value = found
        elif _SECRET_KEY.search(key):
            remember_secret(value)
        out[key] = value
    return out
