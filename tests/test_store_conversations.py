"""Projects, the sidebar, titles, metadata, and the message tree: edit-and-resend keeps both
branches, regenerate keeps the versions, switching between them shows the right turns."""

from __future__ import annotations

import pytest

from dsdesk.core.events import Usage
from dsdesk.store import AppliedEdit, ContextItem, Store, StoreError, make_title
from tests.store_fixtures import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock(step=1.0)  # every call is a second later: orders are unambiguous


def _answer(store: Store, cid: int, text: str, parent_id: int | None = None) -> int:
    w = (
        store.begin_answer(cid)
        if parent_id is None
        else store.begin_answer(cid, parent_id=parent_id)
    )
    w.append(content=text)
    w.finish("done", finish_reason="stop")
    return w.message_id


def _texts(store: Store, cid: int) -> list[str]:
    return [m.content for m in store.thread(cid).messages]


def test_projects_are_made_once_per_folder(store: Store) -> None:
    a = store.project("/src/app")
    assert store.project("/src/app") == a
    b = store.project("/src/lib", name="Library")
    assert (a.name, b.name) == ("app", "Library")
    assert [p.root for p in store.projects()] == ["/src/app", "/src/lib"]


def test_the_sidebar_lists_a_project_newest_first(store: Store) -> None:
    p, other = store.project("/a"), store.project("/b")
    ids = [store.new_conversation(p.id).id for _ in range(5)]
    store.new_conversation(other.id)
    store.add_prompt(ids[1], "bump")  # activity moves a conversation to the top
    listed = [c.id for c in store.conversations(p.id)]
    assert listed == [ids[1], ids[4], ids[3], ids[2], ids[0]]
    assert [c.id for c in store.conversations(p.id, limit=2, offset=1)] == [ids[4], ids[3]]
    store.trash(ids[4])
    assert ids[4] not in [c.id for c in store.conversations(p.id)]


def test_titles_come_from_the_first_prompt_until_renamed(store: Store) -> None:
    p = store.project("/a")
    c = store.new_conversation(p.id)
    store.add_prompt(c.id, "## Fix the *CRLF* bug in `parser.py`\n\nIt fails on Windows files.")
    assert store.conversation(c.id).title == "Fix the CRLF bug in parser.py"
    _answer(store, c.id, "ok")
    store.add_prompt(c.id, "A second prompt does not retitle")
    assert store.conversation(c.id).title == "Fix the CRLF bug in parser.py"
    store.rename(c.id, "  My   title ")
    assert store.conversation(c.id).title == "My title"
    first = store.thread(c.id).messages[0]
    store.edit_prompt(first.id, "Something else entirely")
    assert store.conversation(c.id).title == "My title"  # renamed: kept
    store.rename(c.id, "")  # back to automatic
    assert store.conversation(c.id).title == "Something else entirely"
    assert not store.conversation(c.id).title_locked
    assert store.new_conversation(p.id, title="Given").title_locked


def test_make_title() -> None:
    assert make_title("```py\nprint(1)\n```\nwhy does this print 1?") == "why does this print 1?"
    assert make_title("```\nonly_code()\n```") == "only_code()"
    assert make_title("   \n") == "New conversation"
    assert make_title("- see [the docs](http://x) please") == "see the docs please"
    long = make_title("word " * 40)
    assert len(long) <= 60 and long.endswith("…") and " wor…" not in long


def test_metadata_is_stored_with_the_message(store: Store) -> None:
    p = store.project("/a")
    c = store.new_conversation(p.id)
    ctx = (ContextItem("src/p.py", "file", 1200), ContextItem("docs", "folder", 9000))
    prompt = store.add_prompt(c.id, "explain", context=ctx)
    assert store.message(prompt.id).context == ctx
    m = store.add_message(
        c.id,
        "assistant",
        "answer",
        reasoning="thoughts",
        model="deepseek-v4-flash",
        thinking=False,
        finish_reason="length",
        usage=Usage(10, 5, 8, 2),
    )
    edits = (AppliedEdit("src/p.py", "abc123", added=3, removed=1),)
    store.set_edits(m.id, edits)
    got = store.message(m.id)
    assert got.parent_id == prompt.id
    assert (got.reasoning, got.model, got.thinking, got.effort) == (
        "thoughts",
        "deepseek-v4-flash",
        False,
        None,
    )
    assert (got.finish_reason, got.usage, got.edits) == ("length", Usage(10, 5, 8, 2), edits)


