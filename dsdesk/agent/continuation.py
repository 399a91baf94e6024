"""Continue a cut or stopped answer in place, with DeepSeek's chat prefix completion (beta).

The request is the conversation as it stands with the unfinished answer as its last message,
marked ``"prefix": true``; the server writes on from its last character and the new text is
appended to the same answer (one answer in the conversation, the transcript and the history,
not two). In thinking mode the answer's reasoning goes along as that message's
``reasoning_content``, which the API takes on the prefix message as the chain of thought the
answer rests on (so the model goes on instead of thinking afresh).

Prefix completion is served only on the beta base URL (``https://api.deepseek.com/beta``), and
only DeepSeek's own API is known to have it: with another server (or when a server refuses the
request with 400/404/422) Continue falls back to a visible prompt, ``CONTINUE_PROMPT``.
Agent turns always use the fallback: a continuation that made tool calls would need a round
of its own.
"""

from __future__ import annotations

from typing import Any

from dsdesk.agent.conversation import Conversation
from dsdesk.core.errors import ApiError, DsdeskError
from dsdesk.core.events import Usage
from dsdesk.core.messages import Message
from dsdesk.core.request import ChatOptions, build_chat_request

__all__ = [
    "CONTINUE_PROMPT",
    "add_usage",
    "can_extend",
    "extended",
    "prefix_request",
    "refused",
]

CONTINUE_PROMPT = "Continue exactly where your previous answer stopped. Do not repeat anything."
# What a server says when it does not take "prefix" (or has no beta path): not worth a retry.
_REFUSALS = (400, 404, 422)


def can_extend(conversation: Conversation) -> bool:
    """The conversation ends with an answer that has text and made no tool calls."""
    last = conversation.messages[-1] if conversation.messages else None
    return (
        last is not None
        and last.role == "assistant"
        and bool(last.content)
        and not (last.tool_calls)
    )


def prefix_request(conversation: Conversation, options: ChatOptions) -> dict[str, Any]:
    """The request body that asks the server to write on from the last answer."""
    body = build_chat_request(conversation.request_messages(), options)
    last: dict[str, Any] = body["messages"][-1]
    last["prefix"] = True
    reasoning = conversation.messages[-1].reasoning
    if options.thinking and reasoning:
        last["reasoning_content"] = reasoning
    return body


def refused(exc: DsdeskError) -> bool:
    """Did the server turn the prefix request down (rather than fail for another reason)?"""
    return isinstance(exc, ApiError) and exc.status in _REFUSALS


def extended(answer: Message, content: str, reasoning: str) -> Message:
    """The answer with the continuation appended."""
    thought = (answer.reasoning or "") + reasoning
    return Message.assistant(answer.content + content, thought or None)


def add_usage(a: Usage | None, b: Usage | None) -> Usage | None:
    """Two requests' usage as one (an answer and its continuation)."""
    if a is None or b is None:
        return a or b
    return Usage(
        a.prompt_tokens + b.prompt_tokens,
        a.completion_tokens + b.completion_tokens,
        a.cache_hit_tokens + b.cache_hit_tokens,
        a.cache_miss_tokens + b.cache_miss_tokens,
        a.reasoning_tokens + b.reasoning_tokens,
    )
