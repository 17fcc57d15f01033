"""What a store promises its readers, run against both store modes (conftest's `chroma_url`: an
embedded Chroma and a `chroma run` server), in the spirit of LangChain's standard vector-store
tests: what is written is found by its own vector, ranked, filtered, gone once deleted, and there
again after a reopen. tests/test_store.py covers the writing side (ids, re-embedding, repair)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ingest.embeddings import LocalMiniLM
from ingest.store import Store
from tests.stores import PARAGRAPHS, make_doc, write

OTHER = ["Oracle stockholders elected all twelve director nominees.",
         "The say-on-pay proposal passed with 61% of the votes cast."]


@pytest.fixture
def store(tmp_path: Path, minilm: LocalMiniLM, chroma_url: str | None) -> Iterator[Store]:
    store = Store(tmp_path / "home", minilm, chroma_url)
    yield store
    store.close()


def chunk_texts(store: Store) -> dict[str, str]:
    """chunk id -> text, from the registry."""
    return {record.chunk_id: record.text for record in store.registry.iter_chunks()}


def test_an_empty_store_finds_nothing(store: Store, minilm: LocalMiniLM) -> None:
    assert store.count_chunks() == 0
    assert store.dense_search(minilm.embed(["anything"])[0], k=5) == []


def test_each_chunk_is_found_first_by_its_own_text(store: Store, minilm: LocalMiniLM) -> None:
    write(store, make_doc("/a.txt", PARAGRAPHS))
    texts = chunk_texts(store)
    assert store.count_chunks() == len(texts) >= 3
    vectors = minilm.embed(list(texts.values()))
    for (chunk_id, _), vector in zip(texts.items(), vectors, strict=True):
        top_id, similarity = store.dense_search(vector, k=1)[0]
        assert top_id == chunk_id and similarity == pytest.approx(1.0, abs=1e-4)


def test_results_are_ranked_and_capped_at_what_the_store_holds(store: Store,
                                                               minilm: LocalMiniLM) -> None:
    write(store, make_doc("/a.txt", PARAGRAPHS))
    write(store, make_doc("/b.txt", OTHER, company="Oracle Corporation"))
    hits = store.dense_search(minilm.embed(["supply-chain risk in Asia"])[0], k=100)
    assert {chunk_id for chunk_id, _ in hits} == set(chunk_texts(store))
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    assert "supply-chain" in chunk_texts(store)[hits[0][0]]
    assert len(store.dense_search(minilm.embed(["supply-chain"])[0], k=2)) == 2


def test_a_metadata_filter_keeps_to_one_document(store: Store, minilm: LocalMiniLM) -> None:
    a, b = make_doc("/a.txt", PARAGRAPHS), make_doc("/b.txt", OTHER, company="Oracle Corporation")
    write(store, a)
    write(store, b)
    vector = minilm.embed(["supply-chain risk in Asia"])[0]  # closest to a's text
    hits = store.dense_search(vector, k=10, where={"doc_id": b.doc_id})
    assert hits and {chunk_id for chunk_id, _ in hits} <= {
        r.chunk_id for r in store.registry.iter_chunks() if r.doc_id == b.doc_id}


@pytest.mark.parametrize("chunk_context", [False, True])
def test_a_search_scoped_to_documents_is_exact_and_agrees_with_chroma(
    tmp_path: Path, minilm: LocalMiniLM, chroma_url: str | None, chunk_context: bool
) -> None:
    """Scoped searches read the scope's vectors from the registry's embedding cache and rank
    them exactly: the same chunks and similarities as Chroma's filtered search gives."""
    store = Store(tmp_path / "home", minilm, chroma_url, chunk_context=chunk_context)
    a, b = make_doc("/a.txt", PARAGRAPHS), make_doc("/b.txt", OTHER, company="Oracle Corporation")
    write(store, a)
    write(store, b)
    vector = minilm.embed(["supply-chain risk in Asia"])[0]
    exact = store.dense_search_in(vector, 10, {b.doc_id})
    chroma = store.dense_search(vector, 10, {"doc_id": {"$in": [b.doc_id]}})
    assert [cid for cid, _ in exact] == [cid for cid, _ in chroma]
    for (_, got), (_, expected) in zip(exact, chroma, strict=True):
        assert got == pytest.approx(expected, abs=1e-4)
    assert store.dense_search_in(vector, 10, {"no-such-document"}) == []


def _chroma_vectors(store: Store, ids: list[str]) -> np.ndarray:
    got = store.collection.get(ids=ids, include=["embeddings"])
    by_id = dict(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), strict=True))
    return np.stack([by_id[i] for i in ids])


@pytest.mark.parametrize("chunk_context", [False, True])
def test_each_chunk_keeps_the_key_of_its_vector_in_chroma(
    tmp_path: Path, minilm: LocalMiniLM, chroma_url: str | None, chunk_context: bool
) -> None:
    """The registry reads a scope's vectors in one join (migration 9): after a first write, a
    rewrite that keeps some chunks, and new metadata, they are the vectors Chroma holds."""
    store = Store(tmp_path / "home", minilm, chroma_url, chunk_context=chunk_context)
    a = make_doc("/a.txt", PARAGRAPHS)
    write(store, a)
    write(store, make_doc("/a.txt", [*PARAGRAPHS[:2], "Gross margin was 44.5% of net sales."]))
    store.update_meta(a.doc_id, a.meta.model_copy(update={"company": "Apple Computer, Inc."}))
    keyed = store.registry.scope_vectors(minilm.model_name, {a.doc_id})
    assert keyed is not None
    ids, vectors = keyed
    assert sorted(ids) == sorted(store.registry.chunk_ids_of(a.doc_id))
    np.testing.assert_allclose(vectors, _chroma_vectors(store, ids), atol=1e-5)
    store.close()


