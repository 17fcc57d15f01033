"""Conversations that last (assistant/conversations.py): create, list newest first, rename,
delete, per-user isolation, the schema's migrations, the list's speed at 1,000 conversations;
and the Markdown export of an answer and of a whole conversation (assistant/rendering.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.conversations import (
    MIGRATIONS,
    TITLE_MAX,
    ConversationNotFound,
    ConversationStore,
)
from assistant.errors import InputError
from assistant.models import Answer, Citation, CitationCheck, Claim
from assistant.rendering import answer_markdown, conversation_markdown
from tests.sqlite_schema import migrated_from


def _answer(question: str, n_citations: int = 1) -> Answer:
    citations = [Citation(n=n, chunk_id=f"c{n}", doc_id="d1", title="Alibaba AI article",
                          source="/corpus/alibaba.txt", page=n + 2, section="Outlook",
                          date="2025-02-24", quote=f"Alibaba will invest {380 + n} billion\nyuan.")
                 for n in range(1, n_citations + 1)]
    text = " ".join(f"Alibaba will invest {380 + c.n} billion yuan. [{c.n}]" for c in citations)
    return Answer(question=question, answer=text, cannot_answer=False, mode="extractive",
                  citations=citations, scope="Alibaba Group (1 document)")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ConversationStore]:
    store = ConversationStore.at_home(tmp_path / "home")
    yield store
    store.close()


# --- the store ----------------------------------------------------------------------------------


def test_a_conversation_keeps_its_questions_answers_filters_and_scope(
        store: ConversationStore) -> None:
    first = _answer("How much is Alibaba investing in AI?")
    conversation_id = store.add_turn(None, "", "How much is Alibaba investing in AI?", first,
                                     {"company": "Alibaba", "form": None})
    follow_up = _answer("About Alibaba: what about cloud?", n_citations=2)
    assert store.add_turn(conversation_id, "", "What about cloud?", follow_up) == conversation_id

    conversation = store.get(conversation_id, "")
    assert conversation.title == "How much is Alibaba investing in AI?"  # the first question
    assert [t.question for t in conversation.turns] == ["How much is Alibaba investing in AI?",
                                                        "What about cloud?"]
    assert conversation.turns[0].answer == first and conversation.turns[1].answer == follow_up
    assert conversation.turns[0].filters == {"company": "Alibaba", "form": None}
    assert conversation.turns[1].answer.citations[1].page == 4
    assert conversation.summary.questions == 2
    assert conversation.turns[0].asked_at <= conversation.turns[1].asked_at
    row = store.db.execute("SELECT mode, scope FROM turns WHERE ordinal=1").fetchone()
    assert row == ("extractive", "Alibaba Group (1 document)")


def test_listed_newest_first_by_last_question(store: ConversationStore) -> None:
    ids = [store.add_turn(None, "", f"Question {i}?", _answer(f"Question {i}?")) for i in range(3)]
    assert [c.id for c in store.newest("")] == ids[::-1]
    store.add_turn(ids[0], "", "And then?", _answer("And then?"))  # continued: on top again
    assert [c.id for c in store.newest("")] == [ids[0], ids[2], ids[1]]
    assert [c.id for c in store.newest("", limit=2)] == [ids[0], ids[2]]


def test_long_first_question_is_cut_at_a_word(store: ConversationStore) -> None:
    question = "What did the company say about " + "very " * 40 + "long questions?"
    title = store.get(store.add_turn(None, "", question, _answer(question)), "").title
    assert len(title) <= TITLE_MAX and title.endswith("very…")


def test_rename_and_delete(store: ConversationStore) -> None:
    conversation_id = store.add_turn(None, "", "Apple's net sales?", _answer("Apple's net sales?"))
    assert store.rename(conversation_id, "", "  Apple   memo ") == "Apple memo"
    assert store.newest("")[0].title == "Apple memo"
    with pytest.raises(InputError, match="cannot be empty"):
        store.rename(conversation_id, "", "   ")
    assert store.delete(conversation_id, "") is True
    assert store.newest("") == []
    assert store.db.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0  # its turns too
    assert store.delete(conversation_id, "") is False
    with pytest.raises(ConversationNotFound):
        store.get(conversation_id, "")


def test_a_user_sees_and_changes_only_their_own(store: ConversationStore) -> None:
    alice = store.add_turn(None, "alice", "Alice's question?", _answer("Alice's question?"))
    bob = store.add_turn(None, "bob", "Bob's question?", _answer("Bob's question?"))
    assert [c.id for c in store.newest("alice")] == [alice]
    assert [c.id for c in store.newest("bob")] == [bob]
    assert store.newest("") == []  # nor does the chat without a login
    with pytest.raises(ConversationNotFound):
        store.get(alice, "bob")
    with pytest.raises(ConversationNotFound):
        store.rename(alice, "bob", "mine now")
    with pytest.raises(ConversationNotFound):
        store.add_turn(alice, "bob", "Appended?", _answer("Appended?"))
    assert store.delete(alice, "bob") is False
    kept = store.get(alice, "alice")
    assert kept.title == "Alice's question?" and len(kept.turns) == 1


def test_stored_across_reopening_the_file(tmp_path: Path) -> None:
    store = ConversationStore.at_home(tmp_path)
    conversation_id = store.add_turn(None, "", "Kept?", _answer("Kept?"))
    store.close()
    again = ConversationStore.at_home(tmp_path)
    try:
        assert [c.id for c in again.newest("")] == [conversation_id]
    finally:
        again.close()


def test_a_thousand_conversations_list_fast(store: ConversationStore) -> None:
    answer = _answer("Q?", n_citations=3)
    for i in range(1000):
        conversation_id = store.add_turn(None, "", f"Question {i}?", answer)
        if i % 2:
            store.add_turn(conversation_id, "", "And a follow-up?", answer)
    start = time.perf_counter()
    listed = store.newest("")
    seconds = time.perf_counter() - start
    print(f"\nlisted {len(listed)} conversations in {seconds * 1000:.1f} ms")
    assert len(listed) == 1000 and listed[0].title == "Question 999?"
    assert listed[0].questions == 2 and listed[1].questions == 1
    assert seconds < 0.5  # measured ~10 ms on a loaded two-core machine


# --- migrations ---------------------------------------------------------------------------------
# Rows to put into each table an older schema has: what a user's file holds when Dossier upgrades.
_ROWS: dict[str, list[tuple[object, ...]]] = {
    "conversations": [("c1", "alice", "Old question?", "2025-01-01T00:00:00+00:00",
                       "2025-01-01T00:00:00+00:00")],
    "turns": [("c1", 1, "Old question?", "extractive", None, "{}",
               _answer("Old question?").model_dump_json(), "2025-01-01T00:00:00+00:00")],
}


@pytest.mark.parametrize("version", range(len(MIGRATIONS) + 1))
def test_migrates_each_older_schema_to_the_current_one(tmp_path: Path, version: int) -> None:
    path = tmp_path / "conversations.sqlite3"
    with migrated_from(version, path, ConversationStore, MIGRATIONS, _ROWS) as (store, filled):
        if "turns" in filled:
            assert store.get("c1", "alice").turns[0].answer.citations[0].quote.startswith("Alibaba")


# --- export -------------------------------------------------------------------------------------


def test_answer_markdown_has_numbered_sources_with_place_link_and_quote() -> None:
    answer = _answer("How much is Alibaba investing?", n_citations=2)
    text = answer.to_markdown()
    assert text.startswith("**Q:** How much is Alibaba investing?\n\n"
                           "*Scope: Alibaba Group (1 document)*\n\n" + answer.answer + "\n\n")
    assert text == answer._repr_markdown_()  # notebooks show the export
    sources = text.split("**Sources**\n\n", 1)[1]
    assert sources == (
        "1. [Alibaba AI article, Outlook, p. 3](/corpus/alibaba.txt) (2025-02-24)\n"
        "   > Alibaba will invest 381 billion yuan.\n\n"
        "2. [Alibaba AI article, Outlook, p. 4](/corpus/alibaba.txt) (2025-02-24)\n"
        "   > Alibaba will invest 382 billion yuan.\n")


def test_llm_answer_markdown_keeps_the_verification_marks_as_shown() -> None:
    citation = Citation(n=1, chunk_id="c1", doc_id="d1", title="10-Q", source="/a.pdf",
                        url="https://sec.gov/a", quote="Net sales were $81.8 billion.")
    claims = [
        Claim(text="Net sales were $81.8 billion [1].", status="supported",
              citations=[CitationCheck(written=1, n=1, status="supported")]),
        Claim(text="Margins doubled to 90% [unsupported].", status="unsupported",
              unsupported_numbers=["90%"]),
    ]
    answer = Answer(question="Apple's sales?", answer=" ".join(c.text for c in claims),
                    cannot_answer=False, mode="llm", citations=[citation], claims=claims,
                    notice="The LLM answered; numbers were checked.")
    text = answer.to_markdown()
    assert "Margins doubled to 90% [unsupported]." in text
    assert "*(1 of 2 claims supported)*" in text
    assert "*Note: The LLM answered; numbers were checked.*" in text
    assert "1. [10-Q](https://sec.gov/a)\n   > Net sales were $81.8 billion." in text


def test_cannot_answer_and_rewritten_follow_up_read_as_shown() -> None:
    answer = Answer(question="About Alibaba: what about dividends?", answer="No passage says.",
                    cannot_answer=True, mode="extractive")
    text = answer_markdown(answer, asked="What about dividends?")
    assert text.startswith("**Q:** What about dividends?\n\n"
                           "*Searched as: About Alibaba: what about dividends?*\n\n"
                           "**Not in the sources.** No passage says.")
    assert "**Sources**" not in text


def test_conversation_markdown_numbers_each_question_with_its_own_sources() -> None:
    first, second = _answer("First?"), _answer("About Alibaba: second?", n_citations=2)
    text = conversation_markdown("Alibaba memo", [("First?", first), ("Second?", second)],
                                 started="2026-11-30 18:00")
    assert text.startswith("# Alibaba memo\n\n*Dossier conversation, started 2026-11-30 18:00, "
                           "2 questions.*\n\n## 1. First?\n\n")
    one, two = text.split("## 2. Second?", 1)
    assert one.count("**Sources**") == 1 and "2. [" not in one
    assert "*Searched as: About Alibaba: second?*" in two and "2. [Alibaba AI article" in two
