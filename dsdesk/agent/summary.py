"""Replacing older turns by a summary the model writes (the originals stay restorable)."""

from __future__ import annotations

from dataclasses import replace

from dsdesk.agent.conversation import Conversation
from dsdesk.core.messages import Message
from dsdesk.core.request import ChatOptions, build_chat_request
from dsdesk.llm.client import DeepSeekClient

__all__ = ["SUMMARY_PROMPT", "summarize_older"]

SUMMARY_PROMPT = (
    "Summarise the conversation so far for your own later reference: the decisions made, "
    "facts about the code, file names and open questions. At most 400 words. Reply with the "
    "summary only."
)


async def summarize_older(
    conv: Conversation, client: DeepSeekClient, options: ChatOptions, older: list[Message]
) -> bool:
    """Ask for a summary of ``older`` (a prefix of the conversation) and put it in their place.
    False if the answer was empty or the conversation changed meanwhile. A summary is a side
    request without tools or thinking: it does not extend the cached prefix anyway."""
    body = build_chat_request(
        [Message.system(conv.system_text()), *older, Message.user(SUMMARY_PROMPT)],
        replace(options, thinking=False, max_tokens=2000, tools=()),
    )
    result = await client.chat(body)
    return conv.replace_with_summary(older, result.content)
