"""The user's rules: which tool calls run, which ask first, which are refused.

Order of judgement, strictest first:
1. a matching ``deny`` rule refuses;
2. a call with a hard risk (deletes recursively, writes outside the project or into .git,
   needs the network) always asks — in every mode, whatever allow rule matches;
3. a matching ``ask`` rule asks, a matching ``allow`` rule allows (deny > ask > allow);
4. otherwise the mode decides: reads always run; edits run in auto-edit and full-auto;
   commands run only in full-auto, and full-auto needs a working sandbox; tools of MCP servers
   (EXTERNAL) run in full-auto only, and a destructive one (the MCP default for a tool without
   hints) asks in every mode — only an allow rule naming that very tool lets it run.

``user_rules`` are the per-tool answers from Settings ▸ Tools (MCP tools): they hold in every
project and are stored apart from the project's rules.

Rules live in dsdesk's data dir per project, never in the project: a cloned repository cannot
widen what the agent may do. A command is allowed by a rule only if *every* part of it
(``a && b | c``) is; ``pytest* `` never lets ``pytest; rm -rf ~`` through.
"""

from __future__ import annotations

import enum
import fnmatch
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tomli_w

from dsdesk.agent.events import Answer, Decision
from dsdesk.agent.tools.base import Effect
from dsdesk.agent.tools.command_risk import main_words
from dsdesk.workspace.atomic import atomic_write
from dsdesk.workspace.journal import project_key

__all__ = [
    "CallFacts",
    "Mode",
    "Policy",
    "Rule",
    "load_rules",
    "read_rules",
    "rules_path",
    "save_rules",
    "write_rules",
]


class Mode(enum.Enum):
    CHAT = "chat"  # no tools: plain chat
    READ_ONLY = "read-only"  # reads run, everything else asks
    AUTO_EDIT = "auto-edit"  # reads and edits run (journaled, undoable), commands ask
    FULL_AUTO = "full-auto"  # everything runs, commands only inside the sandbox

    @property
    def label(self) -> str:
        return {"chat": "Chat", "read-only": "Read-only", "auto-edit": "Auto-edit"}.get(
            self.value, "Full-auto"
        )


