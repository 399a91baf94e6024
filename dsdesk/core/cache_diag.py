"""Why the prompt cache missed: DeepSeek caches request prefixes, so a request that extends the
previous one should reuse about all of it. When it did not, name the likely cause."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CacheChanges:
    """What dsdesk itself changed since the previous request."""

    model_changed: bool = False
    context_rebuilt: bool = False
    history_rewritten: bool = False
    head_changed: bool = False  # tools, reasoning effort, thinking mode or system prompt


def explain_cache(previous_prompt: int | None, hit: int, changes: CacheChanges) -> str | None:
    """A sentence for the meter's tooltip, or None when the cache did its job."""
    if previous_prompt is None:
        return None if hit else "First request of this conversation: nothing cached yet."
    if hit >= previous_prompt // 2:
        return None
    if changes.model_changed:
        return "The model changed: each model has its own cache, so this request missed."
    if changes.head_changed:
        return (
            "The tools, thinking mode or reasoning effort changed: they are the start of every "
            "request, so this one missed."
        )
    if changes.context_rebuilt:
        return "The context was rebuilt: the request no longer starts like the previous one."
    if changes.history_rewritten:
        return "An earlier answer was regenerated: the conversation was rewritten from there."
    return (
        f"Only {hit:,} of the previous {previous_prompt:,} tokens were a cache hit: the server "
        "no longer held that prefix (it keeps prefixes for a limited time and may evict them)."
    )
