"""Word and line statistics for plain text."""

from textstats.words import longest_word, word_count

__all__ = ["longest_word", "word_count"]
