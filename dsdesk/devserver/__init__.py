"""A DeepSeek-compatible HTTP simulator for tests, benchmarks and offline demos.

Standard library only; binds loopback addresses only. See `Simulator` and `Reply`.
"""

from .replies import Faults, Reply
from .script import ScriptError, load_script, parse_script
from .server import RecordedRequest, Simulator
from .tokens import estimate_prompt_tokens

__all__ = [
    "Faults",
    "RecordedRequest",
    "Reply",
    "ScriptError",
    "Simulator",
    "estimate_prompt_tokens",
    "load_script",
    "parse_script",
]
