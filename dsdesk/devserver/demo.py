"""The answer given when no reply is queued: enough markdown to exercise the chat view."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .replies import Reply

_QUOTE_LIMIT = 600

_ANSWER = """## What the simulator heard

{quote}

This answer comes from the **dsdesk simulator**; no model was called. It shows:

- streamed *reasoning* before the answer (in thinking mode),
- markdown with headings, lists and `inline code`,
- a fenced code block:

```python
def greet(name: str) -> str:
    \"\"\"Return a friendly greeting.\"\"\"
    return f"Hello, {{name}}!"


print(greet("DeepSeek"))
```

To script other answers (tool calls too), run `dsdesk devserver --script session.toml` and
start dsdesk with `DEEPSEEK_BASE_URL=http://127.0.0.1:8765`; `dsdesk devserver --help` tells more.
"""


def last_user_text(messages: Sequence[Any]) -> str:
    """The text of the last user message ("" if there is none)."""
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _shorten(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def default_reasoning(messages: Sequence[Any]) -> str:
    """A short made-up chain of thought mentioning the question."""
    asked = _shorten(last_user_text(messages).replace("\n", " "), 80) or "nothing in particular"
    return (
        f"The user wrote: “{asked}”. I am a simulator, so I will echo the question, "
        "then show a heading, a list and a small Python example."
    )


def demo_reply(messages: Sequence[Any], chunk_delay: float) -> Reply:
    """The default reply: reasoning plus markdown quoting the user's last message."""
    text = _shorten(last_user_text(messages), _QUOTE_LIMIT) or "(no user message)"
    quote = "\n".join("> " + line for line in text.splitlines())
    return Reply.text(
        _ANSWER.format(quote=quote),
        default_reasoning(messages),
        chunk_size=3,
        chunk_delay=chunk_delay,
    )
