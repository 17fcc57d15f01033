"""The registry: documents and chunks replaced in one transaction, a document's metadata
replaced with its facts' company and identity, the generation counter, the write journal, the
embedding cache, near-duplicate records, and its migrations (each older schema upgraded to the
current one with its rows kept, as simonw/llm's test_migrate.py does)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from ingest.documents import Chunk, DocMeta, Document, chunk_id
from ingest.facts import Fact
from ingest.lexical import search_expression
from ingest.registry import DuplicateSource, Registry
from ingest.registry_schema import MIGRATIONS
from tests.sqlite_schema import migrated_from, schema


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = Registry(tmp_path / "registry.sqlite3")
    yield reg
    reg.close()


def doc_with_chunks(source: str, text: str, n: int = 2) -> tuple[Document, list[Chunk]]:
    doc = Document.single_block(text, "text", DocMeta(source=source, title=f"title of {source}"))
    step = len(text) // n
    chunks = [Chunk(chunk_id=chunk_id(doc.doc_id, text[i * step : (i + 1) * step], 0), doc_id=doc.doc_id,
                    text=text[i * step : (i + 1) * step], start=i * step, end=(i + 1) * step, page=None,
                    section=None)
              for i in range(n)]  # fmt: skip
    return doc, chunks


# documents and chunks ---------------------------------------------------------------------------
def test_put_document_replaces_by_source_and_bumps_the_generation(registry: Registry) -> None:
    assert registry.generation == 0 and registry.documents() == []
    old, old_chunks = doc_with_chunks("/a.txt", "Revenue rose. Margins fell.")
    registry.put_document(old, old_chunks)
    assert registry.generation == 1
    new, new_chunks = doc_with_chunks("/a.txt", "Revenue fell sharply. Margins rose again.", n=3)
    registry.put_document(new, new_chunks)
    assert registry.generation == 2
    (record,) = registry.documents()
    assert (record.doc_id, record.source, record.n_chunks) == (new.doc_id, "/a.txt", 3)
    assert record.meta.title == "title of /a.txt"
    assert registry.document_by_source("/a.txt") == record
    assert old.doc_id == new.doc_id  # ids come from the source
    assert registry.document_text(new.doc_id) == new.text and registry.document_text("nope") is None
    assert registry.chunk_ids_of(new.doc_id) == [c.chunk_id for c in new_chunks]
    assert registry.all_chunk_ids() == {c.chunk_id for c in new_chunks}  # the old chunks went too
    by_id = registry.chunks_by_id([new_chunks[1].chunk_id, "no such chunk"])
    assert list(by_id) == [new_chunks[1].chunk_id] and by_id[new_chunks[1].chunk_id].ordinal == 1
    assert [c.chunk_id for c in registry.iter_chunks()] == [c.chunk_id for c in new_chunks]
    assert registry.metas()[new.doc_id].source == "/a.txt"


def test_metadata_read_again_after_another_connection_writes(registry: Registry) -> None:
    doc, chunks = doc_with_chunks("/a.txt", "Revenue rose. Costs fell.")
    registry.put_document(doc, chunks)
    assert registry.metas()[doc.doc_id].title == "title of /a.txt"
    other = Registry(registry.path)  # another process's view of the same store
    try:
        other.update_meta(doc.doc_id, doc.meta.model_copy(update={"title": "renamed"}))
        later, later_chunks = doc_with_chunks("/b.txt", "Margins widened.")
        other.put_document(later, later_chunks)
    finally:
        other.close()
    metas = registry.metas()
    assert metas[doc.doc_id].title == "renamed" and later.doc_id in metas


def test_delete_document_takes_its_chunks(registry: Registry) -> None:
    doc, chunks = doc_with_chunks("/a.txt", "Revenue rose. Margins fell.")
    registry.put_document(doc, chunks)
    assert registry.delete_document(doc.doc_id) is True
    assert registry.generation == 2 and registry.all_chunk_ids() == set()
    assert registry.delete_document(doc.doc_id) is False
    assert registry.generation == 2  # nothing deleted, nothing to tell readers


def test_a_failed_put_leaves_the_previous_rows(registry: Registry) -> None:
    doc, chunks = doc_with_chunks("/a.txt", "Revenue rose. Margins fell.")
    registry.put_document(doc, chunks)
    other, _ = doc_with_chunks("/b.txt", "Something else entirely.")
    with pytest.raises(sqlite3.IntegrityError):  # a chunk id another document owns
        registry.put_document(other, chunks)
    assert [d.source for d in registry.documents()] == ["/a.txt"]
    assert registry.generation == 1


def test_update_meta_rewrites_the_metadata_the_facts_company_and_the_identity(
        registry: Registry) -> None:
    doc, chunks = doc_with_chunks("/a.txt", "Apple Inc. reported revenue. Margins fell.")
    doc.meta.company = "Apple Inc."
    fact = Fact(doc.doc_id, chunks[0].chunk_id, None, "Apple Inc.", "income_statement",
                "Total net sales", (), "revenue", "2023", None, "2023-09-30", "FY2023",
                Decimal(383285), "383,285", "currency", "USD", 1_000_000)
    registry.put_document(doc, chunks, [fact], {c.chunk_id: f"old-{c.chunk_id}" for c in chunks})
    first, second = (c.chunk_id for c in chunks)
    registry.cache_vectors("m", [(f"new-{first}", np.ones(4, dtype=np.float32)),
                                 (f"old-{second}", np.zeros(4, dtype=np.float32))])
    renamed = doc.meta.model_copy(update={"company": "Zeta Holdings"})
    assert registry.update_meta(doc.doc_id, renamed, {first: f"new-{first}"})
    assert registry.generation == 2 and registry.metas()[doc.doc_id] == renamed
    assert [f.company for f in registry.facts(doc_id=doc.doc_id)] == ["Zeta Holdings"]
    assert registry.identities()[doc.doc_id].legal_name == "Zeta Holdings"
    assert [c.legal_name for c in registry.companies()] == ["Zeta Holdings"]
    ids, vectors = registry.scope_vectors("m", [doc.doc_id]) or ([], None)  # the new key, the kept one
    assert vectors is not None and dict(zip(ids, vectors.sum(axis=1).tolist(), strict=True)) == {
        first: 4, second: 0}
    assert registry.update_meta(doc.doc_id, renamed.model_copy(update={"company": None}))
    assert registry.identities() == {}  # no company named: no identity left
    assert not registry.update_meta("no-such-document", renamed)


# the write journal ------------------------------------------------------------------------------
def test_the_write_journal_names_each_unfinished_write(registry: Registry) -> None:
    registry.begin_write("d1", ["c2", "c1", "c1"])
    registry.begin_write("d2", [])
    registry.begin_write("d1", ["c3", "c1"])  # a second write of d1 replaces the first's entry
    assert registry.pending_writes() == [("d1", {"c1", "c3"}), ("d2", set())]
    registry.end_write("d1")
    assert registry.pending_writes() == [("d2", set())]
    assert registry.needs_full_repair()  # migration 6 marks every store, a new one too
    registry.full_repair_done()  # the whole store checked: the journal goes with the mark
    assert not registry.needs_full_repair() and registry.pending_writes() == []


# store facts and the embedding cache ------------------------------------------------------------
def test_info_and_info_set_once(registry: Registry) -> None:
    assert registry.info("embedding_model") is None
    registry.set_info("embedding_model", "m1")
    registry.set_info("embedding_model", "m2")
    assert registry.info("embedding_model") == "m2"
    assert registry.set_info_once("store_id", "first") == "first"
    assert registry.set_info_once("store_id", "second") == "first"


def test_vector_cache_is_per_model(registry: Registry) -> None:
    vector = np.arange(4, dtype=np.float32)
    registry.cache_vectors("m1", [("h1", vector)])
    registry.cache_vectors("m1", [("h1", vector + 1)])  # the first vector stays
    cached = registry.cached_vectors("m1", ["h1", "h2"])
    assert list(cached) == ["h1"] and np.array_equal(cached["h1"], vector)
    assert registry.cached_vectors("m2", ["h1"]) == {}


# near-duplicates --------------------------------------------------------------------------------
def test_signatures_and_duplicate_sources(registry: Registry) -> None:
    doc, chunks = doc_with_chunks("/wire.txt", "The story as the wire ran it.")
    registry.put_document(doc, chunks)
    sig = np.arange(8, dtype=np.uint64)
    registry.put_signature(doc.doc_id, "/wire.txt", sig)
    ((doc_id, source, stored),) = registry.signatures()
    assert (doc_id, source) == (doc.doc_id, "/wire.txt") and np.array_equal(stored, sig)
    copy = DuplicateSource("/copy.txt", "https://example.com/copy", "example.com", 0.93, "2025-01-02")
    earlier = DuplicateSource("/early.txt", None, None, 0.88, "2025-01-01")
    registry.add_duplicate_source(doc.doc_id, "A copy", copy)
    registry.add_duplicate_source(doc.doc_id, None, earlier)
    assert registry.duplicate_sources(doc.doc_id) == [earlier, copy]  # oldest first
    assert registry.is_duplicate_source("/copy.txt") and not registry.is_duplicate_source("/wire.txt")
    # A source stored in its own right is no longer anyone's duplicate.
    stored_copy, copy_chunks = doc_with_chunks("/copy.txt", "The story as a copy ran it.")
    registry.put_document(stored_copy, copy_chunks)
    registry.put_signature(stored_copy.doc_id, "/copy.txt", sig)
    assert registry.duplicate_sources(doc.doc_id) == [earlier]
    # The records of a deleted document no longer count.
    registry.delete_document(doc.doc_id)
    assert not registry.is_duplicate_source("/early.txt")
    assert [source for _, source, _ in registry.signatures()] == ["/copy.txt"]


# migrations -------------------------------------------------------------------------------------
# Rows to put into each table an older schema has: what a user's store holds when Dossier upgrades.
_ROWS: dict[str, list[tuple[object, ...]]] = {
    "documents": [("d1", "/a.txt", "hash", "text", DocMeta(source="/a.txt", title="A").model_dump_json(),
                   "Revenue rose.", 1, "2025-01-01T00:00:00+00:00")],
    "chunks": [("c1", "d1", 0, "Revenue rose.", 0, 13, None, None)],
    "embeddings": [("h1", "all-MiniLM-L6-v2", np.ones(4, dtype=np.float32).tobytes())],
    "signatures": [("d1", np.arange(8, dtype=np.uint64).tobytes())],
    "duplicate_sources": [("/copy.txt", "d1", None, None, "copy", 0.9, "2025-01-02")],
    "facts": [("d1", 0, "c1", 4, "Apple Inc.", "income_statement", "Total net sales", '["Net sales:"]',
               "revenue", "Three Months Ended April 1, 2023", "2023-01-01", "2023-04-01", "Q2 FY2023",
               "94836", "94,836", "currency", "USD", 1000000, None)],
}  # fmt: skip


@pytest.mark.parametrize("version", range(len(MIGRATIONS) + 1))
def test_migrates_each_older_schema_to_the_current_one(tmp_path: Path, version: int) -> None:
    path = tmp_path / "registry.sqlite3"
    with migrated_from(version, path, Registry, MIGRATIONS, _ROWS) as (registry, filled):
        if "documents" in filled:
            assert [d.meta.title for d in registry.documents()] == ["A"]
            assert registry.chunk_ids_of("d1") == ["c1"]
        if "duplicate_sources" in filled:
            assert registry.is_duplicate_source("/copy.txt")
        if "facts" in filled:
            (fact,) = registry.facts(company="apple", fiscal_period="q2 fy2023")
            assert (fact.line_item, fact.parents, fact.value, fact.scale) == (
                "Total net sales", ("Net sales:",), Decimal(94836), 1_000_000)
        if "chunks" in filled:  # no vector key before migration 9: the scope is hashed again
            assert registry.scope_vectors("all-MiniLM-L6-v2", {"d1"}) is None
        if "chunks" in filled:  # the lexical index is filled from the chunks stored before it
            found = registry.lexical_search(search_expression('"revenue"', {"d1"}), 5)
            assert [cid for cid, _ in found] == ["c1"]
        assert registry.needs_full_repair()  # no journal before migration 6: checked whole once
        assert registry.generation == 0



def test_a_failing_migration_leaves_the_store_as_it_was(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "registry.sqlite3"
    Registry(path).close()
    with sqlite3.connect(path) as db:
        before = schema(db)
    broken = "CREATE TABLE half_done (x INTEGER);\nCREATE TABLE documents (x INTEGER);"
    monkeypatch.setattr("ingest.registry.MIGRATIONS", [*MIGRATIONS, broken])
    with pytest.raises(sqlite3.OperationalError, match="documents already exists"):
        Registry(path)
    with sqlite3.connect(path) as db:  # neither half_done nor the new version number
        assert schema(db) == before
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
