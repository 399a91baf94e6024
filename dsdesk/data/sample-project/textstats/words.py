"""Counting words."""


def word_count(text: str) -> int:
    """Number of words in ``text``, separated by any run of whitespace."""
    return len(text.split(" "))


def longest_word(text: str) -> str:
    """The longest word in ``text`` (the first one if several are as long); "" if none."""
    return max(text.split(), key=len, default="")
