"""`dsdesk` entry point: the window with no subcommand (`dsdesk [PATH]`), else a command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from dsdesk import __version__

EXIT_OK, EXIT_USAGE, EXIT_API, EXIT_NETWORK, EXIT_INTERRUPTED = 0, 2, 3, 4, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `yes | head -1`


def _ask(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dsdesk.cli import ask

    ask.add_arguments(parser)
    return ask.run


def _devserver(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dsdesk.devserver import cli

    cli.add_arguments(parser)
    return cli.run


def _tokens(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dsdesk.cli import tokens

    tokens.add_arguments(parser)
    return tokens.run


def _apply(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dsdesk.cli import apply

    apply.add_arguments(parser)
    return apply.run


def _agent(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dsdesk.cli import agent

    agent.add_arguments(parser)
    return agent.run


def _mcp(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dsdesk.cli import mcp

    mcp.add_arguments(parser)
    return mcp.run


def _checkpoints(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dsdesk.cli import checkpoints

    checkpoints.add_arguments(parser)
    return checkpoints.run


def _prices(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dsdesk.cli import prices

    prices.add_arguments(parser)
    return prices.run


def _undo(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    from dsdesk.cli import undo

    undo.add_arguments(parser)
    return undo.run


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], Callable[..., int]]]] = {
    "ask": ("ask DeepSeek from the terminal, streaming the answer", _ask),
    "agent": ("let V4 work on a project: read, search, edit, run (with your approval)", _agent),
    "mcp": ("list the MCP servers (tools from outside), trust a project's, store a secret", _mcp),
    "apply": ("apply the edits in a model's reply to a project (atomic, undoable)", _apply),
    "undo": ("undo the last edits dsdesk wrote to a project", _undo),
    "checkpoints": ("list, preview and restore the agent's checkpoints of a project", _checkpoints),
    "tokens": ("count the exact V4 tokens dsdesk would send for files/folders", _tokens),
    "prices": ("show the price table in use and where it comes from", _prices),
    "devserver": ("run the local DeepSeek-compatible simulator (no key needed)", _devserver),
}


def main(argv: Sequence[str] | None = None) -> int:
    from dsdesk.config.log import setup_logging

    setup_logging()
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`dsdesk ask … | head -1`): stop quietly, like other Unix
        # tools. stdout then points at /dev/null so the interpreter's last flush cannot fail.
        _silence_stdout()
        return EXIT_BROKEN_PIPE


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # no real stdout (tests capture it): nothing will be flushed to a pipe


def _main(argv: Sequence[str] | None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        help_text, setup = COMMANDS[args[0]]
        parser = argparse.ArgumentParser(prog=f"dsdesk {args[0]}", description=help_text)
        run = setup(parser)
        return run(parser.parse_args(args[1:]))
    parser = argparse.ArgumentParser(
        prog="dsdesk",
        description="dsdesk — a desktop coding assistant for DeepSeek V4. "
        "With no command, opens the window.",
        epilog="commands:\n"
        + "\n".join(f"  {name:<10} {text}" for name, (text, _) in COMMANDS.items())
        + "\n\nRun 'dsdesk COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dsdesk {__version__}")
    parser.add_argument("project", nargs="?", help="project folder to open")
    parser.add_argument(
        "--demo", action="store_true", help="answer from the built-in simulator (no key needed)"
    )
    parser.add_argument("--smoke-test", action="store_true", help=argparse.SUPPRESS)
    ns = parser.parse_args(args)
    try:
        from dsdesk.app import run_gui
    except ImportError as exc:  # the window arrives with the GUI work
        print(f"dsdesk: the desktop window is not available: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return run_gui(ns.project, demo=ns.demo, smoke_test=ns.smoke_test)


if __name__ == "__main__":
    sys.exit(main())
