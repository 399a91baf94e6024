"""What a shell command would do that must always ask, in every mode: delete recursively, write
outside the project, write into ``.git``, use the network. A pure function of the text.

The command is split like the shell does (``shlex`` with punctuation): on ``;`` ``&&`` ``||``
``|`` ``&``, subshells, ``$(…)``, backticks and newlines, and it looks inside ``bash -c '…'``,
``sh -c``, ``eval``, ``xargs``, ``find -exec`` and wrappers (``sudo``, ``env``, ``timeout``…).

Limits, on purpose (this is a tripwire for the usual commands, not a shell interpreter): variables
other than ``$HOME`` are not expanded, so ``rm -rf "$D"`` counts only as a recursive delete, not
as a write outside; scripts and programs are not looked into (``python evil.py``, a ``Makefile``
target); heredoc bodies and comments are read as commands (a false alarm asks, which is safe);
``/tmp`` and ``/dev/null``-like paths count as inside. The sandbox is what actually confines a
command; this decides only when the user must be asked.
"""

from __future__ import annotations

import enum
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from dsdesk.agent.tools import command_words as cw

__all__ = ["Risk", "command_parts", "command_risk"]


class Risk(enum.StrEnum):
    DELETE = "deletes recursively"
    OUTSIDE = "writes outside the project"
    GIT = "writes into .git"
    NETWORK = "uses the network"


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_SUBST = re.compile(r"\$\(([^()]*)\)|`([^`]*)`")
_MAX_DEPTH = 6


@dataclass(slots=True)
class _Scan:
    root: Path | None
    cwd: Path | None
    risks: set[Risk] = field(default_factory=set)
    parts: list[str] = field(default_factory=list)


def _tokens(command: str) -> list[str]:
    text = command.replace("\n", " ; ").replace("`", " ` ")
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""  # a '#' is kept as a word: reading a comment as a command only asks
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes: bash refuses it too; look at the plain words
        return text.split()


def _is_operator(token: str) -> bool:
    return bool(token) and all(c in "();<>|&`" for c in token)


