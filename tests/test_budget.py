"""The meter's levels: 80 % and 95 % of the window less the reserved output."""

from dsdesk.core.budget import CONTEXT_WINDOW, ContextBudget


def level(inp: int, reserved: int) -> str:
    return ContextBudget(files=inp, reserved_output=reserved).level


def test_levels_are_relative_to_the_usable_window() -> None:
    usable = CONTEXT_WINDOW - 48_576
    assert level(int(usable * 0.79), 48_576) == "ok"
    assert level(int(usable * 0.81), 48_576) == "warn"
    assert level(int(usable * 0.96), 48_576) == "danger"
    assert level(usable, 48_576) == "danger"
    assert level(usable + 1, 48_576) == "over"
    assert ContextBudget(files=10, reserved_output=CONTEXT_WINDOW).level == "over"
