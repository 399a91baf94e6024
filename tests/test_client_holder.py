"""The client holder (dsdesk.services.account.ClientHolder) builds the HTTP client ahead, in a
thread, so the first request of a session does not build it on the GUI thread."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

import pytest

from dsdesk.llm.client import DeepSeekClient
from dsdesk.llm.config import ClientConfig
from dsdesk.services import account
from dsdesk.services.account import ClientHolder
from dsdesk.services.tasks import TaskRegistry


@pytest.fixture
def built_on(monkeypatch: pytest.MonkeyPatch) -> dict[int, str]:
    """Which thread built each client (by its id)."""
    where: dict[int, str] = {}

    class Recorded(DeepSeekClient):
        def __init__(self, config: ClientConfig) -> None:
            super().__init__(config)
            where[id(self)] = threading.current_thread().name

    monkeypatch.setattr(account, "DeepSeekClient", Recorded)
    return where


def wait_for_builders() -> None:
    for t in threading.enumerate():
        if t.name == "http-client-ahead":
            t.join(5)


def test_the_client_is_built_ahead_off_the_calling_thread(built_on: dict[int, str]) -> None:
    asyncio.run(_built_ahead(built_on))


async def _built_ahead(built_on: dict[int, str]) -> None:
    config = ClientConfig(base_url="http://127.0.0.1:9/v1", api_key="sk-test-holder-0001")
    holder = ClientHolder(TaskRegistry(), config)
    wait_for_builders()
    client = holder.client()
    assert built_on[id(client)] == "http-client-ahead"
    assert holder.client() is client  # one client, kept
    assert client.config == config

    # New settings: the client for them is built ahead too, the old one closed.
    newer = replace(config, base_url="http://127.0.0.1:10/v1")
    holder.reconfigure(newer)
    for _ in range(50):  # the old client is closed in a task
        if client._http.is_closed:
            break
        await asyncio.sleep(0.01)
    assert client._http.is_closed
    wait_for_builders()
    fresh = holder.client()
    assert fresh is not client and fresh.config == newer
    assert built_on[id(fresh)] == "http-client-ahead"
    await holder.aclose()


def test_a_client_wanted_before_it_is_ready_is_built_at_once(
    built_on: dict[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    started = threading.Event()
    monkeypatch.setattr(ClientHolder, "_build_ahead", lambda self, config: started.set())
    config = ClientConfig(base_url="http://127.0.0.1:9/v1", api_key="sk-test-holder-0002")
    holder = ClientHolder(TaskRegistry(), config)
    assert started.is_set()
    client = holder.client()  # nothing ahead yet: built here, for the current settings
    assert built_on[id(client)] == threading.current_thread().name
    assert client.config == config
    asyncio.run(holder.aclose())