def _segments(tokens: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for tok in tokens:
        if _is_operator(tok) and tok not in cw.REDIRECTS:
            out.append([])
        else:
            out[-1].append(tok)
    return [s for s in out if s]


def _scan(command: str, scan: _Scan, depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    for words in _segments(_tokens(command)):
        for tok in words:  # "$(…)" and `…` inside quotes are one word: look inside
            for m in _SUBST.finditer(tok):
                _scan(m.group(1) if m.group(1) is not None else m.group(2), scan, depth + 1)
        _simple(words, scan, depth)


def _strip_prefix(words: list[str]) -> list[str]:
    """Drop keywords, assignments and wrappers (with their options) before the program."""
    i = 0
    while i < len(words):
        w = words[i]
        name = os.path.basename(w)
        if w in cw.KEYWORDS or _ASSIGNMENT.match(w):
            i += 1
        elif w in ("for", "select", "in"):
            return []  # a loop header: its words are values, not a command
        elif name in cw.WRAPPERS:
            takes = cw.WRAPPERS[name]
            i += 1
            while i < len(words) and (words[i].startswith("-") or _ASSIGNMENT.match(words[i])):
                i += 2 if words[i] in takes else 1
            if name == "timeout" and i < len(words):
                i += 1  # the duration
        else:
            break
    return words[i:]


def _simple(words: list[str], scan: _Scan, depth: int) -> None:
    args: list[str] = []
    i = 0
    while i < len(words):  # take redirections out, checking where output goes
        if words[i] in cw.REDIRECTS:
            target = words[i + 1] if i + 1 < len(words) else ""
            if ">" in words[i] and not (words[i].endswith("&") and target in ("-", "1", "2")):
                _check_path(target, scan)
            if "/dev/tcp/" in target or "/dev/udp/" in target:
                scan.risks.add(Risk.NETWORK)
            i += 2
        else:
            args.append(words[i])
            i += 1
    if any("/dev/tcp/" in w or "/dev/udp/" in w for w in args):
        scan.risks.add(Risk.NETWORK)
    cmd = _strip_prefix(args)
    if not cmd:
        return
    prog, rest = os.path.basename(cmd[0]), cmd[1:]
    if prog in cw.SHELLS or prog == "eval":
        inner = _shell_script(prog, rest)
        if inner is not None:
            _scan(inner, scan, depth + 1)
            return
    scan.parts.append(shlex.join(words))
    _program(prog, rest, scan, depth)


def _shell_script(prog: str, rest: list[str]) -> str | None:
    if prog == "eval":
        return " ".join(rest)
    for i, w in enumerate(rest):
        if w.startswith("-") and not w.startswith("--") and "c" in w:
            return rest[i + 1] if i + 1 < len(rest) else ""
    return None


def _program(prog: str, rest: list[str], scan: _Scan, depth: int) -> None:
    if re.fullmatch(r"python[0-9.]*", prog) and rest[:2] == ["-m", "pip"]:
        prog, rest = "pip", rest[2:]
    if prog in ("pip3", "pip2") or re.fullmatch(r"pip[0-9.]+", prog):
        prog = "pip"
    opts = [w for w in rest if w.startswith("-")]
    plain = [w for w in rest if not w.startswith("-")]
    fetches = prog in cw.FETCHING and (plain[0] if plain else "") in cw.FETCHING[prog]
    remote = prog == "rsync" and any(re.match(r"^([\w.@-]+::?|rsync://)", w) for w in plain)
    if prog in cw.NETWORK_TOOLS or fetches or remote:
        scan.risks.add(Risk.NETWORK)
    recursive = any(re.fullmatch(r"-[a-zA-Z]*[rR][a-zA-Z]*|--recursive", o) for o in opts)
    mirrors = prog == "rsync" and any(o.startswith("--del") for o in opts)
    if (prog == "rm" and recursive) or prog == "shred" or mirrors:
        scan.risks.add(Risk.DELETE)
    if prog == "find":
        _find(rest, scan, depth)
    elif prog == "git":
        _git(rest, scan)
    elif prog in ("cd", "pushd"):
        _cd(plain[0] if plain else "~", scan)
    elif prog == "dd":
        for w in rest:
            if w.startswith("of="):
                _check_path(w[3:], scan)
    in_place = prog not in ("sed", "perl") or any(o.startswith("-i") for o in opts)
    if prog in cw.WRITERS and in_place:
        skip = cw.WRITERS[prog]
        for path in plain[-1:] if skip < 0 else plain[skip:]:
            _check_path(path, scan)


def _find(rest: list[str], scan: _Scan, depth: int) -> None:
    if "-delete" in rest:
        scan.risks.add(Risk.DELETE)
    for i, w in enumerate(rest):
        if w in ("-exec", "-execdir", "-ok", "-okdir"):
            sub = _Scan(scan.root, scan.cwd)
            _simple([x for x in rest[i + 1 :] if x not in ("{}", "+")], sub, depth + 1)
            scan.risks |= sub.risks
            break
    if Risk.DELETE in scan.risks:  # deleting under the starting points: are they ours?
        for w in rest:
            if w.startswith(("-", "(", "!")):
                break
            _check_path(w, scan)


def _git(rest: list[str], scan: _Scan) -> None:
    i = 0
    while i < len(rest) and rest[i].startswith("-"):  # global options: -C DIR, -c K=V, …
        i += 2 if rest[i] in ("-C", "-c") else 1
    sub, args = (rest[i], rest[i + 1 :]) if i < len(rest) else ("", [])
    if sub in cw.GIT_NETWORK or (sub in ("remote", "submodule") and "update" in args):
        scan.risks.add(Risk.NETWORK)
    if sub == "clean" and any(re.fullmatch(r"-[a-zA-Z]*f[a-zA-Z]*|--force", a) for a in args):
        scan.risks.add(Risk.DELETE)
    if sub == "rm" and any(re.fullmatch(r"-[a-zA-Z]*r[a-zA-Z]*", a) for a in args):
        scan.risks.add(Risk.DELETE)
    if sub in cw.GIT_READ or sub == "clean":  # clean writes the work tree only
        return
    if sub in cw.GIT_LISTING:
        listing = cw.GIT_LISTING[sub]
        if sub == "config":
            named = [a for a in args if a[:1] != "-"]
            changes = any(a in cw.GIT_CONFIG_WRITES for a in args)
            reads = not changes and (any(a in listing for a in args) or len(named) < 2)
        elif sub == "branch":
            reads = all(a in listing or a.startswith("--format") for a in args)
        else:  # a bare `git stash` pushes; bare `git tag`, `remote`, `reflog` list
            reads = (not args and sub != "stash") or (bool(args) and args[0] in listing)
        if reads:
            return
    scan.risks.add(Risk.GIT)


def _resolve(path: str, scan: _Scan) -> Path | None:
    """The path lexically resolved, ``~`` and ``$HOME`` expanded; None if it cannot be told."""
    for home in ("~", "$HOME", "${HOME}"):
        if path == home or path.startswith(home + "/"):
            path = str(Path.home()) + path[len(home) :]
    if path.startswith("~"):
        return Path("/")  # another user's home: outside, whatever it is
    if not path or "$" in path:
        return None
    base = scan.cwd if scan.cwd is not None else Path("/nonexistent-cwd")
    return Path(os.path.normpath(base / path))


def _check_path(path: str, scan: _Scan) -> None:
    if path.startswith(cw.SAFE_ABSOLUTE) or path in ("/tmp", "/var/tmp"):
        return
    real = _resolve(path, scan)
    if real is None:
        return
    root = scan.root
    if root is None or not (real == root or root in real.parents):
        scan.risks.add(Risk.OUTSIDE)
    elif any(p.lower() == ".git" for p in real.relative_to(root).parts):
        scan.risks.add(Risk.GIT)


def _cd(target: str, scan: _Scan) -> None:
    real = _resolve(target, scan) if target != "-" else None
    root = scan.root
    if real is None or root is None or not (real == root or root in real.parents):
        scan.risks.add(Risk.OUTSIDE)  # later relative writes would land who knows where
        scan.cwd = None
    else:
        scan.cwd = real


def _run(command: str, root: Path | None) -> _Scan:
    base = Path(os.path.normpath(root.absolute())) if root is not None else None
    scan = _Scan(base, base)
    _scan(command, scan, 0)
    return scan


def command_risk(command: str, root: Path | None = None) -> frozenset[Risk]:
    """The risks of running ``command`` in ``root`` (None: every written path counts as
    outside). Each ``Risk`` is a ``str`` in plain words, e.g. "deletes recursively"."""
    return frozenset(_run(command, root).risks)


def main_words(part: str) -> list[str]:
    """The words of one simple command from its program on (assignments, ``env``, ``timeout``
    and other wrappers dropped): what an approval for "this program" should name."""
    return _strip_prefix(_tokens(part))


def command_parts(command: str) -> tuple[str, ...]:
    """Each simple command of a compound one (``a && b | c`` → a, b, c), looking inside
    ``bash -c``, ``$(…)`` and backticks: an allow rule must match every part."""
    return tuple(_run(command, None).parts)
