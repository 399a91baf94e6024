"""The HTTP client's lifetime and the account figures (models, balance) as Qt signals."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from dsdesk.core.errors import DsdeskError
from dsdesk.llm.client import DeepSeekClient
from dsdesk.llm.config import ClientConfig
from dsdesk.services.tasks import TaskRegistry


class ClientHolder(QObject):
    """Owns the one ``DeepSeekClient``; replacing the config closes the old client in a task.

    The client for the current config is built ahead, in a thread: an httpx client's
    construction (proxy settings read from the environment, URLs parsed) had taken 5-30 ms of
    the GUI thread at the first request of a session, and after each change of settings.
    """

    sig_models = Signal(list)
    """(list[str]) the server's model ids."""
    sig_balance = Signal(str)
    """(text) the account balance, e.g. "USD 110.00", or "" if unknown."""
    sig_connection_tested = Signal(bool, str)
    """(ok, message) result of test_connection()."""
    sig_notice = Signal(str)
    """(message) a non-fatal problem worth showing in the status bar."""

    def __init__(self, tasks: TaskRegistry, config: ClientConfig) -> None:
        super().__init__()
        self._tasks = tasks
        self.config = config
        self._client: DeepSeekClient | None = None
        self._lock = threading.Lock()
        self._ahead: DeepSeekClient | None = None  # built for self.config, not yet used
        self._build_ahead(config)

    def client(self) -> DeepSeekClient:
        if self._client is None:
            with self._lock:
                ahead, self._ahead = self._ahead, None
            if ahead is not None and ahead.config == self.config:
                self._client = ahead
            else:  # not built yet (or for older settings): build it here
                self._client = DeepSeekClient(self.config)
        return self._client

    def reconfigure(self, config: ClientConfig) -> None:
        if config == self.config:
            return
        self.config = config
        old, self._client = self._client, None
        if old is not None:
            self._tasks.spawn(old.aclose(), name="close-old-client")
        with self._lock:
            self._ahead = None  # for the old settings (never used: nothing to close)
        self._build_ahead(config)

    def _build_ahead(self, config: ClientConfig) -> None:
        def build() -> None:
            client = DeepSeekClient(config)  # nothing opened until its first request
            with self._lock:
                if config == self.config and self._client is None:
                    self._ahead = client

        threading.Thread(target=build, name="http-client-ahead", daemon=True).start()

    def refresh_account(self) -> None:
        """Fetch the model list and the balance in the background."""
        if not self.config.api_key:
            self.sig_balance.emit("")
            return
        self._tasks.spawn(self._refresh(), name="refresh-account")

    async def _refresh(self) -> None:
        client = self.client()
        try:
            self.sig_models.emit(await client.list_models())
        except DsdeskError as exc:
            self.sig_notice.emit(f"Model list unavailable: {exc.user_message}")
        try:
            self.sig_balance.emit((await client.get_balance()).summary())
        except DsdeskError:
            self.sig_balance.emit("")  # compatible servers often have no balance endpoint

    def test_connection(self, config: ClientConfig) -> None:
        """Call /models with ``config`` (not yet saved) and report."""
        self._tasks.spawn(self._test(config), name="test-connection")

    async def _test(self, config: ClientConfig) -> None:
        try:
            async with DeepSeekClient(config) as client:
                models = await client.list_models()
        except DsdeskError as exc:
            self.sig_connection_tested.emit(False, exc.user_message)
            return
        self.sig_connection_tested.emit(True, f"Connected: {len(models)} models available.")

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
