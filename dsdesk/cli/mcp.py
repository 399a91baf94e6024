"""``dsdesk mcp``: the MCP servers dsdesk would use for a project — list them (started or why
not, with their tools), trust a project's ``.dsdesk/mcp.json``, store a secret in the keyring."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from dsdesk.agent.mcp.config import project_config_path, read_config_bytes, user_config_path
from dsdesk.agent.mcp.setup import load_for, new_hub, project_note, state_line
from dsdesk.agent.mcp.tools import hints, make_tools
from dsdesk.agent.mcp.trust import TrustStore
from dsdesk.cli import EXIT_OK, EXIT_USAGE
from dsdesk.config.paths import config_dir, data_dir
from dsdesk.config.secrets import KeyringUnavailable, store_mcp_secret
from dsdesk.core.redact import clean_server_text as safe

EXIT_FAILED = 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True)
    ls = sub.add_parser("list", help="start each server, show whether it started and its tools")
    ls.add_argument("--root", metavar="DIR", default=".", help="the project folder (default: .)")
    ls.add_argument("--mcp-config", metavar="FILE", action="append", default=[], type=Path)
    ls.add_argument("--json", action="store_true", help="one JSON object per server")
    tr = sub.add_parser("trust", help="trust the project's .dsdesk/mcp.json (as it is now)")
    tr.add_argument("--root", metavar="DIR", default=".", help="the project folder (default: .)")
    tr.add_argument("--yes", action="store_true", help="do not ask")
    tr.add_argument("--revoke", action="store_true", help="withdraw the trust")
    se = sub.add_parser("secret", help='store a secret for "keyring:NAME" values in mcp.json')
    se.add_argument("name")


def run(args: argparse.Namespace) -> int:
    if args.action == "secret":
        return _secret(args.name)
    root = Path(args.root).resolve()
    if not root.is_dir():
        print(f"dsdesk mcp: {args.root}: not a folder", file=sys.stderr)
        return EXIT_USAGE
    return _trust(root, args) if args.action == "trust" else _list(root, args)


def _list(root: Path, args: argparse.Namespace) -> int:
    cfg = load_for(root, args.mcp_config)
    for problem in cfg.problems:
        print(f"dsdesk: {problem}", file=sys.stderr)
    note = project_note(cfg)
    if note:
        print(f"dsdesk: {note}", file=sys.stderr)
    if not cfg.servers:
        where = user_config_path(config_dir())
        print(f"No MCP servers configured (add them to {where} or {project_config_path(root)}).")
        return EXIT_OK
    hub = new_hub()
    try:
        hub.configure(cfg.servers).result()
        hub.wait_started_sync(hub.startup_timeout + 30)
        states = hub.states()
        tools = make_tools(states, hub)
    finally:
        hub.close()
    failed = False
    for state in states:
        mine = [t for t in tools if t.server == state.name]
        raw = {t.name: t for t in state.tools}
        failed |= state.status.value == "failed"
        if args.json:
            obj: dict[str, Any] = {
                "name": state.name,
                "source": state.config.source,
                "transport": state.config.transport,
                "target": state.config.describe(),
                "status": state.status.value,
                "detail": state.detail,
                "seconds": round(state.seconds, 3),
                "tools": [
                    {
                        "name": t.name,
                        "tool": t.tool,
                        "effect": t.effect.value,
                        "destructive": t.destructive,
                    }
                    for t in mine
                ],
            }
            print(json.dumps(obj, ensure_ascii=False))
            continue
        print(
            f"{state.name} ({state.config.source}, {state.config.transport}): "
            f"{safe(state.config.describe())}"
        )
        print(f"  {safe(state_line(state))}")
        if state.status.value == "failed" and state.stderr:
            for line in state.stderr.splitlines()[-5:]:
                print(f"  │ {safe(line)}")
        for t in mine:
            read_only, destructive = hints(raw[t.tool])
            kind = "read-only" if read_only else "destructive" if destructive else "writes"
            print(f"    {t.name}  [{kind}]")
    return EXIT_FAILED if failed else EXIT_OK


def _trust(root: Path, args: argparse.Namespace) -> int:
    store = TrustStore(data_dir())
    if args.revoke:
        store.revoke(root)
        print(f"{root}: the project's MCP servers are not trusted any more.")
        return EXIT_OK
    path = project_config_path(root)
    try:
        data = read_config_bytes(path)
    except (OSError, ValueError) as exc:
        print(f"dsdesk mcp: {path}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if data is None:
        print(f"{path}: no such file; nothing to trust.")
        return EXIT_OK
    cfg = load_for(root)
    if cfg.project_state == "trusted":
        print(f"{path} is trusted already.")
        return EXIT_OK
    print(f"{path} would start or connect to:")
    for s in cfg.project_servers:
        print(f"  {s.name}: {safe(s.describe())}")
    for problem in cfg.problems:
        print(f"  ({problem})")
    if not args.yes:
        if not sys.stdin.isatty():
            print("dsdesk mcp: not a terminal: add --yes to trust it", file=sys.stderr)
            return EXIT_USAGE
        answer = input("Trust this file and let dsdesk start these programs? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Not trusted.")
            return EXIT_OK
    store.trust(root, data)
    print("Trusted (a change to the file will need your trust again).")
    return EXIT_OK


def _secret(name: str) -> int:
    value = (
        getpass.getpass(f"Value for keyring:{name}: ")
        if sys.stdin.isatty()
        else (sys.stdin.readline().strip())
    )
    try:
        store_mcp_secret(name, value)
    except (KeyringUnavailable, ValueError) as exc:
        print(f"dsdesk mcp: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f'Stored. Use "keyring:{name}" as a value in mcp.json env or headers.')
    return EXIT_OK
