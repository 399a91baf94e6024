import unittest

from textstats import longest_word, word_count


class WordCountTest(unittest.TestCase):
    def test_single_spaces(self) -> None:
        self.assertEqual(word_count("one two three"), 3)

    def test_any_whitespace_separates_words(self) -> None:
        self.assertEqual(word_count("one  two\nthree\tfour"), 4)

    def test_empty_text_has_no_words(self) -> None:
        self.assertEqual(word_count(""), 0)


class LongestWordTest(unittest.TestCase):
    def test_first_of_the_longest(self) -> None:
        self.assertEqual(longest_word("a tale of two cities"), "cities")

    def test_empty(self) -> None:
        self.assertEqual(longest_word("   "), "")


if __name__ == "__main__":
    unittest.main()
