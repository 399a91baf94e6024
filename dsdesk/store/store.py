"""The :class:`Store` facade: every operation of the history in one place, each in a transaction.

Safe to use from several threads (each gets its own connection); a :class:`StreamWriter` belongs
to the thread that uses it. Timestamps are ``clock()`` seconds (``time.time`` unless injected).

Several stores (in several processes) may have one database open: each holds a lock on
``<database>.lock`` until :meth:`Store.close`, and only a store that opens alone marks the answers
left ``streaming`` as ``interrupted`` (see :mod:`dsdesk.store.lock`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, cast

from dsdesk.core.events import Usage
from dsdesk.core.messages import ToolCallRecord
from dsdesk.core.redact import redact, redact_json
from dsdesk.store import conversations as conv
from dsdesk.store import export as exp
from dsdesk.store import search as fts
from dsdesk.store import trash as bin_
from dsdesk.store import tree
from dsdesk.store.db import Database, default_db_path
from dsdesk.store.lock import InstanceLock, lock_path
from dsdesk.store.records import (
    AgentRecord,
    AppliedEdit,
    ApprovalRecord,
    Checkpoint,
    ContextItem,
    Conversation,
    Project,
    Role,
    Status,
    StoredMessage,
    StoreError,
    ToolOutcome,
)
from dsdesk.store.streaming import DEFAULT_INTERVAL, StreamWriter, recover_interrupted

ACTIVE: Literal["active"] = "active"  # "after the active leaf", the default parent
Parent = int | None | Literal["active"]


class Store:
    def __init__(
        self,
        path: Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
        purge_on_open: bool = True,
    ) -> None:
        self.path = path or default_db_path()
        self.clock = clock
        self._lock = InstanceLock(lock_path(self.path))
        # True: no other store had the database open, so answers left streaming were cut off by
        # a crash and are recovered; False: another dsdesk is alive and may be streaming them.
        self.sole_instance = self._lock.sole
        try:
            self.db = Database(self.path)  # migrated, if need be, under the exclusive lock
            try:
                with self.db.transaction() as c:
                    self.recovered = recover_interrupted(c, clock()) if self.sole_instance else 0
                    self.purged = bin_.purge_expired(c, clock()) if purge_on_open else 0
                self._lock.share()
            except BaseException:
                self.db.close()
                raise
        except BaseException:
            self._lock.release()
            raise

    @property
    def migrated_from(self) -> int:
        """The schema version the file had when opened (``LATEST_VERSION``: no migration)."""
        return self.db.migrated_from

    def close(self) -> None:
        """Close the connections and release the lock (then another store may open alone).
        Idempotent."""
        self.db.close()
        self._lock.release()

    # -- projects and conversations ----------------------------------------------------------

    def project(self, root: str | Path, name: str | None = None) -> Project:
        """The project for this folder, created on first use."""
        with self.db.transaction() as c:
            return conv.ensure_project(c, str(root), name, self.clock())

    def projects(self) -> list[Project]:
        with self.db.read() as c:
            return conv.list_projects(c)

    def new_conversation(self, project_id: int, title: str = "") -> Conversation:
        """An empty conversation; titled from its first prompt unless ``title`` is given."""
        with self.db.transaction() as c:
            return conv.create_conversation(c, project_id, title, self.clock())

    def conversation(self, conversation_id: int) -> Conversation:
        with self.db.read() as c:
            return conv.get_conversation(c, conversation_id)

    def conversations(
        self, project_id: int, limit: int = 100, offset: int = 0
    ) -> list[Conversation]:
        """The sidebar: the project's conversations, most recently active first (no trash)."""
        with self.db.read() as c:
            return conv.list_conversations(c, project_id, limit, offset)

    def rename(self, conversation_id: int, title: str) -> None:
        """Set the title (automatic titles stop); an empty title lets them apply again."""
        with self.db.transaction() as c:
            conv.rename(c, conversation_id, title, self.clock())

    # -- messages ----------------------------------------------------------------------------

    def thread(self, conversation_id: int) -> tree.Thread:
        """The active path of a conversation, with each message's versions."""
        with self.db.read() as c:
            return tree.load_thread(c, conversation_id)

    def message(self, message_id: int) -> StoredMessage:
        with self.db.read() as c:
            return conv.get_message(c, message_id)

    def add_message(
        self,
        conversation_id: int,
        role: Role,
        content: str,
        *,
        parent_id: Parent = ACTIVE,
        context: tuple[ContextItem, ...] = (),
        reasoning: str | None = None,
        status: Status = "done",
        model: str | None = None,
        thinking: bool | None = None,
        effort: str | None = None,
        finish_reason: str | None = None,
        usage: Usage | None = None,
        tool_calls: tuple[ToolCallRecord, ...] = (),
        tool_call_id: str | None = None,
        outcome: ToolOutcome | None = None,
        approval: ApprovalRecord | None = None,
    ) -> StoredMessage:
        """Add a finished message (after the active leaf by default) and make it active.

        Agent turns: an assistant message with the ``tool_calls`` it made; a ``tool`` message
        with the ``tool_call_id`` it answers, the call's ``outcome`` and ``approval``."""
        with self.db.transaction() as c:
            parent = self._parent(c, conversation_id, parent_id)
            mid = conv.insert_message(
                c,
                conversation_id,
                parent,
                role,
                content,
                self.clock(),
                context=context,
                reasoning=reasoning,
                status=status,
                model=model,
                thinking=thinking,
                effort=effort,
                finish_reason=finish_reason,
                usage=usage,
                tool_calls=tool_calls,
                tool_call_id=tool_call_id,
                agent=AgentRecord(outcome, approval),
            )
            return conv.get_message(c, mid)

    def add_checkpoint(self, message_id: int, checkpoint: Checkpoint) -> None:
        """Record a checkpoint made during the round of this (assistant) message."""
        with self.db.transaction() as c:
            m = conv.get_message(c, message_id)
            record = AgentRecord(m.outcome, m.approval, (*m.checkpoints, checkpoint))
            conv.set_agent(c, message_id, record, self.clock())

    def set_content(self, message_id: int, content: str) -> None:
        """Replace the text of a finished message (a tool result as finally sent)."""
        with self.db.transaction() as c:
            conv.set_content(c, message_id, content, self.clock())

    def add_prompt(
        self, conversation_id: int, text: str, context: tuple[ContextItem, ...] = ()
    ) -> StoredMessage:
        """The user's next prompt, after the active leaf."""
        return self.add_message(conversation_id, "user", text, context=context)

    def edit_prompt(
        self, message_id: int, text: str, context: tuple[ContextItem, ...] | None = None
    ) -> StoredMessage:
        """A new version of an earlier prompt (the old one and the turns after it stay as a
        branch); it becomes the active leaf — then stream the answer with ``begin_answer``."""
        with self.db.transaction() as c:
            old = conv.get_message(c, message_id)
            ctx = old.context if context is None else context
            mid = conv.insert_message(
                c, old.conversation_id, old.parent_id, old.role, text, self.clock(), context=ctx
            )
            return conv.get_message(c, mid)

    def resume_answer(self, message_id: int, *, interval: float = DEFAULT_INTERVAL) -> StreamWriter:
        """Stream more text onto a finished answer (Continue extended it in place): the row is
        ``streaming`` again until the writer finishes it."""
        with self.db.transaction() as c:
            message = conv.get_message(c, message_id)
            if message.role != "assistant":
                raise StoreError("Only an answer can be continued.")
            c.execute(
                "UPDATE messages SET status = 'streaming', updated_at = ? WHERE id = ?",
                (self.clock(), message_id),
            )
        return StreamWriter(
            self.db, message_id, message.conversation_id, interval=interval, clock=self.clock
        )

    def begin_answer(
        self,
        conversation_id: int,
        *,
        parent_id: Parent = ACTIVE,
        model: str | None = None,
        thinking: bool | None = None,
        effort: str | None = None,
        interval: float = DEFAULT_INTERVAL,
    ) -> StreamWriter:
        """Start an assistant message in status ``streaming`` and return its writer."""
        with self.db.transaction() as c:
            parent = self._parent(c, conversation_id, parent_id)
            mid = conv.insert_message(
                c,
                conversation_id,
                parent,
                "assistant",
                "",
                self.clock(),
                status="streaming",
                model=model,
                thinking=thinking,
                effort=effort,
            )
        return StreamWriter(self.db, mid, conversation_id, interval=interval, clock=self.clock)

    def regenerate(
        self,
        message_id: int,
        *,
        model: str | None = None,
        thinking: bool | None = None,
        effort: str | None = None,
        interval: float = DEFAULT_INTERVAL,
    ) -> StreamWriter:
        """A new version of an answer (the earlier versions are kept), streamed by the writer."""
        old = self.message(message_id)
        return self.begin_answer(
            old.conversation_id,
            parent_id=old.parent_id,
            model=model if model is not None else old.model,
            thinking=thinking if thinking is not None else old.thinking,
            effort=effort if effort is not None else old.effort,
            interval=interval,
        )

    def set_edits(self, message_id: int, edits: tuple[AppliedEdit, ...]) -> None:
        """Record the edits applied from an answer (replacing the earlier record)."""
        with self.db.transaction() as c:
            conv.set_edits(c, message_id, edits, self.clock())

    def switch_to(self, message_id: int) -> tree.Thread:
        """Show the branch through ``message_id`` (e.g. a search hit or another version)."""
        with self.db.transaction() as c:
            cid = tree.switch_to(c, message_id, self.clock())
            return tree.load_thread(c, cid)

    def sibling(self, message_id: int, step: int) -> int:
        """The version ``step`` places after (or before) this message, clamped."""
        with self.db.read() as c:
            return tree.sibling(c, message_id, step)

    def step_version(self, message_id: int, step: int) -> tree.Thread:
        """Show the previous (-1) or next (+1) version of a message and the turns after it."""
        with self.db.transaction() as c:
            target = tree.sibling(c, message_id, step)
            cid = tree.switch_to(c, target, self.clock())
            return tree.load_thread(c, cid)

    def versions(self, message_id: int) -> tuple[int, int]:
        """(1-based position, count) of a message among its versions (``Thread.version`` for any
        message, on the active path or not)."""
        with self.db.read() as c:
            return tree.versions(c, message_id)

    @staticmethod
    def _parent(c: sqlite3.Connection, conversation_id: int, parent_id: Parent) -> int | None:
        if parent_id == ACTIVE:
            return tree.active_leaf(c, conversation_id)
        return parent_id if isinstance(parent_id, int) else None

    # -- trash -------------------------------------------------------------------------------

    def trash(self, conversation_id: int) -> None:
        """Move to the trash (restorable for ``trash.RETENTION_DAYS`` days)."""
        with self.db.transaction() as c:
            bin_.move_to_trash(c, conversation_id, self.clock())

    def restore(self, conversation_id: int) -> None:
        with self.db.transaction() as c:
            bin_.restore(c, conversation_id)

    def trashed(self, project_id: int | None = None) -> list[Conversation]:
        with self.db.read() as c:
            return bin_.list_trash(c, project_id)

    def delete_forever(self, conversation_id: int) -> None:
        """Remove a conversation that is already in the trash (an "Empty trash" command)."""
        with self.db.transaction() as c:
            bin_.delete_forever(c, conversation_id)

    def purge_expired(self) -> int:
        with self.db.transaction() as c:
            return bin_.purge_expired(c, self.clock())

    # -- search and export -------------------------------------------------------------------

    def search(self, text: str, *, project_id: int | None = None, limit: int = 50) -> list[fts.Hit]:
        with self.db.read() as c:
            return fts.search(c, text, project_id=project_id, limit=limit)

    # Exports leave the process: a key pasted into a prompt or echoed in an error is masked.
    def export_markdown(self, conversation_id: int, *, reasoning: bool = False) -> str:
        return redact(exp.to_markdown(self.thread(conversation_id), reasoning=reasoning))

    def export_json(self, conversation_id: int) -> dict[str, Any]:
        with self.db.read() as c:
            return cast(dict[str, Any], redact_json(exp.to_json(c, conversation_id)))

    def import_json(self, data: dict[str, Any], project_id: int) -> Conversation:
        with self.db.transaction() as c:
            return conv.get_conversation(c, exp.from_json(c, data, project_id))
