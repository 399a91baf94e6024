"""What ``dsdesk ask`` and ``dsdesk agent`` share: the model options on the command line, read
against the settings, and the prompt (an argument, or standard input with ``-``)."""

from __future__ import annotations

import argparse
import sys

from dsdesk.config.settings import Settings, load_settings
from dsdesk.core.request import MAX_OUTPUT_TOKENS, ChatOptions

__all__ = ["add_model_arguments", "read_prompt", "resolve_options"]


def add_model_arguments(p: argparse.ArgumentParser, max_tokens_help: str) -> None:
    p.add_argument("--model", help="model id (default: from settings, deepseek-v4-pro)")
    p.add_argument("--thinking", choices=("on", "off"), help="thinking mode (default: settings)")
    p.add_argument("--effort", choices=("high", "max"), help="reasoning effort in thinking mode")
    p.add_argument("--max-tokens", type=int, metavar="N", help=max_tokens_help)
    p.add_argument("--base-url", metavar="URL", help="server (default: DEEPSEEK_BASE_URL/settings)")


def read_prompt(args: argparse.Namespace, command: str) -> str | None:
    """The prompt, or None (after saying why) when it is empty."""
    prompt: str = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        print(f"dsdesk {command}: the prompt is empty", file=sys.stderr)
        return None
    return prompt


def resolve_options(args: argparse.Namespace, command: str) -> tuple[Settings, ChatOptions] | None:
    """Settings (their problems printed) and the request options the arguments ask for; None
    (after saying why) for an out-of-range --max-tokens."""
    settings, problems = load_settings()
    for problem in problems:
        print(f"dsdesk: settings: {problem}", file=sys.stderr)
    max_tokens = args.max_tokens if args.max_tokens is not None else settings.max_tokens
    if not 1 <= max_tokens <= MAX_OUTPUT_TOKENS:
        print(f"dsdesk {command}: --max-tokens must be 1..{MAX_OUTPUT_TOKENS}", file=sys.stderr)
        return None
    return settings, ChatOptions(
        model=args.model or settings.model,
        thinking=settings.thinking if args.thinking is None else args.thinking == "on",
        effort=args.effort or settings.effort,  # type: ignore[arg-type]
        max_tokens=max_tokens,
    )
