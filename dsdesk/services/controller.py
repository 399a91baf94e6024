"""Builds the app's services from settings and applies settings changes to them."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from dsdesk.config import secrets
from dsdesk.config.paths import data_dir
from dsdesk.config.prices import load_price_table
from dsdesk.config.settings import Settings, effective_base_url, save_settings
from dsdesk.core.request import ChatOptions
from dsdesk.llm.config import ClientConfig
from dsdesk.services.account import ClientHolder
from dsdesk.services.agent import AgentService
from dsdesk.services.chat import ChatService
from dsdesk.services.context import ContextService
from dsdesk.services.edits import EditService
from dsdesk.services.history import HistoryRecorder
from dsdesk.services.mcp import McpService
from dsdesk.services.tasks import TaskRegistry
from dsdesk.store import Store, StoreError
from dsdesk.workspace.tokenizer_data import v4_counter


class AppController(QObject):
    sig_settings_changed = Signal(object)
    """(Settings) settings were saved and applied."""
    sig_key_changed = Signal(bool)
    """(has_key) whether an API key is now available."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.tasks = TaskRegistry()
        self.demo_url: str | None = None
        prices, self.price_problem = load_price_table()
        self.api_key = secrets.load_api_key()
        self.client = ClientHolder(self.tasks, self._client_config())
        self.chat = ChatService(
            self.tasks,
            self.client.client,
            prices,
            ChatOptions(
                model=settings.model,
                thinking=settings.thinking,
                effort=settings.effort,  # type: ignore[arg-type]
                max_tokens=settings.max_tokens,
            ),
        )

        self.mcp = McpService(self.tasks, data_dir())
        self.agent = AgentService(self.tasks, self.chat, data_dir(), self.mcp)
        self.edits = EditService(self.tasks, data_dir())
        self.context = ContextService(self.tasks, self.chat, data_dir())
        self.edits.seen = self.context.seen_fingerprints
        self.edits.commit_edits = settings.commit_edits
        self.history: HistoryRecorder | None = None
        self.history_problem: str | None = None
        try:
            self.history = HistoryRecorder(Store(), self.chat)
        except StoreError as exc:  # history is worth having, never worth not starting
            self.history_problem = f"Conversation history is off: {exc.user_message}"
        if self.history is not None:
            self.history.context_items = self.context.context_items
            self.edits.sig_applied.connect(self.history.record_edits)
        # Edits are parsed from the answer as it streams and matched when it ends.
        self.chat.sig_answer_started.connect(lambda _meta: self.edits.begin_answer())
        self.chat.sig_answer_resumed.connect(
            lambda: self.edits.resume_answer(self.chat.history[-1].content)
        )
        self.chat.sig_content.connect(self.edits.feed)
        self.chat.sig_answer_ended.connect(lambda _end: self.edits.finish_answer())

    @property
    def has_key(self) -> bool:
        return bool(self.api_key.value) or self.demo_url is not None

    @property
    def base_url(self) -> str:
        return self.demo_url or effective_base_url(self.settings)

    def _client_config(self) -> ClientConfig:
        if self.demo_url:  # the simulator serves prefix completion under /beta
            config = self.settings.client_config("sk-demo", self.demo_url)
            return replace(config, beta_url=self.demo_url.rstrip("/") + "/beta")
        return self.settings.client_config(self.api_key.value, effective_base_url(self.settings))

    def apply_settings(self, settings: Settings, new_key: str | None = None) -> str | None:
        """Save and apply; ``new_key`` goes to the keyring. Returns a problem to show, if any."""
        problem = None
        if new_key:
            try:
                secrets.store_api_key(new_key)
            except secrets.KeyringUnavailable as exc:
                problem = str(exc)
        self.api_key = secrets.load_api_key()
        self.settings = settings
        save_settings(settings)
        # The running session follows at once (the next request uses them).
        self.chat.set_options(
            model=settings.model,
            thinking=settings.thinking,
            effort=settings.effort,
            max_tokens=settings.max_tokens,
        )
        self.edits.commit_edits = settings.commit_edits
        self.client.reconfigure(self._client_config())
        self.sig_settings_changed.emit(settings)
        self.sig_key_changed.emit(self.has_key)
        self.client.refresh_account()
        return problem

    def remember_chat_choice(self, **changes: object) -> str | None:
        """The chat controls' model, thinking switch and effort apply now and are saved, so a
        restart comes back with them (and the settings dialog shows them). Returns a problem
        to show, if any."""
        self.chat.set_options(**changes)
        updated = replace(self.settings, **changes)  # type: ignore[arg-type]
        if updated == self.settings:
            return None
        self.settings = updated
        try:
            save_settings(updated)
        except OSError as exc:  # not worth stopping the chat for
            return f"Settings not saved: {exc}"
        return None

    def candidate_config(self, base_url: str, key: str | None) -> ClientConfig:
        """A config to test from the settings dialog before saving."""
        return replace(self._client_config(), base_url=base_url, api_key=key or self.api_key.value)

    def preload_tokenizer(self) -> None:
        """Load the V4 tokenizer (≈0.3 s) in a worker so the GUI never waits for it."""
        self.tasks.spawn(asyncio.to_thread(v4_counter), name="load-tokenizer")

    def use_demo_server(self, base_url: str) -> None:
        self.demo_url = base_url
        self.client.reconfigure(self._client_config())
        self.sig_key_changed.emit(True)
        self.client.refresh_account()

    async def shutdown(self) -> None:
        """Cancel every task once, wait for them, then close the HTTP client."""
        self.chat.stop()
        await self.tasks.shutdown()
        await self.mcp.shutdown()  # every MCP server and its processes, off the GUI thread
        await self.client.aclose()
        if self.history is not None:
            self.history.store.close()
