"""Shared helpers for the agent tool tests: a small project and a synchronous call."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from dsdesk.agent.tools.base import ToolContext, ToolResult
from dsdesk.agent.tools.registry import default_tools, run_call

TOOLS = default_tools()


def call(ctx: ToolContext, name: str, **args: Any) -> ToolResult:
    return asyncio.run(run_call(TOOLS, name, json.dumps(args), ctx))


def raw_call(ctx: ToolContext, name: str, arguments: str) -> ToolResult:
    return asyncio.run(run_call(TOOLS, name, arguments, ctx))


def make_project(root: Path) -> Path:
    """src/ with code, docs/, a gitignored build/ and *.log, a binary file and a .git/."""
    files = {
        "src/app.py": "import os\n\n\ndef main():\n    print('hello')\n    return 0\n",
        "src/util.py": "def helper(x):\n    return x * 2\n",
        "src/web/page.ts": "export const page = 1;\n",
        "src/web/view.tsx": "export const View = () => null;\n",
        "docs/guide.md": "# Guide\n\nUse main() to start.\n",
        "README.md": "hello project\n",
        ".gitignore": "build/\n*.log\n",
        "build/out.py": "def main(): pass\n",
        "debug.log": "main main main\n",
        ".git/config": "[core]\n\tmain = 1\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00main\x00")
    return root
