"""One registry for every long-running asyncio job of the app: named, tracked, cancelled once,
awaited at shutdown. Nothing is fire-and-forget."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class TaskRegistry:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._cancelled: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        if self._closed:
            coro.close()
            raise RuntimeError("the app is shutting down")
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def cancel(self, task: asyncio.Task[Any] | None) -> bool:
        """Cancel at most once: a second cancel can interrupt cleanup (httpx#3782)."""
        if task is None or task.done() or task in self._cancelled:
            return False
        self._cancelled.add(task)
        task.cancel()
        return True

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._cancelled.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed", task.get_name(), exc_info=task.exception())

    @property
    def closed(self) -> bool:
        """Shutting down: ``spawn`` refuses new tasks."""
        return self._closed

    @property
    def active(self) -> list[str]:
        return sorted(t.get_name() for t in self._tasks)

    async def shutdown(self) -> None:
        """Cancel everything once and wait until every task has really finished."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            self.cancel(task)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
