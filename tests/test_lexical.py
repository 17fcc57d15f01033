"""The lexical index (SQLite FTS5 inside the registry): a document's rows added, replaced and
deleted with it in its commit transaction; BM25 scores as the textbook formula gives them; user
text never read as FTS5 syntax; searches scoped to documents."""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.documents import Chunk, DocMeta, Document, chunk_id
from ingest.lexical import LexicalIndex, match_expression
from ingest.registry import Registry


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = Registry(tmp_path / "registry.sqlite3")
    yield reg
    reg.close()


def put(registry: Registry, source: str, passages: list[str]) -> Document:
    doc = Document.single_block("\n\n".join(passages), "text", DocMeta(source=source, title=source))
    chunks, start = [], 0
    for i, text in enumerate(passages):
        chunks.append(Chunk(chunk_id=chunk_id(doc.doc_id, text, i), doc_id=doc.doc_id, text=text,
                            start=start, end=start + len(text), page=None, section=None))
        start += len(text) + 2
    registry.put_document(doc, chunks)
    return doc


def hits(registry: Registry, query: str, k: int = 10, doc_ids: set[str] | None = None) -> list[str]:
    return [cid for cid, _ in LexicalIndex(registry).search(query, k, doc_ids)]


# a document's rows follow it ---------------------------------------------------------------------
def test_add_replace_and_delete_keep_the_index_equal_to_the_chunks(registry: Registry) -> None:
    put(registry, "/a.txt", ["Services revenue grew eight percent.", "Supply chain risk in Asia."])
    b = put(registry, "/b.txt", ["Oracle stockholders elected twelve directors."])
    assert sorted(registry.lexical_chunk_ids()) == sorted(registry.all_chunk_ids())
    assert hits(registry, "directors elected") == registry.chunk_ids_of(b.doc_id)

    replaced = put(registry, "/a.txt", ["Services revenue grew eight percent.", "Wearables fell."])
    assert sorted(registry.lexical_chunk_ids()) == sorted(registry.all_chunk_ids())
    assert hits(registry, "supply chain Asia") == []  # the replaced passage is gone
    assert hits(registry, "wearables") == registry.chunk_ids_of(replaced.doc_id)[1:]

    assert registry.delete_document(replaced.doc_id)
    assert hits(registry, "services revenue") == []
    assert sorted(registry.lexical_chunk_ids()) == registry.chunk_ids_of(b.doc_id)


