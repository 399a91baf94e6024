"""Full-text search: finds a word in an old answer with a highlighted, escaped snippet; any
user input is safe; the index follows edits, streaming, the trash and deletion."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsdesk.store import Store
from dsdesk.store import search as search_mod
from dsdesk.store.search import fts_query
from tests.store_fixtures import Clock


def _chat(store: Store, project: str, prompt: str, answer: str) -> tuple[int, int]:
    c = store.new_conversation(store.project(project).id).id
    store.add_prompt(c, prompt)
    with store.begin_answer(c) as w:
        w.append(content=answer)
    return c, w.message_id


def _integrity(store: Store) -> None:
    conn = store.db.connection()
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")


def test_finds_a_word_in_an_old_answer_with_a_highlighted_snippet(
    store: Store, clock: Clock
) -> None:
    filler = " ".join(f"word{i}" for i in range(60))
    old_c, old_m = _chat(
        store, "/a", "How do I read a file?", f"{filler} Use pathlib's read_text <b>. {filler}"
    )
    clock.t += 90 * 86_400
    for i in range(20):
        _chat(store, "/a", f"question {i}", f"answer number {i} about something else")
    hits = store.search("pathlib")
    assert [(h.conversation_id, h.message_id) for h in hits] == [(old_c, old_m)]
    hit = hits[0]
    assert hit.role == "assistant" and hit.conversation_title == "How do I read a file?"
    assert "<mark>pathlib</mark>" in hit.snippet_html
    assert "&lt;b&gt;" in hit.snippet_html and "<b>" not in hit.snippet_html
    assert hit.snippet_html.startswith("…") and hit.snippet_html.endswith("…")
    assert len(hit.snippet_html) < 300


def test_words_are_all_required_and_the_last_is_a_prefix(store: Store) -> None:
    _, m1 = _chat(store, "/a", "q", "the migration guide for sqlite")
    _, m2 = _chat(store, "/a", "q", "a migrating flock of birds")
    assert {h.message_id for h in store.search("migra")} == {m1, m2}
    assert [h.message_id for h in store.search("sqlite migra")] == [m1]
    assert store.search("migra sqlite") == []  # only the last word is a prefix
    assert [h.message_id for h in store.search('"migration guide"')] == [m1]
    assert store.search('"guide migration"') == []
    assert [h.message_id for h in store.search("Migration")] == [m1]  # case-insensitive
    assert [h.message_id for h in store.search("q")][:1]  # prompts are searchable too
    assert store.search("mi") == []  # too short to be a prefix: a whole word only


def test_ranking_is_bounded_to_the_most_recent_matches(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [_chat(store, "/a", "q", "common " + "filler " * i)[1] for i in range(10)]
    assert len(store.search("common")) == 10
    assert store.search("common")[0].message_id == ids[0]  # the shortest: best bm25
    monkeypatch.setattr(search_mod, "RANK_WINDOW", 3)
    assert [h.message_id for h in store.search("common")] == ids[-3:]


@pytest.mark.parametrize(
    "text",
    ['"', '"unbalanced', "AND", "OR NOT", "a:b", "col:x", "(", ")", "*", "-x", "^x", "NEAR(a b)",
     "x AND", "'; DROP TABLE messages; --", "\\", "{a b}", "a + b", "", "   ", "…", "\ue000"],
)  # fmt: skip
def test_fts_syntax_in_user_input_is_harmless(store: Store, text: str) -> None:
    _chat(store, "/a", "q", "some answer AND more")
    store.search(text)  # no exception
    assert store.search("AND")[0].snippet_html.count("<mark>") == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_gives_a_query_or_none(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    query = fts_query(text)
    if query is None:
        return
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO t VALUES ('anything at all')")
    conn.execute("SELECT * FROM t WHERE t MATCH ?", (query,)).fetchall()
    conn.close()


def test_the_index_follows_streaming_edits_trash_and_deletion(store: Store) -> None:
    p = store.project("/a")
    c = store.new_conversation(p.id).id
    store.add_prompt(c, "q")
    w = store.begin_answer(c, interval=0)
    w.append(content="halfway ")
    w.flush()
    assert store.search("halfway") == []  # not indexed while streaming
    w.append(content="finished")
    w.finish("done")
    assert [h.message_id for h in store.search("halfway finished")] == [w.message_id]
    _integrity(store)

    store.trash(c)
    assert store.search("halfway") == []
    store.restore(c)
    assert len(store.search("halfway")) == 1

    other = store.project("/b")
    _chat(store, "/b", "q", "halfway there")
    assert len(store.search("halfway")) == 2
    assert len(store.search("halfway", project_id=other.id)) == 1

    store.trash(c)
    store.delete_forever(c)
    assert len(store.search("halfway")) == 1
    _integrity(store)
