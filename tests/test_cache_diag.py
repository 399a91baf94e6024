"""Explaining prompt-cache misses, and the chat service tracking what changed."""

from __future__ import annotations

from pathlib import Path

from dsdesk.config.settings import Settings
from dsdesk.core.cache_diag import CacheChanges, explain_cache
from dsdesk.devserver import Reply, Simulator
from dsdesk.services.controller import AppController
from tests.qt_async import run_scenario, wait_until


def test_explanations() -> None:
    assert explain_cache(None, 0, CacheChanges()) is not None
    assert explain_cache(1000, 990, CacheChanges()) is None
    assert "model" in (explain_cache(1000, 0, CacheChanges(model_changed=True)) or "")
    assert "rebuilt" in (explain_cache(1000, 10, CacheChanges(context_rebuilt=True)) or "")
    assert "regenerated" in (explain_cache(1000, 0, CacheChanges(history_rewritten=True)) or "")
    assert "no longer held" in (explain_cache(1000, 0, CacheChanges()) or "")


def test_a_changed_model_is_named_as_the_cause(qloop, tmp_path: Path, monkeypatch) -> None:
    with Simulator(api_key="sk-cache-diag-1") as sim:
        monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-cache-diag-1")
        monkeypatch.setenv("DEEPSEEK_BASE_URL", sim.base_url)

        async def scenario() -> None:
            controller = AppController(Settings())
            chat = controller.chat
            for prompt, model in (
                ("a", "deepseek-v4-pro"),
                ("b", "deepseek-v4-pro"),
                ("c", "deepseek-flash"),
            ):
                sim.enqueue(Reply.text(f"answer {prompt} " * 20))
                chat.set_options(model=model)
                chat.send(prompt)
                await wait_until(lambda: not chat.busy)
                if prompt == "b":
                    assert chat.cache_note is None  # extended the previous request: a hit
            assert chat.cache_note and "model changed" in chat.cache_note
            await controller.shutdown()

        run_scenario(qloop, scenario())


def test_a_changed_head_is_named() -> None:
    note = explain_cache(1000, 0, CacheChanges(head_changed=True))
    assert note is not None and "effort" in note
