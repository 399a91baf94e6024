"""Fuzzy matching for the palette and the shortcut list: ranked subsequences, word starts and
runs first, a fixed order for ties, and the matched letters for highlighting."""

from __future__ import annotations

from dsdesk.core.fuzzy import fuzzy_match, fuzzy_sort

LABELS = [
    "Restore a checkpoint",
    "Toggle thinking",
    "Focus file tree",
    "Effort: max",
    "Effort: high",
    "Rebuild context",
    "Close preview",
    "Model: deepseek-v4-flash",
    "Model: deepseek-v4-pro",
]


def _ranked(query: str) -> list[str]:
    return [label for label, _m in fuzzy_sort(query, LABELS, str)]


def test_abbreviations_find_what_they_mean() -> None:
    assert _ranked("tgth") == ["Toggle thinking"]
    assert _ranked("cp")[0] == "Close preview"
    assert _ranked("mflash")[0] == "Model: deepseek-v4-flash"
    assert _ranked("zzz") == []


def test_word_starts_and_runs_beat_scattered_letters() -> None:
    word_starts = fuzzy_match("fft", "Focus file tree")
    scattered = fuzzy_match("fft", "fluffy thing")
    assert word_starts is not None and scattered is not None
    assert word_starts.score > scattered.score
    run = fuzzy_match("pro", "Model: deepseek-v4-pro")
    assert run is not None and run.positions == (19, 20, 21)


def test_ties_are_ordered_and_positions_are_given() -> None:
    assert _ranked("eff") == ["Effort: max", "Effort: high"]  # same score: shorter first
    assert _ranked("model")[:2] == ["Model: deepseek-v4-pro", "Model: deepseek-v4-flash"]
    m = fuzzy_match("tgth", "Toggle thinking")
    assert m is not None and m.positions == (0, 2, 7, 8)
    assert fuzzy_match("", "anything") is not None
    assert fuzzy_match("T G", "toggle") is not None  # case and spaces do not matter


def test_a_run_beats_jumping_to_the_next_word() -> None:
    m = fuzzy_match("mod", "Model: deepseek-v4-pro")
    assert m is not None and m.positions == (0, 1, 2)