def test_rows_are_written_in_the_commit_transaction(registry: Registry,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit that fails after the chunks are inserted leaves no lexical row behind."""
    put(registry, "/a.txt", ["Services revenue grew eight percent."])
    real_execute = registry.db.executemany

    def failing_facts(sql: str, rows: object) -> sqlite3.Cursor:
        if "INTO facts" in sql:
            raise sqlite3.OperationalError("disk full")
        return real_execute(sql, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(registry, "db", _Proxy(registry.db, executemany=failing_facts))
    with pytest.raises(sqlite3.OperationalError):
        put(registry, "/b.txt", ["Oracle stockholders elected twelve directors."])
    monkeypatch.undo()
    assert hits(registry, "directors") == []
    assert sorted(registry.lexical_chunk_ids()) == sorted(registry.all_chunk_ids())


class _Proxy:
    """A connection with one method replaced (sqlite3.Connection's own cannot be set)."""

    def __init__(self, inner: sqlite3.Connection, **methods: object) -> None:
        self._inner, self._methods = inner, methods

    def __getattr__(self, name: str) -> object:
        return self._methods.get(name) or getattr(self._inner, name)


# ranking ---------------------------------------------------------------------------------------
CORPUS = [
    "cash flow from operations rose while capital spending fell",
    "cash dividends were paid to holders of common stock",
    "net sales rose in every segment and cash rose with them",
    "the board approved a new share repurchase program",
    "operating margin fell on higher freight costs and freight delays",
    "cash cash cash and more cash was held in short term deposits",
]


def textbook_bm25(query: list[str], docs: list[list[str]], k1: float = 1.2,
                  b: float = 0.75) -> list[float]:
    """Robertson's BM25 as FTS5 computes it (idf floored just above zero); a row's length
    counts its doc_id too (one token), as FTS5 sums the lengths of the indexed columns."""
    n, avgdl = len(docs), sum(len(d) + 1 for d in docs) / len(docs)
    scores = []
    for doc in docs:
        tf, score, dl = Counter(doc), 0.0, len(doc) + 1
        for term in query:
            df = sum(term in d for d in docs)
            idf = max(math.log((n - df + 0.5) / (df + 0.5)), 1e-6)
            score += idf * tf[term] * (k1 + 1) / (tf[term] + k1 * (1 - b + b * dl / avgdl))
        scores.append(score)
    return scores


@pytest.mark.parametrize("query", ["cash rose", "freight fell", "share repurchase board",
                                   "dividends common stock cash"])
def test_ranking_is_bm25(registry: Registry, query: str) -> None:
    doc = put(registry, "/corpus.txt", CORPUS)
    ids = registry.chunk_ids_of(doc.doc_id)
    got = LexicalIndex(registry).search(query, len(CORPUS))
    expected = textbook_bm25(query.split(), [p.split() for p in CORPUS])
    ranked = sorted((s, cid) for s, cid in zip(expected, ids, strict=True) if s > 1e-3)
    assert [cid for cid, _ in got][: len(ranked)] == [cid for _, cid in reversed(ranked)]
    for cid, score in got:
        assert score == pytest.approx(expected[ids.index(cid)], rel=1e-6, abs=1e-5)


def test_stemmed_words_match(registry: Registry) -> None:
    doc = put(registry, "/a.txt", ["Repurchases of shares continued.", "Nothing else happened."])
    assert hits(registry, "repurchased share") == registry.chunk_ids_of(doc.doc_id)[:1]


def test_search_scoped_to_documents(registry: Registry) -> None:
    a = put(registry, "/a.txt", ["Apple net sales rose."])
    b = put(registry, "/b.txt", ["Oracle net sales rose too."])
    assert set(hits(registry, "net sales")) == registry.all_chunk_ids()
    assert hits(registry, "net sales", doc_ids={b.doc_id}) == registry.chunk_ids_of(b.doc_id)
    assert hits(registry, "net sales", doc_ids=set()) == []
    assert hits(registry, "net sales", doc_ids={a.doc_id, "no-such-doc"}) == \
        registry.chunk_ids_of(a.doc_id)


# queries ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("hostile", [
    'revenue" OR "a', "revenue NOT growth", "revenue AND", "NEAR(revenue growth)", "text: revenue",
    "revenue*", "^revenue", "(revenue", "chunk_id:revenue", 'revenue """', "-revenue",
    "revenue + growth {text}",
])
def test_query_syntax_in_user_text_is_searched_as_words(registry: Registry, hostile: str) -> None:
    doc = put(registry, "/a.txt", ["Revenue growth was strong.", "Text without the word."])
    expression = match_expression(hostile)
    assert expression is not None
    assert all(term.startswith('"') and term.endswith('"') for term in expression.split(" OR "))
    # FTS5 raises on a syntax error; a NOT, a column filter or a prefix would change the hits
    assert registry.chunk_ids_of(doc.doc_id)[0] in hits(registry, hostile)


def test_only_the_text_is_searched(registry: Registry) -> None:
    """A word that is a stored document's id (an indexed column, for scoping) finds nothing."""
    doc = put(registry, "/a.txt", ["Revenue growth was strong."])
    assert hits(registry, doc.doc_id) == []
    assert hits(registry, f"revenue {doc.doc_id}") == registry.chunk_ids_of(doc.doc_id)


def test_query_words_are_or_ed_without_stopwords_or_repeats() -> None:
    assert match_expression("What was the Revenue of Apple, and the revenue in Q2?") == \
        '"what" OR "revenue" OR "apple" OR "q2"'
    assert match_expression("the of and ?!") is None


def test_an_empty_or_stopword_query_finds_nothing(registry: Registry) -> None:
    put(registry, "/a.txt", ["The revenue of the company."])
    assert hits(registry, "") == hits(registry, "the of") == hits(registry, "?!") == []
