"""Writing a REPLACE in the file's own indentation (the ``TABS`` rungs of ``edits_ladder``):
tabs stay tabs and spaces stay spaces, or the block is refused rather than guessed."""

from __future__ import annotations

from dsdesk.core.edits_ladder import WS, FileView, Retab, columns, is_blank, split_indent

__all__ = ["restyle", "retab_lines"]


def retab_lines(rep: list[str], how: Retab, pat: list[str], found: list[str]) -> list[str] | str:
    """REPLACE written in the file's indentation, or why it cannot be without guessing.

    ``pat`` is the SEARCH and ``found`` the file lines it matched, one for one. A REPLACE line
    indented like some SEARCH lines gets the file's indentation of those lines; if the file
    indents them differently (a tab file with a space-indented raw string, say), it is a guess
    and refused. A line indented like no SEARCH line is read as columns (a tab as
    ``how.width``), moved by the offset (not on blank lines) and written with tabs then spaces,
    or spaces only; refused if it would start left of column 0, or if the matched lines already
    mix the two styles (which one a new line wants is a guess)."""
    forms: dict[str, set[str]] = {}
    mixed = False
    for s, f in zip(pat, found, strict=True):
        if is_blank(s) or is_blank(f):
            continue
        lead_f = split_indent(f)[0]
        forms.setdefault(split_indent(s)[0], set()).add(lead_f)
        mixed |= lead_f.startswith(" " * how.width) if how.tabs else "\t" in lead_f
    out: list[str] = []
    for line in rep:
        lead, body = split_indent(line)
        known = forms.get(lead) if body.strip(WS) else None
        if known is not None:
            if len(known) > 1:
                return (
                    "the file indents the SEARCH lines this REPLACE line is indented like both "
                    "with tabs and with spaces"
                )
            out.append(next(iter(known)) + body)
            continue
        col = columns(lead, how.width)
        if body.strip(WS):
            if mixed:
                return (
                    "the matched lines mix tab and space indentation, so how a new line is "
                    "indented would be a guess"
                )
            col += how.offset
            if col < 0:
                return "the REPLACE has lines indented less than the difference"
        tabs, spaces = divmod(col, how.width) if how.tabs else (0, col)
        out.append("\t" * tabs + " " * spaces + body)
    return out


def _other_style(lead: str, tabs: bool) -> bool:
    """Leading whitespace in the style a file indented with tabs (``tabs``) or spaces does not
    use: four spaces in a row or a space before a tab; any tab."""
    return ("    " in lead or " \t" in lead) if tabs else "\t" in lead


def _depth(line: str) -> int:
    return len(line) - len(line.lstrip("\t"))


def restyle(
    block: list[str],
    new: list[bool],
    view: FileView | None,
    pat: list[str],
    found: list[str],
    before: str,
) -> tuple[list[str], Retab | None]:
    """A block that matched as written, its new lines (``new``) indented in the style the file
    does not use (a model writing a tab file's tabs as spaces, or the reverse, with a SEARCH
    ``pat`` that has no indented line to tell, or only an offset in the other style): those
    lines rewritten in the file's style, when no SEARCH line is indented in the file's style
    (that says the model knows it, so another style in REPLACE is meant), the matched lines
    ``found`` do not mix styles and one reading fits. A spaces file's tab is its
    N spaces. A tab file's tab is 4 or 8 columns: a width fits when it turns the spaces of
    every new line into whole tabs and no line ends up more than one tab deeper than the line before
    it (``before``: the file line above the block); when no width fits, or both do with
    different results, the lines stay as the model wrote them. Returns the lines and the
    reading used (None: unchanged)."""
    if view is None or not any(new[k] and split_indent(ln)[0] for k, ln in enumerate(block)):
        return block, None
    units = view.units  # (the file's unit is worked out only when needed)
    if not units:
        return block, None
    tabs = units[0].tabs
    for p in pat:
        lead = split_indent(p)[0]
        if lead and not is_blank(p) and not _other_style(lead, tabs):
            return block, None  # the SEARCH is written in the file's style: REPLACE means its own
    mine = [
        k for k, line in enumerate(block) if new[k] and _other_style(split_indent(line)[0], tabs)
    ]
    if not mine or any(_other_style(split_indent(f)[0], tabs) for f in found if not is_blank(f)):
        return block, None
    results: dict[tuple[str, ...], Retab] = {}
    for unit in units:
        out = list(block)
        fits = True
        for k, line in enumerate(block):
            if not new[k]:
                continue
            lead, body = split_indent(line)
            col = columns(lead, unit.width)
            if tabs and " " in lead and body.strip(WS) and col % unit.width:
                fits = False
                break
            t, sp = divmod(col, unit.width) if tabs else (0, col)
            out[k] = "\t" * t + " " * sp + body
        if fits and tabs:
            prev = _depth(before) if not is_blank(before) else None
            for line in out:
                if is_blank(line):
                    continue
                if prev is not None and _depth(line) > prev + 1:
                    fits = False
                    break
                prev = _depth(line)
        if fits:
            results.setdefault(tuple(out), unit)
    if len(results) != 1:
        return block, None
    ((out_t, unit),) = results.items()
    return list(out_t), unit
