"""Conversation history that is never lost: one SQLite database for all projects (no Qt).

Open it once per process; every method runs in its own transaction and may be called from any
thread (each thread gets its own connection)::

    store = Store()                      # <data dir>/history.sqlite3; Store(path) elsewhere
    project = store.project("/home/me/src/app")
    c = store.new_conversation(project.id)
    store.add_prompt(c.id, "Why does the parser fail on CRLF?", context=(ContextItem("p.py"),))
    with store.begin_answer(c.id, model="deepseek-v4-pro", thinking=True, effort="high") as w:
        for event in stream:             # deltas kept in memory, written at most every second
            w.append(content=..., reasoning=...)
        w.finish("done", finish_reason="stop", usage=usage)
    store.thread(c.id).messages          # the active path, as StoredMessage records

Opening (:class:`Store`):
  the file is created in the platform data dir (``default_db_path()``; ``$DSDESK_HOME/data`` when
  set), in WAL mode with ``synchronous=NORMAL``, foreign keys and a busy timeout. An older schema
  is migrated step by step (``schema.MIGRATIONS``, ``PRAGMA user_version``) after a backup to
  ``history.sqlite3.bak-v<N>``; a newer one is refused. Answers left ``streaming`` by a crash are
  marked ``interrupted`` (``store.recovered`` counts them) and conversations in the trash for more
  than 30 days are purged (``store.purged``). Each open store holds a lock on
  ``history.sqlite3.lock`` until ``close()``; recovery runs only when no other store (in any
  process) has the file open (``store.sole_instance``), so another dsdesk's live answer is kept.

Streaming (:class:`StreamWriter`, from ``begin_answer`` / ``regenerate``):
  ``append(content=, reasoning=)``, ``flush_if_due()`` (call from a ~1 s timer), ``flush()``,
  ``finish(status, finish_reason=, usage=, error=)`` with status ``done | stopped | error``; as a
  context manager it finishes ``done`` / ``stopped`` (cancelled) / ``error`` (exception) itself.

Agent turns: a chain under the prompt — per round an assistant message with its ``tool_calls``
  (``StreamWriter.finish_tool_calls(content, reasoning, calls, usage=)`` closes the round as sent),
  then one ``tool`` message per call (``add_message(cid, "tool", text, tool_call_id=,
  outcome=ToolOutcome(...), approval=ApprovalRecord(...))``), ``add_checkpoint(mid,
  Checkpoint(id, label))`` on the round that made one, and the next round streaming under the
  last result. ``conversation_messages(thread.messages)`` gives the conversation to send again,
  valid for the API even after a crash (a call without its result gets ``INTERRUPTED_RESULT``).

Branches: messages form a tree. ``edit_prompt(message_id, text)`` adds a new version of a prompt
  (then ``begin_answer``); ``regenerate(answer_id)`` a new version of an answer. ``thread(cid)``
  gives the active path and ``Thread.version(mid) -> (i, n)`` (``versions(mid)`` for any
  message); ``step_version(mid, ±1)`` and ``switch_to(mid)`` change the active path.

Sidebar and titles: ``conversations(project_id, limit=100)`` newest first; titles are made from
  the first prompt (``titles.make_title``) until ``rename`` sets one.

Trash: ``trash(cid)``, ``restore(cid)``, ``trashed()``, ``delete_forever(cid)`` (only from the
  trash), ``purge_expired()``.

Search: ``search(text, project_id=None) -> list[Hit]`` (FTS5; any input is safe;
  ``Hit.snippet_html`` is escaped HTML with ``<mark>`` around the matches).

Export: ``export_markdown(cid, reasoning=False)``, ``export_json(cid)`` (whole tree) and
  ``import_json(data, project_id)``.

Errors: every failure is a :class:`StoreError` (a ``dsdesk.core.errors.DsdeskError``).
"""

from __future__ import annotations

from dsdesk.store.db import default_db_path
from dsdesk.store.records import (
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
from dsdesk.store.replay import INTERRUPTED_RESULT, conversation_messages
from dsdesk.store.schema import LATEST_VERSION
from dsdesk.store.search import Hit
from dsdesk.store.store import ACTIVE, Store
from dsdesk.store.streaming import StreamWriter
from dsdesk.store.titles import make_title
from dsdesk.store.tree import Thread

__all__ = [
    "ACTIVE",
    "INTERRUPTED_RESULT",
    "LATEST_VERSION",
    "AppliedEdit",
    "ApprovalRecord",
    "Checkpoint",
    "ContextItem",
    "Conversation",
    "Hit",
    "Project",
    "Role",
    "Status",
    "Store",
    "StoreError",
    "StoredMessage",
    "StreamWriter",
    "Thread",
    "ToolOutcome",
    "conversation_messages",
    "default_db_path",
    "make_title",
]
