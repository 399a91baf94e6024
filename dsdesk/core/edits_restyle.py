"""Writing a REPLACE in the file's own indentation (the ``TABS`` rungs of ``edits_ladder``):
tabs stay tabs and spaces stay spaces, or the block is refused rather than guessed."""

from __future__ import annotations

from dsdesk.core.edits_ladder import (
    WS,
    FileView,
    Retab,
    columns,
    is_blank,
    lead_style,
    split_indent,
)
from dsdesk.core.edits_lang import RAW, go_states

__all__ = ["raw_flags", "restyle", "retab_lines"]


_RAW_GUESS = (
    "it has new lines inside a raw string literal, whose leading whitespace is the string's own "
    "text: whether the model's {} stand for the file's {} there is a guess (a SEARCH that reaches "
    "an indented line of the string shows how the string is indented)"
)


def raw_flags(
    view: FileView | None, start: int, end: int, block: list[str]
) -> tuple[list[bool], list[bool]]:
    """Which of the file lines ``start:end`` and which of ``block`` (the lines written in their
    place, as the model wrote them) begin inside a Go raw string literal (all False for a file
    in another language, or with no view)."""
    state = view.raw_state(start) if view is not None else None
    if view is None or state is None:
        return [False] * (end - start), [False] * len(block)
    found = [view.raw_state(i) == RAW for i in range(start, end)]
    return found, [s == RAW for s in go_states(block, state)[:-1]]


def retab_lines(
    rep: list[str],
    how: Retab,
    pat: list[str],
    found: list[str],
    raw_found: list[bool] | None = None,
    raw_new: list[bool] | None = None,
    view: FileView | None = None,
) -> list[str] | str:
    """REPLACE written in the file's indentation, or why it cannot be without guessing.

    ``pat`` is the SEARCH and ``found`` the file lines it matched, one for one. A REPLACE line
    indented like some SEARCH lines gets the file's indentation of those lines; if the file
    indents them differently (a tab file with a space-indented raw string, say), it is a guess
    and refused. A line indented like no SEARCH line is read as columns (a tab as
    ``how.width``), moved by the offset (not on blank lines) and written with tabs then spaces,
    or spaces only; refused if it would start left of column 0, or if the matched lines already
    mix the two styles (which one a new line wants is a guess). Lines inside a Go raw string
    (``raw_found`` of the matched lines, ``raw_new`` of the new ones) are told apart from code,
    as their whitespace is text: a code line is indented like the code lines, a raw line like
    the raw lines, and one indented like none of them in the style of the matched raw lines when
    they show one, else of the file's raw lines (``view``) when they show one; with none to tell,
    a raw line indented with a tab or four spaces is a guess, and the block is refused."""
    raw_found = raw_found or [False] * len(found)
    raw_new = raw_new or [False] * len(rep)
    forms: dict[tuple[bool, str], set[str]] = {}
    mixed = False
    styles: set[bool] = set()  # of the matched raw string lines: True for tabs
    for s, f, raw in zip(pat, found, raw_found, strict=True):
        if is_blank(s) or is_blank(f):
            continue
        lead_f = split_indent(f)[0]
        forms.setdefault((raw, split_indent(s)[0]), set()).add(lead_f)
        if not raw:
            mixed |= lead_f.startswith(" " * how.width) if how.tabs else "\t" in lead_f
        elif (style := lead_style(lead_f)) is not None:
            styles.add(style)
    out: list[str] = []
    for line, raw in zip(rep, raw_new, strict=True):
        lead, body = split_indent(line)
        known = forms.get((raw, lead)) if body.strip(WS) else None
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
            if mixed and not raw:
                return (
                    "the matched lines mix tab and space indentation, so how a new line is "
                    "indented would be a guess"
                )
            col += how.offset
            if col < 0:
                return "the REPLACE has lines indented less than the difference"
        tabs = how.tabs
        if raw:
            region = _region(styles, view)
            if region is None and lead_style(lead) is not None:
                return _RAW_GUESS.format(*(("spaces", "tabs") if how.tabs else ("tabs", "spaces")))
            tabs = bool(region)
        whole, spaces = divmod(col, how.width) if tabs else (0, col)
        out.append("\t" * whole + " " * spaces + body)
    return out


def _region(styles: set[bool], view: FileView | None) -> bool | None:
    """The style of a raw string's lines: the matched ones' when they show one, the file's raw
    lines' when the matched ones show none (see ``FileView.raw_style``)."""
    if len(styles) == 1:
        return next(iter(styles))
    return view.raw_style if not styles and view is not None else None


def _in_style(line: str, tabs: bool, width: int) -> str:
    """``line`` with its leading whitespace in tabs (then spaces) or in spaces only, a tab read
    as ``width`` columns; a line that shows no style is left alone."""
    lead, body = split_indent(line)
    if lead_style(lead) in (None, tabs) and not (tabs and " " in lead.lstrip("\t")):
        return line
    col = columns(lead, width)
    whole, spaces = divmod(col, width) if tabs else (0, col)
    return "\t" * whole + " " * spaces + body


