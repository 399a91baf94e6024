"""A cloned repository is untrusted: nothing that goes into a request (instructions, attached
files and folders, the whole project, @-mentions, watcher updates) nor any token count reads a
file outside the project through a link. A link that stays inside is fine."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from dsdesk.cli import main
from dsdesk.config.settings import Settings
from dsdesk.core.errors import EditError
from dsdesk.services.context import ContextService
from dsdesk.services.controller import AppController
from dsdesk.workspace.ignore import IgnoreRules
from dsdesk.workspace.jail import jailed_path
from dsdesk.workspace.token_cache import FileTokenCache, iter_files
from dsdesk.workspace.tokenizer_data import v4_counter
from tests.qt_async import close_window, open_window, run_scenario, wait_until

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX symlinks")

SECRET = "-----BEGIN OPENSSH PRIVATE KEY----- sekrit\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """proj/ with ordinary files, and a secret file and folder next to it (outside)."""
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("print('hi')\n")
    (root / "notes.md").write_text("# notes\n")
    (tmp_path / "id_rsa").write_text(SECRET)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "key.txt").write_text(SECRET)
    return root


def notices(ctx: ContextService) -> list[str]:
    got: list[str] = []
    ctx.sig_notice.connect(got.append)
    return got


def sent(controller: AppController) -> str:
    """Everything the next request would carry as context."""
    chat = controller.chat
    return chat.base_context + "".join(chat.pending_updates)


# -- the one jail for reads -------------------------------------------------------------------


def test_jailed_path_refuses_links_out_with_a_reason(project: Path, tmp_path: Path) -> None:
    (project / "AGENTS.md").symlink_to(tmp_path / "id_rsa")
    (project / "vendor").symlink_to(tmp_path / "home", target_is_directory=True)
    (project / "alias.py").symlink_to("src/app.py")
    assert jailed_path(project, "alias.py") == (project / "src" / "app.py").resolve()
    with pytest.raises(EditError) as info:
        jailed_path(project, "AGENTS.md")
    assert info.value.user_message == (
        "AGENTS.md is a link to a file outside the project; not read."
    )
    with pytest.raises(EditError) as info:
        jailed_path(project, "vendor/key.txt")
    assert "vendor/key.txt" in info.value.user_message
    assert "outside the project" in info.value.user_message


# -- entry points of the context service ------------------------------------------------------


def test_instructions_file_linked_outside_is_not_read(qloop, sim, project: Path, tmp_path: Path):
    (project / "AGENTS.md").symlink_to(tmp_path / "id_rsa")

    async def scenario() -> None:
        controller = AppController(Settings())
        await asyncio.to_thread(v4_counter)
        ctx = controller.context
        got = notices(ctx)
        ctx.set_project(project)
        await wait_until(lambda: got or ctx.instructions is not None)
        assert ctx.instructions is None
        assert "sekrit" not in sent(controller)
        assert got == ["AGENTS.md is a link to a file outside the project; not read."]
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_instructions_file_linked_inside_is_read(qloop, sim, project: Path) -> None:
    (project / "docs").mkdir()
    (project / "docs" / "rules.md").write_text("Use tabs.\n")
    (project / "AGENTS.md").symlink_to("docs/rules.md")

    async def scenario() -> None:
        controller = AppController(Settings())
        await asyncio.to_thread(v4_counter)
        ctx = controller.context
        ctx.set_project(project)
        await wait_until(lambda: ctx.instructions is not None)
        assert "Use tabs." in sent(controller)
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_added_file_linked_outside_is_refused_visibly(qloop, sim, project: Path, tmp_path: Path):
    (project / "config.py").symlink_to(tmp_path / "id_rsa")

    async def scenario() -> None:
        controller = AppController(Settings())
        await asyncio.to_thread(v4_counter)
        ctx = controller.context
        got = notices(ctx)
        ctx.set_project(project)
        ctx.add([project / "config.py", project / "notes.md"])
        await wait_until(lambda: "notes.md" in ctx.files and got)
        assert "config.py" not in ctx.files and "sekrit" not in sent(controller)
        assert got == ["config.py is a link to a file outside the project; not read."]
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_whole_project_with_links_out_inside_it(qloop, sim, project: Path, tmp_path: Path):
    (project / "src" / "leak.py").symlink_to(tmp_path / "id_rsa")
    (project / "src" / "alias.py").symlink_to("app.py")  # stays inside: fine
    (project / "vendor").symlink_to(tmp_path / "home", target_is_directory=True)

    async def scenario() -> None:
        controller = AppController(Settings())
        await asyncio.to_thread(v4_counter)
        ctx = controller.context
        got = notices(ctx)
        ctx.set_project(project)
        ctx.add_whole_project()
        await wait_until(lambda: "src/app.py" in ctx.files and got)
        assert set(ctx.files) == {"notes.md", "src/app.py", "src/alias.py"}
        assert "sekrit" not in sent(controller)
        assert "src/leak.py is a link to a file outside the project" in got[0]
        assert "vendor is a link to a folder outside the project" in got[0]
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_symlinked_folder_pointing_out_is_not_walked(qloop, sim, project: Path, tmp_path: Path):
    (project / "vendor").symlink_to(tmp_path / "home", target_is_directory=True)

    async def scenario() -> None:
        controller = AppController(Settings())
        await asyncio.to_thread(v4_counter)
        ctx = controller.context
        got = notices(ctx)
        ctx.set_project(project)
        ctx.add([project / "vendor", project / "notes.md"])
        await wait_until(lambda: "notes.md" in ctx.files and got)
        assert list(ctx.files) == ["notes.md"] and "sekrit" not in sent(controller)
        assert got == ["vendor is a link to a folder outside the project; not read."]
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_watcher_update_after_the_file_is_swapped_for_a_link_out(
    qloop, sim, project: Path, tmp_path: Path
) -> None:
    async def scenario() -> None:
        controller = AppController(Settings())
        await asyncio.to_thread(v4_counter)
        ctx = controller.context
        got = notices(ctx)
        ctx.set_project(project)
        ctx.add([project / "notes.md"])
        await wait_until(lambda: "notes.md" in ctx.files)
        link = project / ".swap"
        link.symlink_to(tmp_path / "id_rsa")
        os.replace(link, project / "notes.md")  # the watched file is now a link out
        await wait_until(lambda: got or "sekrit" in sent(controller))
        assert "sekrit" not in sent(controller)
        assert "sekrit" not in ctx.files["notes.md"].text  # the last version read stays
        assert got == ["notes.md is a link to a file outside the project; not read."]
        await controller.shutdown()

    run_scenario(qloop, scenario())


def test_at_mention_of_a_linked_folder_out_attaches_nothing(
    qloop, sim, project: Path, tmp_path: Path
) -> None:
    (project / "vendor").symlink_to(tmp_path / "home", target_is_directory=True)

    async def scenario() -> None:
        await asyncio.to_thread(v4_counter)
        window, controller = await open_window(tmp_path)
        window.open_project(project)
        ctx = controller.context
        got = notices(ctx)
        await wait_until(lambda: "src/app.py" in ctx.project_counts)
        assert not any(c.startswith("vendor") for c in ctx.project_counts)  # never offered
        mention = window.prompt.mention
        assert mention is not None
        mention.sig_attach.emit("vendor/")  # as if accepted from the completer
        mention.sig_attach.emit("notes.md")
        await wait_until(lambda: "notes.md" in ctx.files and got)
        assert list(ctx.files) == ["notes.md"] and "sekrit" not in sent(controller)
        assert "vendor is a link to a folder outside the project" in got[0]
        await close_window(window, controller)

    run_scenario(qloop, scenario())


# -- token counts: the file tree and `dsdesk tokens` ------------------------------------------


def test_token_counts_never_read_outside(project: Path, tmp_path: Path) -> None:
    (project / "src" / "leak.py").symlink_to(tmp_path / "id_rsa")
    (project / "vendor").symlink_to(tmp_path / "home", target_is_directory=True)
    rules = IgnoreRules(project)
    rels = list(iter_files(project, project, rules))
    assert "src/leak.py" in rels and "vendor" in rels  # reported, not silently dropped
    assert not any(r.startswith("vendor/") for r in rels)
    assert list(iter_files(project, project / "vendor", rules)) == ["vendor"]
    counts = {c.rel_path: c for c in FileTokenCache(project, v4_counter()).count(rels)}
    assert counts["src/app.py"].tokens
    assert counts["src/leak.py"].tokens is None
    assert counts["src/leak.py"].skipped == "a link outside the project"
    assert counts["vendor"].skipped == "a link outside the project"


def test_cli_tokens_refuses_links_out(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (project / ".git").mkdir()
    (project / "leak.py").symlink_to(tmp_path / "id_rsa")
    (project / "vendor").symlink_to(tmp_path / "home", target_is_directory=True)
    monkeypatch.chdir(project)
    assert main(["tokens", "--json", ".", "vendor"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {f["path"] for f in out["files"]} == {"notes.md", os.path.join("src", "app.py")}
    skipped = {s["path"]: s["reason"] for s in out["skipped"]}
    assert skipped == {
        "leak.py": "a link outside the project",
        "vendor": "a link outside the project",
    }
