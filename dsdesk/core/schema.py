"""One schema step for hand-edited TOML: a parsed document checked against a dataclass.

The dataclass's field types say what each value must be (str, bool, int, float, date, list[T],
tuple[T, ...], tuple[A, B], dict[str, T], a nested dataclass, T | None) and ``limits(...)`` in a
field's metadata adds bounds and choices. Every wrong value is reported in plain words and its
field keeps its default, so a bad hand edit never stops the app. Rules beyond Python's: a bool is
never a number (Python's bool is an int), an int is fine where a float goes, nan and inf never are,
and TOML has no null, so ``None`` is only ever a default.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

__all__ = ["Invalid", "Problem", "limits", "load", "parse_toml"]

T = TypeVar("T")
_KEY = "dsdesk.schema.limits"
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")
_KINDS: dict[type, str] = {
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    str: "text",
    date: "a date like 2026-11-01",
}


class Invalid(ValueError):
    """A value that does not fit; ``why`` is plain words for the user."""

    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why}" if where else why)
        self.where, self.why = where, why


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """A value that was not used, and what was used instead."""

    where: str
    why: str
    instead: str

    def __str__(self) -> str:
        return f"{self.where}: {self.why}; {self.instead}"


@dataclasses.dataclass(frozen=True, slots=True)
class _Limits:
    ge: float | None
    gt: float | None
    le: float | None
    choices: tuple[str, ...] | None
    check: Callable[[Any], str | None] | None

    def why(self, value: Any) -> str | None:
        if self.choices is not None and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}, not {_found(value)}"
        low_ok = (self.ge is None or value >= self.ge) and (self.gt is None or value > self.gt)
        if not low_ok or (self.le is not None and value > self.le):
            return f"must be {self._range()}, not {_found(value)}"
        return self.check(value) if self.check is not None else None

    def _range(self) -> str:
        low = f"at least {self.ge:,}" if self.ge is not None else ""
        low = f"more than {self.gt:,}" if self.gt is not None else low
        high = f"at most {self.le:,}" if self.le is not None else ""
        return " and ".join(p for p in (low, high) if p)


def limits(
    *,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    choices: tuple[str, ...] | None = None,
    check: Callable[[Any], str | None] | None = None,
) -> dict[str, Any]:
    """Field metadata: bounds, allowed values, or a check returning why a value is wrong."""
    return {_KEY: _Limits(ge, gt, le, choices, check)}


def parse_toml(text: str) -> dict[str, Any]:
    """The document, or ``Invalid`` in plain words. tomllib's own limits surface as other
    errors (ValueError for a number of thousands of digits, RecursionError for arrays nested
    thousands deep), so they are caught and named too."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid("", f"not valid TOML ({exc})") from exc
    except ValueError:
        raise Invalid("", "not usable TOML (a number is thousands of digits long)") from None
    except RecursionError:
        raise Invalid("", "not usable TOML (lists or tables nested too deeply)") from None


def load(cls: type[T], doc: Mapping[str, Any], where: str = "") -> tuple[T, list[Problem]]:
    """An instance of dataclass ``cls`` from ``doc`` (unknown keys are left out). A bad value
    with a default falls back to it and is reported; one without a default raises ``Invalid``."""
    problems: list[Problem] = []
    return _load(cls, doc, where, problems), problems


def _load(cls: type[T], doc: Mapping[str, Any], where: str, problems: list[Problem]) -> T:
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = f"{where}.{f.name}" if where else f.name
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if f.name not in doc:
            if required:
                raise Invalid(name, "missing")
            continue
        try:
            value = _convert(hints[f.name], doc[f.name], name, problems)
            rule: _Limits | None = f.metadata.get(_KEY)
            why = rule.why(value) if rule is not None else None
            if why is not None:
                raise Invalid(name, why)
        except Invalid as exc:
            if required:
                raise
            default = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
            shown = str(default).lower() if isinstance(default, bool) else repr(default)
            problems.append(Problem(exc.where, exc.why, f"using {shown}"))
            continue
        values[f.name] = value
    return cls(**values)


def _convert(tp: Any, value: Any, where: str, problems: list[Problem]) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):  # T | None: TOML has no null, so it is T
        (tp,) = [a for a in args if a is not type(None)]
        return _convert(tp, value, where, problems)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise Invalid(where, f"must be a table, not {_found(value)}")
        return _load(tp, value, where, problems)  # type: ignore[arg-type]
    if origin is dict:
        if not isinstance(value, dict):
            raise Invalid(where, f"must be a table, not {_found(value)}")
        out: dict[str, Any] = {}
        for key, item in value.items():
            try:
                out[key] = _convert(args[1], item, f"{where}.{_key(key)}", problems)
            except Invalid as exc:  # one bad entry does not cost the others
                problems.append(Problem(exc.where, exc.why, "left out"))
        return out
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise Invalid(where, f"must be a list, not {_found(value)}")
        if origin is tuple and args[-1] is not Ellipsis:  # a fixed-length tuple: a pair, say
            if len(value) != len(args):
                raise Invalid(where, f"must be a list of {len(args)}, not {_found(value)}")
            kinds = args
        else:
            kinds = (args[0],) * len(value)
        items = [
            _convert(kind, item, f"{where}[{i}]", problems)
            for i, (kind, item) in enumerate(zip(kinds, value, strict=True))
        ]
        return tuple(items) if origin is tuple else items
    return _scalar(tp, value, where)


def _scalar(tp: type, value: Any, where: str) -> Any:
    if tp is float and type(value) in (int, float):
        try:
            number = float(value)
        except OverflowError:
            raise Invalid(where, f"is far too large ({_found(value)})") from None
        if not math.isfinite(number):
            raise Invalid(where, f"must be a finite number, not {_found(value)}")
        return number
    if type(value) is tp:  # exact: a bool is no int here, and a datetime no date
        return value
    raise Invalid(where, f"must be {_KINDS.get(tp, tp.__name__)}, not {_found(value)}")


def _key(key: str) -> str:
    """A table key as TOML would write it: quoted unless bare, so odd characters stay visible."""
    return key if _BARE_KEY.fullmatch(key) else _found(key).removeprefix("the text ")


def _found(value: Any) -> str:
    """A short plain description of a TOML value, for messages."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {value[:40]!r}" + ("…" if len(value) > 40 else "")
    if type(value) is int and value.bit_length() > 14_000:  # str() refuses past 4,300 digits
        return f"a whole number about {value.bit_length() * math.log10(2):,.0f} digits long"
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"