@dataclass(frozen=True, slots=True)
class Rule:
    """``tool`` (or ``*``) with a glob ``pattern`` over the call's subject: the command for
    run_command (matched against each part), the path for file tools."""

    tool: str
    pattern: str
    decision: Decision

    def matches(self, name: str, subject: str) -> bool:
        return (self.tool in ("*", name)) and fnmatch.fnmatchcase(subject, self.pattern)

    @property
    def text(self) -> str:
        return f"{self.tool}: {self.pattern} → {self.decision.value}"


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What the policy needs to know about one call, computed by the tool layer."""

    name: str
    effect: Effect
    subject: str = ""  # the path, or the whole command
    parts: tuple[str, ...] = ()  # for commands: each simple command of a compound one
    risks: frozenset[str] = frozenset()  # plain words: "deletes recursively", "network", …
    destructive: bool = False  # an MCP tool its server marks (or leaves) destructive


@dataclass(slots=True)
class Policy:
    mode: Mode
    sandboxed: bool
    rules: list[Rule] = field(default_factory=list)  # stored for this project
    session: list[Rule] = field(default_factory=list)  # "for this session" answers
    user_rules: list[Rule] = field(default_factory=list)  # Settings ▸ Tools, every project

    def decide(self, call: CallFacts) -> tuple[Decision, str]:
        """(verdict, why it asks or refuses) for ``call``."""
        if self.mode is Mode.CHAT:
            return Decision.DENY, "tools are off in Chat mode"
        subjects = call.parts or (call.subject,)
        verdicts = [self._rule_verdict(call.name, s) for s in subjects]
        if Decision.DENY in verdicts:
            return Decision.DENY, "a rule denies it"
        if call.risks:
            return Decision.ASK, ", ".join(sorted(call.risks))
        if Decision.ASK in verdicts:
            return Decision.ASK, "a rule asks for it"
        if call.destructive and not self._named_allow(call):
            return Decision.ASK, "its MCP server marks it destructive (or gives no hints)"
        if verdicts and all(v is Decision.ALLOW for v in verdicts):
            if call.effect is Effect.EXECUTE and not self.sandboxed:
                # An allow rule is the user's word, sandbox or not; say it ran unsandboxed.
                return Decision.ALLOW, "allowed by a rule (unsandboxed)"
            return Decision.ALLOW, "allowed by a rule"
        return self._mode_verdict(call.effect)

    def _all_rules(self) -> tuple[Rule, ...]:
        return (*self.user_rules, *self.rules, *self.session)

    def _named_allow(self, call: CallFacts) -> bool:
        """An allow rule for exactly this tool (a ``*`` rule is not enough)."""
        return any(
            r.tool == call.name and r.decision is Decision.ALLOW and r.matches(call.name, s)
            for r in self._all_rules()
            for s in (call.parts or (call.subject,))
        )

    def _rule_verdict(self, name: str, subject: str) -> Decision | None:
        found = {r.decision for r in self._all_rules() if r.matches(name, subject)}
        for d in (Decision.DENY, Decision.ASK, Decision.ALLOW):
            if d in found:
                return d
        return None

    def _mode_verdict(self, effect: Effect) -> tuple[Decision, str]:
        if effect is Effect.READ:
            return Decision.ALLOW, ""
        if effect is Effect.EDIT:
            if self.mode in (Mode.AUTO_EDIT, Mode.FULL_AUTO):
                return Decision.ALLOW, ""
            return Decision.ASK, f"edits ask in {self.mode.label} mode"
        if effect is Effect.EXTERNAL:
            if self.mode is Mode.FULL_AUTO:
                return Decision.ALLOW, ""
            return Decision.ASK, f"MCP tools ask in {self.mode.label} mode"
        if self.mode is Mode.FULL_AUTO and self.sandboxed:
            return Decision.ALLOW, ""
        if self.mode is Mode.FULL_AUTO:
            return Decision.ASK, "no sandbox here: commands ask"
        return Decision.ASK, f"commands ask in {self.mode.label} mode"

    def remember(self, answer: Answer, call: CallFacts) -> Rule | None:
        """Turn a "this session" / "always" answer into a rule (returned, for saving when
        always). A risky call is approved once only: risks ask every time."""
        if answer not in (Answer.SESSION, Answer.ALWAYS) or call.risks:
            return None
        rule = Rule(call.name, rule_pattern(call), Decision.ALLOW)
        (self.session if answer is Answer.SESSION else self.rules).append(rule)
        return rule


# Programs whose second word is what matters: "python -m pytest", "npm test", "git status".
_TWO_WORD = {"python", "python3", "npm", "npx", "pnpm", "yarn", "uv", "cargo", "go", "git", "make"}
# Programs that run whatever their arguments say: an approval never widens past the exact call.
_RUNS_ANYTHING = {"sudo", "xargs", "bash", "sh", "zsh", "dash", "eval", "exec", "source", "."}
_INLINE_CODE = {"-c", "-e", "--eval", "--command"}


def rule_pattern(call: CallFacts) -> str:
    """The pattern an approval widens to: the program (and sub-command) of the command, past
    assignments and wrappers such as ``env`` or ``timeout``; the exact command for anything
    that runs code given inline (``python -c``, ``bash -c``, ``sudo``); ``*`` for file tools
    (their paths are jailed to the project anyway)."""
    if call.effect is not Effect.EXECUTE:
        return "*"
    part = call.parts[0] if len(call.parts) == 1 else call.subject
    words = main_words(part)
    if not words or len(call.parts) > 1:
        return call.subject  # a compound command: approve exactly this one
    program = words[0].rsplit("/", 1)[-1]
    if program in _RUNS_ANYTHING or _INLINE_CODE & set(words[1:3]):
        return call.subject
    keep = 2 if program in _TWO_WORD and len(words) > 1 else 1
    if program in ("python", "python3") and len(words) > 2 and words[1] == "-m":
        keep = 3
    return " ".join([program, *words[1:keep]]) + "*"


# -- storage -------------------------------------------------------------------------------------


def rules_path(data_dir: Path, root: Path) -> Path:
    return data_dir / "projects" / project_key(root) / "agent-rules.toml"


def load_rules(data_dir: Path, root: Path) -> tuple[list[Rule], list[str]]:
    """The project's stored rules and, for entries that could not be read, why."""
    return read_rules(rules_path(data_dir, root))


def read_rules(path: Path) -> tuple[list[Rule], list[str]]:
    """The rules stored in ``path`` and, for entries that could not be read, why."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return [], [f"{path}: not readable ({exc}); no stored rules are used"]
    entries = doc.get("rule", [])
    if not isinstance(entries, list):
        return [], [f"{path}: 'rule' must be a list of tables; no stored rules are used"]
    rules: list[Rule] = []
    problems: list[str] = []
    for n, e in enumerate(entries, 1):
        rule = _parse_rule(e)
        if rule is None:
            problems.append(f"{path}: rule {n} skipped (needs tool, pattern, decision)")
        else:
            rules.append(rule)
    return rules, problems


def _parse_rule(e: object) -> Rule | None:
    if not isinstance(e, dict):
        return None
    tool, pattern, decision = e.get("tool"), e.get("pattern", "*"), e.get("decision")
    if not (isinstance(tool, str) and isinstance(pattern, str) and isinstance(decision, str)):
        return None
    try:
        return Rule(tool, pattern, Decision(decision))
    except ValueError:
        return None


def save_rules(data_dir: Path, root: Path, rules: Sequence[Rule]) -> None:
    write_rules(rules_path(data_dir, root), rules, {"root": str(root.resolve())})


def write_rules(path: Path, rules: Sequence[Rule], head: dict[str, str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    doc: dict[str, object] = dict(head or {})
    doc["rule"] = [
        {"tool": r.tool, "pattern": r.pattern, "decision": r.decision.value} for r in rules
    ]
    atomic_write(path, tomli_w.dumps(doc).encode("utf-8"))
