import unittest

from textstats.lines import blank_lines, line_count


class LinesTest(unittest.TestCase):
    def test_line_count(self) -> None:
        self.assertEqual(line_count("a\nb\n\nc"), 4)

    def test_blank_lines(self) -> None:
        self.assertEqual(blank_lines("a\n  \n\nb\n"), 2)


if __name__ == "__main__":
    unittest.main()
