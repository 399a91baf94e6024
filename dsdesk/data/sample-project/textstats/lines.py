"""Counting lines."""


def line_count(text: str) -> int:
    """Number of lines in ``text``; a final line without a newline counts too."""
    return len(text.splitlines())


def blank_lines(text: str) -> int:
    """Number of lines holding nothing but whitespace."""
    return sum(1 for line in text.splitlines() if not line.strip())