def _other_style(lead: str, tabs: bool) -> bool:
    """Leading whitespace in the style a file indented with tabs (``tabs``) or spaces does not
    use: four spaces in a row or a space before a tab; any tab."""
    return ("    " in lead or " \t" in lead) if tabs else "\t" in lead


def _own_style(lead: str, tabs: bool) -> bool:
    """Leading whitespace that shows the file's style: a tab (not after a space) in a tab file;
    only spaces in a spaces file. (A few spaces in a tab file show neither: alignment.)"""
    if not lead or _other_style(lead, tabs):
        return False
    return "\t" in lead if tabs else True


def _depth(line: str) -> int:
    return len(line) - len(line.lstrip("\t"))


def restyle(
    block: list[str],
    new: list[bool],
    view: FileView | None,
    pat: list[str],
    found: list[str],
    before: str,
    raw: list[bool] | None = None,
    raw_found: list[bool] | None = None,
) -> tuple[list[str], Retab | None] | str:
    """A block that matched as written, its new lines (``new``) indented in the style the file
    does not use (a model writing a tab file's tabs as spaces, or the reverse, with a SEARCH
    ``pat`` that has no indented line to tell, or only an offset in the other style): those
    lines rewritten in the file's style. Left as written when a SEARCH line, or a new line in
    a tab file, is indented in the file's style (the model knows it, so another style is
    meant), or when the matched lines ``found`` are in the other style themselves.

    Otherwise one reading must fit. A spaces file's tab is its N spaces. A tab file's tab is 4
    or 8 columns: a width fits when it turns the spaces of every new line into whole tabs and
    no line ends up more than one tab deeper than the line before it (``before``: the file line
    above the block). When no width fits, or both do with different results, which the model
    meant is a guess: the reason is returned and the block refused.

    Lines inside a Go raw string (``raw`` of the block, ``raw_found`` of the matched lines) are
    text, not code: they neither show nor take the code's style (``_raw_restyle``).
    Returns the lines and the reading used (None: unchanged)."""
    raw = raw or [False] * len(block)
    raw_found = raw_found or [False] * len(found)
    code = [n and not r for n, r in zip(new, raw, strict=True)]
    done = _code_restyle(block, code, view, pat, found, before, raw, raw_found)
    if isinstance(done, str):
        return done
    out, unit = done
    if not any(n and r for n, r in zip(new, raw, strict=True)) or view is None:
        return out, unit
    styles = {
        style
        for f, r in zip(found, raw_found, strict=True)
        if r and (style := lead_style(split_indent(f)[0])) is not None
    }
    region = _region(styles, view)
    # The model wrote the matched raw lines' indentation as the file has it: it knows that style.
    knows = any(
        r and s.rstrip(WS) == f.rstrip(WS) and lead_style(split_indent(f)[0]) is not None
        for s, f, r in zip(pat, found, raw_found, strict=True)
    )
    width = unit.width if unit is not None else (view.units[0].width if view.units else 4)
    for k, line in enumerate(out):
        if not (new[k] and raw[k]):
            continue
        style = lead_style(split_indent(line)[0])
        if style is None or style == region or (region is not None and knows):
            continue
        if region is None:
            if view.units and style != view.units[0].tabs:
                other, own = ("spaces", "tabs") if view.units[0].tabs else ("tabs", "spaces")
                return _RAW_GUESS.format(other, own)
            continue
        out[k] = _in_style(line, region, width)
    return out, unit


def _code_restyle(
    block: list[str],
    new: list[bool],
    view: FileView | None,
    pat: list[str],
    found: list[str],
    before: str,
    raw: list[bool],
    raw_found: list[bool],
) -> tuple[list[str], Retab | None] | str:
    """``restyle`` for the lines outside raw strings (``new``: the new ones of them)."""
    if view is None or not any(new[k] and split_indent(ln)[0] for k, ln in enumerate(block)):
        return block, None
    units = view.units  # (the file's unit is worked out only when needed)
    if not units:
        return block, None
    tabs = units[0].tabs
    code = [(p, f) for p, f, r in zip(pat, found, raw_found, strict=True) if not r]
    leads = [split_indent(p)[0] for p, _ in code if not is_blank(p)]
    if tabs:
        leads += [split_indent(ln)[0] for k, ln in enumerate(block) if new[k]]
    if any(_own_style(lead, tabs) for lead in leads):
        return block, None  # the model writes the file's style: another style is meant
    mine = [
        k for k, line in enumerate(block) if new[k] and _other_style(split_indent(line)[0], tabs)
    ]
    if not mine or any(_other_style(split_indent(f)[0], tabs) for _, f in code if not is_blank(f)):
        return block, None
    other, own = ("spaces", "tabs") if tabs else ("tabs", "spaces")
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
            for k, line in enumerate(out):
                if is_blank(line) or raw[k]:
                    continue
                if prev is not None and _depth(line) > prev + 1:
                    fits = False
                    break
                prev = _depth(line)
        if fits:
            results.setdefault(tuple(out), unit)
    if len(results) != 1:
        how = "no reading of a tab fits" if not results else "a tab read as 4 or 8 columns differ"
        return (
            f"its new lines are indented with {other} in a file indented with {own}, and {how}: "
            "how to write them is a guess"
        )
    ((out_t, unit),) = results.items()
    return list(out_t), unit
