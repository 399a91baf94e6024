"""POST /chat/completions: validate like the real API, then answer with the next queued reply."""

from __future__ import annotations

import dataclasses
import json
import random
import string
import threading
from collections import deque
from typing import Any

from . import errors, rules
from .chunks import (
    Parts,
    RequestView,
    Segments,
    assemble,
    completion_body,
    cut_to_max_tokens,
    dumps,
    generated_segments,
    parts_usage,
    text_chunks,
)
from .demo import default_reasoning, demo_reply
from .replies import Reply, ToolCall
from .tokens import PrefixCache, estimate_prompt_tokens
from .wire import Response, Static, Stream, error_response, json_response, stream_ops


def _thinking_enabled(request: dict[str, Any]) -> bool:
    # Thinking is ON server-side unless the request explicitly disables it.
    thinking = request.get("thinking")
    return not (isinstance(thinking, dict) and thinking.get("type") == "disabled")


_ID_ALPHABET = string.ascii_letters + string.digits


def _tool_results(messages: list[Any]) -> list[str]:
    # The tool messages after the last assistant message: the results of the previous round.
    results: list[str] = []
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") == "assistant":
            break
        if message.get("role") == "tool":
            results.append(str(message.get("content")))
    return results[::-1]


def _unmet_expectation(reply: Reply, messages: list[Any]) -> str | None:
    wanted = reply.expect_tool_result
    if wanted is None:
        return None
    results = _tool_results(messages)
    if any(wanted in text for text in results):
        return None
    got = " | ".join(results)[:300] or "no tool results after the last assistant message"
    where = reply.label or "the next scripted reply"
    return f"dsdesk simulator: {where} expects a tool result containing {wanted!r}; got: {got}"


class ChatEndpoint:
    """The reply queue, the prefix cache and the request validation (thread-safe)."""

    def __init__(
        self,
        models: list[str],
        demo_delay: float,
        default_reply: Reply | None = None,
        prefix_completion: bool = True,
    ) -> None:
        self.models = models
        self.prefix_completion = prefix_completion
        self.demo_delay = demo_delay
        self.default_reply = default_reply
        self._lock = threading.Lock()
        self._queue: deque[Reply] = deque()
        self._cache = PrefixCache()
        self._issued_ids: set[str] = set()

    def enqueue(self, reply: Reply) -> None:
        with self._lock:
            self._queue.append(reply)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def handle(self, body: bytes, beta: bool = False) -> Response:
        """Answer one request; ``beta``: it came on the beta path (``/beta/chat/completions``),
        where chat prefix completion is served (if ``prefix_completion``)."""
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return error_response(400, f"Failed to parse the request body as JSON: {exc}")
        if not isinstance(request, dict) or not isinstance(request.get("messages"), list):
            return error_response(
                422, "Failed to deserialize the JSON body into the target type: messages"
            )
        messages: list[Any] = request["messages"]
        malformed = rules.deserialize_error(request, body.decode("utf-8", "replace"))
        if malformed is not None:
            return error_response(400, malformed)
        if request.get("model") not in self.models:
            return error_response(400, errors.MODEL_NOT_EXIST)
        thinking = _thinking_enabled(request)
        broken = rules.prefix_error(request, beta and self.prefix_completion)
        broken = broken or rules.semantic_error(request, thinking)
        if broken is not None:
            return error_response(400, broken)
        max_tokens = request.get("max_tokens")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
            max_tokens = None
        prompt_tokens = estimate_prompt_tokens(messages)
        if prompt_tokens + (max_tokens or 0) > errors.CONTEXT_WINDOW:
            message = errors.context_overflow_message(prompt_tokens, max_tokens or 0)
            return error_response(400, message)
        # Validation comes first: a rejected request leaves the queue untouched, and only
        # requests the server accepted count as sent for the prompt cache.
        with self._lock:
            unmet = _unmet_expectation(self._queue[0], messages) if self._queue else None
            if unmet is not None:
                return error_response(400, unmet)
            # Like DeepSeek's, the cache is per model: another model starts cold.
            hit_tokens = self._cache.hit_tokens(messages, str(request.get("model")))
            reply = self._queue.popleft() if self._queue else None
            if reply is None:
                reply = self.default_reply or demo_reply(messages, self.demo_delay)
            reply = self._with_ids(reply)
        options = request.get("stream_options")
        view = RequestView(
            model=str(request["model"]),
            thinking=thinking,
            stream=request.get("stream") is True,
            include_usage=isinstance(options, dict) and options.get("include_usage") is True,
            max_tokens=max_tokens,
            messages=messages,
            prompt_tokens=prompt_tokens,
            hit_tokens=hit_tokens,
        )
        return render(reply, view)

    def _with_ids(self, reply: Reply) -> Reply:
        # V4-style ids (`call_<index>_<24 letters and digits>`) for calls scripted without one,
        # unique for the server's life so a whole session never repeats one. Caller locks.
        if all(call.id for call in reply.tool_calls):
            return reply
        calls = tuple(
            ToolCall(call.id or self._new_id(index), call.name, call.arguments)
            for index, call in enumerate(reply.tool_calls)
        )
        return dataclasses.replace(reply, tool_calls=calls)

    def _new_id(self, index: int) -> str:
        while True:
            call_id = f"call_{index:02d}_" + "".join(random.choices(_ID_ALPHABET, k=24))
            if call_id not in self._issued_ids:
                self._issued_ids.add(call_id)
                return call_id


def render(reply: Reply, view: RequestView) -> Response:
    """Turn a reply into an HTTP response for this request (streamed or not)."""
    if reply.kind == "error":
        return _error(reply)
    if reply.kind == "context_overflow":
        sent = reply.sent_tokens if reply.sent_tokens is not None else view.prompt_tokens
        completion = reply.completion_tokens
        if completion is None:
            completion = view.max_tokens or 0
        return error_response(400, errors.context_overflow_message(sent, completion))
    segments: Segments
    if reply.kind == "recording":
        if not view.stream:
            return json_response(200, assemble([json.loads(line) for line in reply.lines]))
        segments = [(line, 1) for line in reply.lines]
    elif reply.kind == "generated":
        segments, body = generated_segments(reply, view)
        if not view.stream:
            return json_response(200, body)
    else:
        reasoning = None
        if view.thinking:
            reasoning = reply.reasoning
            if reasoning is None:
                reasoning = default_reasoning(view.messages)
        parts = Parts(reasoning, reply.content, reply.tool_calls, reply.finish_reason)
        parts = cut_to_max_tokens(parts, view.max_tokens)
        chunks = text_chunks(reply, view, parts)
        if not view.stream:
            usage = reply.usage if reply.usage is not None else parts_usage(view, parts)
            return json_response(200, completion_body(chunks[0], parts, usage))
        segments = [(dumps(chunk), 1) for chunk in chunks]
    return Stream(stream_ops(segments, reply.faults), reply.faults.split_writes)


def _error(reply: Reply) -> Response:
    if reply.raw_body is None:
        return error_response(reply.status, reply.message, reply.retry_after)
    headers = {} if reply.retry_after is None else {"Retry-After": f"{reply.retry_after:g}"}
    body = reply.raw_body.encode()
    return Static(reply.status, body, "text/plain; charset=utf-8", headers)
