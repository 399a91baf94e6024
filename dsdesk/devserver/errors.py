"""DeepSeek error bodies, as Python data so the package works without the tests folder.

Bodies marked "real" are quoted from public GitHub issues (see the error-bodies fixture,
tests/fixtures/deepseek-recordings/deepseek-error-bodies__from-github-issues.json). Bodies marked
"assumed" were never seen in full: only the message (or nothing) is known, so they reuse the
envelope of the real ones.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

CONTEXT_WINDOW = 1_048_576

MODEL_NOT_EXIST = "Model Not Exist"
REASONING_NOT_PASSED_BACK = (
    "The reasoning_content in the thinking mode must be passed back to the API."
)
# Chat prefix completion ("prefix": true on the last assistant message) outside the beta base
# URL, or on a server that does not offer it. assumed: DeepSeek's wording was never recorded.
PREFIX_NEEDS_BETA = (
    "The prefix parameter is only available on the beta endpoint; "
    "set base_url to https://api.deepseek.com/beta"
)
# assumed, as above: "prefix" set anywhere but on a last message from the assistant.
PREFIX_NOT_LAST_ASSISTANT = (
    "Only the last message may set prefix, and it must be from the assistant"
)
AUTH_NO_SUCH_USER = "Authentication Fails (no such user)"
AUTH_BAD_FORMAT = "Authentication Fails (auth header format should be Bearer sk-...)"

# Tool-calling rules (docs/ARCHITECTURE.md §4), texts as DeepSeek's API sends them.
# "real": quoted in full in
# the thread named; "assumed": the API's wording for a neighbouring case reused.
# real: https://github.com/TurixAI/TuriX-CUA/issues/15, https://github.com/zed-industries/zed/issues/51944
TOOL_RESULTS_MISSING = (
    "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
    "'tool_call_id'. (insufficient tool messages following tool_calls message)"
)
# real: https://github.com/FoundationAgents/OpenManus/issues/227 (a tool message with no call
# before it); assumed for a tool_call_id that matches none of the preceding calls.
TOOL_WITHOUT_CALL = (
    "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'"
)
# real: DeepSeek-direct 400 quoted in client code comments and changelogs (e.g. find_string
# "content or tool_calls must be set": open-codesign, hermes-agent; assistant `content: null`).
CONTENT_OR_TOOL_CALLS = "Invalid assistant message: content or tool_calls must be set"
# real shape: https://github.com/craft-ai-agents/craft-agents-oss/issues/621 and /630
# ("Duplicate value for 'tool_call_id' of in message[4]": the id there was empty).
TOOL_CALL_ID_DUPLICATE = "Duplicate value for 'tool_call_id' of {id} in message[{index}]"
# real: https://github.com/duolahypercho/codex-router/issues/106,
# https://github.com/deepseek-ai/DeepSeek-V3/issues/1376 (tool_choice "required" or a named
# function while thinking; "auto" and "none" are accepted).
THINKING_TOOL_CHOICE = "Thinking mode does not support this tool_choice"
# Body deserialization errors (serde): "Failed to deserialize the JSON body into the target type:
# <path>: <problem> at line L column C". Status 400 on V4 (2026 reports; 422 in early 2025).
# real: https://github.com/BenedictKing/ccx/issues/149 (developer role, V4 role list),
# https://github.com/danny-avila/LibreChat/issues/12804 (tools[0]: missing field `function`).
# assumed: the other `tools` details (missing `type`, unknown `type`, `function.name`), in
# serde's usual wording; the column is computed like serde_json's (bytes read on the line).
DESERIALIZE = (
    "Failed to deserialize the JSON body into the target type: {detail} "
    "at line {line} column {column}"
)
ROLES = ("system", "user", "assistant", "tool", "latest_reminder")

# status -> (message, type, code, provenance)
DEFAULT_ERRORS: dict[int, tuple[str, str, str, str]] = {
    400: (
        MODEL_NOT_EXIST,
        "invalid_request_error",
        "invalid_request_error",
        "real: https://github.com/deepwn/addi/issues/13",
    ),
    401: (
        AUTH_NO_SUCH_USER,
        "authentication_error",
        "invalid_request_error",
        "real: https://github.com/deepseek-ai/DeepSeek-R1/issues/82",
    ),
    402: (
        "Insufficient Balance",
        "unknown_error",
        "invalid_request_error",
        "real: https://github.com/Aider-AI/aider/issues/4851",
    ),
    422: (
        "Failed to deserialize the JSON body into the target type: invalid parameter",
        "invalid_request_error",
        "invalid_request_error",
        "assumed: documented status, body not quoted anywhere",
    ),
    429: (
        "Rate limit reached for TPM",
        "rate_limit_error",
        "rate_limit_exceeded",
        "assumed envelope; message: https://github.com/esengine/DeepSeek-Reasonix/issues/2387",
    ),
    500: (
        "Internal Server Error",
        "api_error",
        "internal_error",
        "assumed: documented status, body not quoted anywhere",
    ),
    503: (
        "Service Unavailable: the server is overloaded, please try again later",
        "api_error",
        "service_unavailable",
        "assumed: documented status, body not quoted anywhere",
    ),
}


def envelope(message: str, type_: str = "invalid_request_error", code: str | None = None) -> Any:
    """The `{"error": {...}}` envelope every DeepSeek JSON error uses."""
    return {
        "error": {
            "message": message,
            "type": type_,
            "param": None,
            "code": code if code is not None else "invalid_request_error",
        }
    }


def default_error_body(status: int, message: str | None = None) -> Any:
    """The real (or assumed) body for `status`; `message` replaces only the message text."""
    known = DEFAULT_ERRORS.get(status)
    if known is None:
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        return envelope(message or phrase, "api_error", "invalid_request_error")
    default_message, type_, code, _ = known
    return envelope(message or default_message, type_, code)


def context_overflow_message(message_tokens: int, completion_tokens: int) -> str:
    """The exact wording of the real 400 for an over-long request."""
    total = message_tokens + completion_tokens
    return (
        f"This model's maximum context length is {CONTEXT_WINDOW} tokens. However, you requested "
        f"{total} tokens ({message_tokens} in the messages, {completion_tokens} in the "
        "completion). Please reduce the length of the messages or completion."
    )