def test_edit_and_resend_keeps_both_branches(store: Store) -> None:
    p = store.project("/a")
    c = store.new_conversation(p.id).id
    u1 = store.add_prompt(c, "first question").id
    _answer(store, c, "first answer")
    u2 = store.add_prompt(c, "second question").id
    _answer(store, c, "second answer")
    store.add_prompt(c, "third question")
    _answer(store, c, "third answer")

    new = store.edit_prompt(u2, "second question, better")
    assert new.parent_id == store.message(u2).parent_id
    _answer(store, c, "better answer")
    assert _texts(store, c) == [
        "first question",
        "first answer",
        "second question, better",
        "better answer",
    ]
    thread = store.thread(c)
    assert thread.version(new.id) == (2, 2)
    assert thread.version(u1) == (1, 1)

    back = store.step_version(new.id, -1)  # the old branch, with its later turns
    assert [m.content for m in back.messages] == [
        "first question",
        "first answer",
        "second question",
        "second answer",
        "third question",
        "third answer",
    ]
    assert back.version(u2) == (1, 2)
    assert _texts(store, c) == [m.content for m in back.messages]  # persisted
    assert store.step_version(u2, -1).messages[2].id == u2  # clamped at the first version
    forward = store.step_version(u2, +1)
    assert forward.messages[-1].content == "better answer"
    # the next prompt continues the branch shown
    store.add_prompt(c, "go on")
    assert _texts(store, c)[-2:] == ["better answer", "go on"]


def test_editing_the_first_prompt_makes_a_second_root(store: Store) -> None:
    p = store.project("/a")
    c = store.new_conversation(p.id).id
    u1 = store.add_prompt(c, "hello").id
    _answer(store, c, "hi")
    u1b = store.edit_prompt(u1, "hello again").id
    assert store.message(u1b).parent_id is None
    assert _texts(store, c) == ["hello again"]
    assert store.conversation(c).title == "hello again"  # not renamed: follows the edit
    assert store.step_version(u1b, -1).version(u1) == (1, 2)
    assert _texts(store, c) == ["hello", "hi"]


def test_regenerate_keeps_every_version(store: Store) -> None:
    p = store.project("/a")
    c = store.new_conversation(p.id).id
    store.add_prompt(c, "name a colour")
    a1 = _answer(store, c, "red")
    with store.regenerate(a1) as w:
        w.append(content="green")
    a2 = w.message_id
    with store.regenerate(a1, model="deepseek-v4-flash") as w:
        w.append(content="blue")
    a3 = w.message_id
    thread = store.thread(c)
    assert _texts(store, c) == ["name a colour", "blue"]
    assert thread.siblings[a3] == (a1, a2, a3)
    assert thread.version(a3) == (3, 3)
    assert store.message(a3).model == "deepseek-v4-flash"
    assert _texts(store, c) == ["name a colour", "blue"]
    assert store.switch_to(a1).messages[-1].content == "red"
    assert store.step_version(a1, 1).messages[-1].content == "green"


def test_versions_of_any_message(store: Store) -> None:
    p = store.project("/a")
    c = store.new_conversation(p.id).id
    u1 = store.add_prompt(c, "hello").id
    a1 = _answer(store, c, "hi")
    with store.regenerate(a1) as w:
        w.append(content="hey")
    a2 = w.message_id
    u1b = store.edit_prompt(u1, "hello again").id  # a second root
    a3 = _answer(store, c, "hi again")
    # a1 and a2 are off the active path now: Thread.version cannot tell, versions can
    assert [m.id for m in store.thread(c).messages] == [u1b, a3]
    assert store.versions(a1) == (1, 2)
    assert store.versions(a2) == (2, 2)
    assert store.versions(u1) == (1, 2)  # roots are versions of each other
    assert store.versions(u1b) == (2, 2)
    assert store.versions(a3) == (1, 1)
    thread = store.thread(c)
    assert [store.versions(m.id) for m in thread.messages] == [
        thread.version(m.id) for m in thread.messages
    ]
    # the roots of another conversation are not versions of these
    other = store.new_conversation(p.id).id
    store.add_prompt(other, "unrelated")
    assert store.versions(u1b) == (2, 2)
    with pytest.raises(StoreError):
        store.versions(10_000)


def test_parents_must_belong_to_the_conversation(store: Store) -> None:
    p = store.project("/a")
    c1, c2 = store.new_conversation(p.id).id, store.new_conversation(p.id).id
    u = store.add_prompt(c1, "x")
    with pytest.raises(StoreError):
        store.add_message(c2, "assistant", "y", parent_id=u.id)
    with pytest.raises(StoreError):
        store.thread(999)
    with pytest.raises(StoreError):
        store.message(999)


def test_an_empty_conversation_has_an_empty_thread(store: Store) -> None:
    c = store.new_conversation(store.project("/a").id)
    assert store.thread(c.id).messages == ()
    assert store.add_prompt(c.id, "first").parent_id is None
