"""What a file's language says about its indentation, for the ``TABS`` rungs (``edits_ladder``)
and for writing a REPLACE in the file's style (``edits_restyle``).

* Go (gofmt) and Makefiles (recipe lines) always indent with tabs, whatever most of a file's
  lines look like: a Go file can be mostly a raw string of shell script indented with spaces.
* A Python file with no indented line to tell its unit is indented with 4 spaces (PEP 8).
* In Go, the lines that begin inside a raw string literal (`` `...` ``) are the string's text:
  their leading whitespace is data (a template, a script, help text), which may be indented
  either way, so a model's spaces there cannot be read as tabs, nor its tabs as spaces.
"""

from __future__ import annotations

__all__ = ["CODE", "RAW", "default_unit", "go_states", "is_go", "is_makefile", "tabs_by_language"]

CODE, RAW, _COMMENT = 0, 1, 2


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def is_makefile(path: str) -> bool:
    name = _name(path)
    return name in ("Makefile", "makefile", "GNUmakefile") or name.endswith((".mk", ".mak"))


def is_go(path: str) -> bool:
    return _name(path).endswith(".go")


def tabs_by_language(path: str) -> bool:
    """The file indents with tabs whatever its lines suggest."""
    return is_makefile(path) or is_go(path)


def default_unit(path: str) -> int | None:
    """The indentation unit (spaces) when the file's own lines do not tell it."""
    return 4 if _name(path).endswith((".py", ".pyi")) else None


def _go_line(line: str, state: int) -> int:
    """The state after ``line`` (a Go source line) given the state before it."""
    i, n = 0, len(line)
    while i < n:
        if state == RAW:
            j = line.find("`", i)
            if j < 0:
                return RAW
            state, i = CODE, j + 1
        elif state == _COMMENT:
            j = line.find("*/", i)
            if j < 0:
                return _COMMENT
            state, i = CODE, j + 2
        elif line[i] == "`":
            state, i = RAW, i + 1
        elif line.startswith("//", i):
            return CODE
        elif line.startswith("/*", i):
            state, i = _COMMENT, i + 2
        elif line[i] in "\"'":  # an interpreted string or a rune: ends on its line
            quote, i = line[i], i + 1
            while i < n and line[i] != quote:
                i += 2 if line[i] == "\\" else 1
            i += 1
        else:
            i += 1
    return state


def go_states(lines: list[str], state: int = CODE) -> list[int]:
    """The lexical state before each Go source line (``CODE``, ``RAW``: inside a raw string
    literal, or inside a block comment), starting in ``state``, and after the last one."""
    out = [state]
    for line in lines:
        state = _go_line(line, state)
        out.append(state)
    return out
