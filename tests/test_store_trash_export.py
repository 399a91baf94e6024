"""The trash (restore for 30 days, purge only after, no one-step destruction) and export
(Markdown with optional reasoning; JSON that round-trips the whole tree)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsdesk.core.events import Usage
from dsdesk.store import AppliedEdit, ContextItem, Store, StoreError
from dsdesk.store.export import dumps
from tests.store_fixtures import Clock

DAY = 86_400.0


def _conversation(store: Store, text: str = "hello") -> int:
    c = store.new_conversation(store.project("/a").id).id
    store.add_prompt(c, text)
    with store.begin_answer(c) as w:
        w.append(content=f"answer to {text}")
    return c


def test_trash_and_restore(store: Store, clock: Clock) -> None:
    c = _conversation(store)
    keep = _conversation(store, "other")
    store.trash(c)
    assert [x.id for x in store.conversations(store.project("/a").id)] == [keep]
    [trashed] = store.trashed()
    assert (trashed.id, trashed.deleted_at) == (c, clock.t)
    store.trash(c)  # twice: still the first deletion time
    clock.t += 29 * DAY
    store.restore(c)
    assert store.conversation(c).deleted_at is None
    assert store.trashed() == []
    assert [m.content for m in store.thread(c).messages] == ["hello", "answer to hello"]
    with pytest.raises(StoreError):
        store.trash(12345)


def test_purge_only_after_30_days(store: Store, clock: Clock, tmp_path: Path) -> None:
    old, young = _conversation(store, "old"), _conversation(store, "young")
    store.trash(old)
    clock.t += 10 * DAY
    store.trash(young)
    clock.t += 20 * DAY  # old: exactly 30 days in the trash — still restorable
    assert store.purge_expired() == 0
    clock.t += 1
    assert store.purge_expired() == 1
    assert [c.id for c in store.trashed()] == [young]
    with pytest.raises(StoreError):
        store.conversation(old)
    conn = store.db.connection()
    assert (
        conn.execute("SELECT count(*) FROM messages WHERE conversation_id = ?", (old,)).fetchone()[
            0
        ]
        == 0
    )
    # opening the store purges what has expired since
    store.close()
    clock.t += 10 * DAY
    reopened = Store(tmp_path / "history.sqlite3", clock=clock)
    try:
        assert reopened.purged == 1 and reopened.trashed() == []
    finally:
        reopened.close()


def test_nothing_is_destroyed_in_one_step(store: Store) -> None:
    c = _conversation(store)
    with pytest.raises(StoreError, match="in the trash"):
        store.delete_forever(c)
    store.trash(c)
    store.delete_forever(c)
    assert store.trashed() == []


def _rich_conversation(store: Store) -> int:
    c = store.new_conversation(store.project("/src/app").id).id
    u = store.add_prompt(c, "Fix the bug", context=(ContextItem("src/p.py", "file", 300),))
    w = store.begin_answer(c, model="deepseek-v4-pro", thinking=True, effort="high")
    w.append(reasoning="The loop is off by one.", content="Change `<=` to `<`.")
    w.finish("done", finish_reason="stop", usage=Usage(100, 20, 80, 20, 5))
    store.set_edits(w.message_id, (AppliedEdit("src/p.py", "cs1", 1, 1),))
    with store.regenerate(w.message_id) as w2:
        w2.append(content="Second version")
    store.edit_prompt(u.id, "Fix the bug, please")
    with store.begin_answer(c) as w3:
        w3.append(content="Cut off")
        w3.finish("stopped")
    store.switch_to(w.message_id)
    return c


def test_markdown_export(store: Store) -> None:
    c = _rich_conversation(store)
    md = store.export_markdown(c)
    assert md.startswith("# Fix the bug, please\n")  # an edited first prompt retitles
    # Both the prompt and the answer have two versions: the headings say which is shown.
    assert "## You · version 1 of 2\n" in md
    assert "## Assistant (deepseek-v4-pro) · version 1 of 2\n" in md
    assert "the JSON export has every version" in md and "\n---\n" in md
    assert "Change `<=` to `<`." in md and "_Context: `src/p.py`_" in md
    assert "_Applied edits: `src/p.py` (+1 −1)_" in md
    assert "off by one" not in md and "Second version" not in md  # the active path only
    with_reasoning = store.export_markdown(c, reasoning=True)
    assert "<summary>Reasoning</summary>\n\nThe loop is off by one." in with_reasoning
    store.step_version(store.thread(c).messages[0].id, 1)
    assert "_(stopped)_" in store.export_markdown(c)


def test_json_export_round_trips_the_whole_tree(store: Store) -> None:
    c = _rich_conversation(store)
    data = store.export_json(c)
    assert data["format"] == "dsdesk.conversation" and len(data["messages"]) == 5
    text = dumps(data)
    project = store.project("/elsewhere")
    copy = store.import_json(json.loads(text), project.id)
    assert copy.project_id == project.id and copy.title == "Fix the bug, please"
    again = store.export_json(copy.id)
    again["project"] = data["project"]
    assert again == data
    original, imported = store.thread(c), store.thread(copy.id)
    assert [m.content for m in imported.messages] == [m.content for m in original.messages]
    assert imported.messages[-1].usage == Usage(100, 20, 80, 20, 5)
    assert [h.conversation_id for h in store.search("Second version")] == [c, copy.id]


def test_import_refuses_other_files(store: Store) -> None:
    p = store.project("/a")
    with pytest.raises(StoreError):
        store.import_json({"format": "something else", "messages": []}, p.id)
    bad = {"format": "dsdesk.conversation", "version": 1, "created_at": 0, "updated_at": 0}
    bad["messages"] = [{"id": 2, "parent": 1, "role": "user", "content": "x"}]
    with pytest.raises(StoreError, match="damaged"):
        store.import_json(bad, p.id)
    assert store.conversations(p.id) == []  # the failed import left nothing behind