def test_a_store_written_before_vector_keys_still_searches_exactly(
    store: Store, minilm: LocalMiniLM
) -> None:
    a = make_doc("/a.txt", PARAGRAPHS)
    write(store, a)
    vector = minilm.embed(["supply-chain risk in Asia"])[0]
    keyed = store.dense_search_in(vector, 5, {a.doc_id})
    store.registry.db.execute("UPDATE chunks SET vector_hash = NULL")  # as migration 9 leaves them
    assert store.registry.scope_vectors(minilm.model_name, {a.doc_id}) is None
    hashed = store.dense_search_in(vector, 5, {a.doc_id})
    assert [cid for cid, _ in hashed] == [cid for cid, _ in keyed] and len(keyed) == 3


def test_a_search_scoped_to_many_chunks_asks_chroma(
    store: Store, minilm: LocalMiniLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = make_doc("/a.txt", PARAGRAPHS)
    write(store, a)
    monkeypatch.setattr("ingest.dense_search.EXACT_SCOPE_MIN_CHUNKS", 1)
    monkeypatch.setattr("ingest.dense_search.EXACT_SCOPE_STORE_SHARE", 10**6)
    for exact_read in ("scope_vectors", "chunks_of"):  # the exact path is not taken
        monkeypatch.setattr(store.registry, exact_read, None)
    hits = store.dense_search_in(minilm.embed(["supply-chain risk"])[0], 3, {a.doc_id})
    assert len(hits) == 3 and {cid for cid, _ in hits} <= set(store.registry.chunk_ids_of(a.doc_id))
    assert store.registry.chunk_count({a.doc_id, "no-such-document"}) == len(
        store.registry.chunk_ids_of(a.doc_id))


def test_a_scope_small_beside_the_store_is_searched_exactly(
    store: Store, minilm: LocalMiniLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the fixed minimum, the store's size decides: exact while the scope holds at most
    1/EXACT_SCOPE_STORE_SHARE of the store's chunks, Chroma's filter beyond."""
    a, b = make_doc("/a.txt", PARAGRAPHS), make_doc("/b.txt", OTHER, company="Oracle Corporation")
    write(store, a)
    write(store, b)
    vector = minilm.embed(["supply-chain risk"])[0]
    monkeypatch.setattr("ingest.dense_search.EXACT_SCOPE_MIN_CHUNKS", 1)
    total, in_b = store.registry.chunk_total(), store.registry.chunk_count({b.doc_id})
    assert total == len(store.registry.all_chunk_ids()) and 1 < in_b < total
    monkeypatch.setattr("ingest.dense_search.EXACT_SCOPE_STORE_SHARE", total // in_b)

    def no_chroma(*args: object) -> None:
        raise AssertionError("Chroma was asked")

    monkeypatch.setattr(store, "dense_search", no_chroma)
    hits = store.dense_search_in(vector, 10, {b.doc_id})
    assert {cid for cid, _ in hits} == set(store.registry.chunk_ids_of(b.doc_id))
    monkeypatch.setattr("ingest.dense_search.EXACT_SCOPE_STORE_SHARE", total)  # now too large a share
    with pytest.raises(AssertionError, match="Chroma was asked"):
        store.dense_search_in(vector, 10, {b.doc_id})


def test_a_scoped_search_without_cached_vectors_asks_chroma(
    store: Store, minilm: LocalMiniLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = make_doc("/a.txt", PARAGRAPHS)
    write(store, a)
    monkeypatch.setattr(store.registry, "cached_vectors", lambda model, hashes: {})
    monkeypatch.setattr(store.registry, "scope_vectors", lambda model, doc_ids: None)
    hits = store.dense_search_in(minilm.embed(["supply-chain risk"])[0], 3, {a.doc_id})
    assert len(hits) == 3 and {cid for cid, _ in hits} <= set(store.registry.chunk_ids_of(a.doc_id))


def test_a_deleted_document_is_never_found_again(store: Store, minilm: LocalMiniLM) -> None:
    a = make_doc("/a.txt", PARAGRAPHS)
    write(store, a)
    write(store, make_doc("/b.txt", OTHER, company="Oracle Corporation"))
    gone = set(chunk_texts(store))
    with store.writer():
        assert store.delete(a.doc_id)
    gone -= set(chunk_texts(store))
    hits = store.dense_search(minilm.embed(["supply-chain risk in Asia"])[0], k=100)
    assert gone and hits and not gone & {chunk_id for chunk_id, _ in hits}


def test_a_reopened_store_finds_the_same(tmp_path: Path, store: Store, minilm: LocalMiniLM,
                                         chroma_url: str | None) -> None:
    write(store, make_doc("/a.txt", PARAGRAPHS))
    vector = minilm.embed(["research and development expense"])[0]
    before = store.dense_search(vector, k=3)
    store.close()
    reopened = Store(tmp_path / "home", minilm, chroma_url)
    try:
        assert reopened.count_chunks() == len(chunk_texts(reopened))
        assert [cid for cid, _ in reopened.dense_search(vector, k=3)] == [cid for cid, _ in before]
    finally:
        reopened.close()
