"""The store: content-hash ids, no re-embedding, replace/delete, repair after an interrupted write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest import dense_search
from ingest import store as store_module
from ingest.store import Store, StoreMismatchError
from tests.conftest import CountingEmbedder
from tests.fixtures.make_pdf_fixtures import text_pdf
from tests.stores import PARAGRAPHS, make_doc, state, write


@pytest.fixture
def store(tmp_path: Path, embedder: CountingEmbedder, chroma_url: str | None) -> Store:
    return Store(tmp_path / "home", embedder, chroma_url)


def test_add_then_unchanged_does_nothing(store: Store, embedder: CountingEmbedder) -> None:
    doc = make_doc("/a.txt", PARAGRAPHS)
    assert write(store, doc) == "added"
    embedded = len(embedder.embedded)
    assert embedded > 0
    assert write(store, make_doc("/a.txt", PARAGRAPHS)) == "unchanged"
    assert len(embedder.embedded) == embedded
    registry, chroma, bm25 = state(store)
    assert registry == chroma == bm25 and len(registry) >= 3


def test_changed_document_replaces_chunks_and_embeds_only_new_text(
    store: Store, embedder: CountingEmbedder
) -> None:
    write(store, make_doc("/a.txt", PARAGRAPHS))
    before = store.registry.all_chunk_ids()
    embedder.embedded.clear()
    changed = [*PARAGRAPHS[:2], "Research and development expense fell to $6,000 million."]
    assert write(store, make_doc("/a.txt", changed)) == "replaced"
    after = store.registry.all_chunk_ids()
    assert before & after  # unchanged paragraphs keep their content-hash ids
    assert before - after  # the changed one is gone
    assert embedder.embedded == ["Research and development expense fell to $6,000 million."]
    registry, chroma, bm25 = state(store)
    assert registry == chroma == bm25
    assert store.lexical().search("6,000 fell", 5)
    assert not store.lexical().search("7,442", 5)


def test_identical_text_in_two_documents_is_embedded_once(
    store: Store, embedder: CountingEmbedder
) -> None:
    write(store, make_doc("/a.txt", PARAGRAPHS))
    embedder.embedded.clear()
    write(store, make_doc("/b.txt", PARAGRAPHS))
    assert embedder.embedded == []
    assert len(store.registry.documents()) == 2
    registry, chroma, _ = state(store)
    assert registry == chroma and len(registry) >= 6  # ids differ per document


def test_delete_removes_everything(store: Store) -> None:
    doc = make_doc("/a.txt", PARAGRAPHS)
    write(store, doc)
    write(store, make_doc("/b.txt", ["Oracle stockholders elected all directors."]))
    with store.writer():
        assert store.delete(doc.doc_id)
    registry, chroma, bm25 = state(store)
    assert registry == chroma == bm25
    assert [d.source for d in store.registry.documents()] == ["/b.txt"]
    assert not store.delete(doc.doc_id)


def test_store_refuses_another_embedding_model(tmp_path: Path, embedder: CountingEmbedder) -> None:
    Store(tmp_path / "home", embedder).close()
    embedder.model_name = "some-other-model"
    with pytest.raises(StoreMismatchError, match="all-MiniLM-L6-v2"):
        Store(tmp_path / "home", embedder)


def test_chroma_is_opened_when_a_search_first_needs_it(
    tmp_path: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a store opens its registry only; a search scoped to a few documents is answered
    from the registry's vectors, and Chroma (its import is most of a search's start-up) is
    opened once, by the first search over a whole store too large to search exactly."""
    doc = make_doc("/a.txt", PARAGRAPHS)
    write(Store(tmp_path / "home", embedder), doc)
    opened: list[Path] = []
    real = store_module.chroma_client

    def counted(home: Path, url: str | None) -> Any:
        opened.append(home)
        return real(home, url)

    monkeypatch.setattr(store_module, "chroma_client", counted)
    reopened = Store(tmp_path / "home", embedder)
    vector = embedder.embed(["supply-chain risk in Asia"])[0]
    scoped = reopened.dense_search_in(vector, 2, [doc.doc_id])
    assert scoped and opened == []
    whole_small = reopened.dense_search(vector, 2)  # a store this small: searched exactly
    assert whole_small == scoped and opened == []
    monkeypatch.setattr(dense_search, "EXACT_SCOPE_MIN_CHUNKS", 0)  # as a larger store is
    by_index = reopened.dense_search(vector, 2)
    assert [c for c, _ in by_index] == [c for c, _ in scoped]  # the same two, by Chroma's index
    reopened.dense_search(vector, 2)
    assert opened == [tmp_path / "home"]


def die(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt("killed")


def test_interrupted_write_is_repaired_to_a_clean_state(
    tmp_path: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch,
    chroma_url: str | None,
) -> None:
    """Vectors reach Chroma, then the process dies before the registry commit."""
    crashed = Store(tmp_path / "crashed", embedder, chroma_url)
    write(crashed, make_doc("/a.txt", PARAGRAPHS))
    monkeypatch.setattr(crashed.registry, "put_document", die)
    with pytest.raises(KeyboardInterrupt):
        write(crashed, make_doc("/b.txt", ["Nordstrom changed executive pay."]))
    monkeypatch.undo()
    assert set(crashed.collection.get(include=[])["ids"]) != crashed.registry.all_chunk_ids()
    crashed.close()

    reopened = Store(tmp_path / "crashed", embedder, chroma_url)
    with reopened.writer():
        assert reopened.repair() > 0
    write(reopened, make_doc("/b.txt", ["Nordstrom changed executive pay."]))

    clean = Store(tmp_path / "clean", embedder, chroma_url)
    write(clean, make_doc("/a.txt", PARAGRAPHS))
    write(clean, make_doc("/b.txt", ["Nordstrom changed executive pay."]))
    assert state(reopened) == state(clean)
    assert state(reopened)[0] == state(reopened)[1] == state(reopened)[2]


def test_second_writer_is_told_who_holds_the_lock(store: Store) -> None:
    from ingest.lock import StoreBusyError

    busy = pytest.raises(StoreBusyError, match=r"another ingest is writing .*pid \d+")
    with store.writer(), busy, store.writer(wait_s=0.3):
        pass
    with store.writer():  # released: the next writer gets in
        pass


def test_one_ingest_embeds_a_text_shared_by_consecutive_documents_once(
    tmp_path: Path, embedder: CountingEmbedder
) -> None:
    """The ingest plans a document while the one before it is still being embedded: a text
    both hold is embedded for the first only, and the second gets the very same vector."""
    from ingest.pipeline import ingest

    folder = tmp_path / "docs"
    folder.mkdir()
    # PDFs: articles are compared for near-duplicates first, which waits for the write before
    (folder / "a.pdf").write_bytes(text_pdf([PARAGRAPHS[1], PARAGRAPHS[0]]))
    (folder / "b.pdf").write_bytes(text_pdf([PARAGRAPHS[1], PARAGRAPHS[2]]))
    store = Store(tmp_path / "home", embedder)
    report = ingest([str(folder)], store, progress=False)
    assert report.ok and len(report.added) == 2
    assert len(embedder.embedded) == len(set(embedder.embedded))
    registry, chroma, _ = state(store)
    assert registry == chroma
    got = store.collection.get(include=["embeddings", "documents"])
    assert got["documents"] is not None and got["embeddings"] is not None
    by_text: dict[str, list[np.ndarray]] = {}
    for text, vector in zip(got["documents"], got["embeddings"], strict=True):
        by_text.setdefault(text, []).append(np.asarray(vector))
    shared = [vectors for vectors in by_text.values() if len(vectors) == 2]
    assert shared, "the two documents share no chunk text: nothing was tested"
    for first, second in shared:
        np.testing.assert_array_equal(first, second)


def test_a_write_that_fails_fails_its_source_only(
    tmp_path: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With writes overlapping the next document's embedding, a failure still lands on the
    right source, and the documents before and after it are stored."""
    from ingest.pipeline import ingest

    folder = tmp_path / "docs"
    folder.mkdir()
    for name, paragraph in zip("abc", PARAGRAPHS, strict=True):
        (folder / f"{name}.pdf").write_bytes(text_pdf([paragraph]))
    store = Store(tmp_path / "home", embedder)
    upsert = store.collection.upsert

    def failing_upsert(**kwargs: Any) -> None:  # Chroma's own call: b.pdf's vectors fail
        if any(str(m.get("source", "")).endswith("b.pdf") for m in kwargs["metadatas"]):
            raise OSError("disk full")
        upsert(**kwargs)

    monkeypatch.setattr(store.collection, "upsert", failing_upsert)
    report = ingest([str(folder)], store, progress=False)
    assert [Path(s).name for s, _ in report.failed] == ["b.pdf"]
    assert report.failed[0][1] == "OSError: disk full"
    assert sorted(Path(s).name for s in report.added) == ["a.pdf", "c.pdf"]
    registry, chroma, _ = state(store)
    assert registry == chroma
    assert sorted(Path(d.source).name for d in store.registry.documents()) == ["a.pdf", "c.pdf"]


def test_a_text_left_to_a_document_that_failed_is_embedded_for_the_next(
    tmp_path: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """b shares a page with a, so b's plan leaves that text to a's embedding; a's embedding
    fails, so b's write embeds it itself."""
    from ingest.pipeline import ingest

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(text_pdf([PARAGRAPHS[1], PARAGRAPHS[0]]))
    (folder / "b.pdf").write_bytes(text_pdf([PARAGRAPHS[1], PARAGRAPHS[2]]))
    embed = embedder.embed

    def failing_for_a(texts: list[str]) -> np.ndarray:
        if any(PARAGRAPHS[0] in t for t in texts):
            raise RuntimeError("embedding server went away")
        return embed(texts)

    monkeypatch.setattr(embedder, "embed", failing_for_a)
    store = Store(tmp_path / "home", embedder)
    report = ingest([str(folder)], store, progress=False)
    assert [Path(s).name for s, _ in report.failed] == ["a.pdf"]
    assert [Path(s).name for s in report.added] == ["b.pdf"]
    registry, chroma, _ = state(store)
    assert registry == chroma and len(registry) == 2
    shared = [t for t in embedder.embedded if PARAGRAPHS[1] in t]
    assert len(shared) == 1  # embedded once, for b, after a failed


# the write journal: repair touches what the last unfinished write touched, nothing else ----------
class GetSpy:
    """Records the ids each Chroma `get` asked for (None: the whole collection)."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[list[str] | None] = []
        real = store.collection.get

        def get(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(kwargs.get("ids"))
            return real(*args, **kwargs)

        monkeypatch.setattr(store.collection, "get", get)


def write_then_repair(store: Store) -> None:
    """A document written, then the store's first repair (a new store is checked whole once:
    it might predate the journal)."""
    write(store, make_doc("/a.txt", PARAGRAPHS))
    with store.writer():
        store.repair()


def test_repair_with_no_unfinished_write_reads_nothing_from_chroma(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_then_repair(store)
    spy = GetSpy(store, monkeypatch)
    with store.writer():
        assert store.repair() == 0
    assert spy.calls == []


def test_repair_after_a_kill_before_the_commit_reads_only_that_write(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_then_repair(store)
    doc = make_doc("/b.txt", ["Nordstrom changed executive pay.", "Buckle sales rose."])
    monkeypatch.setattr(store.registry, "put_document", die)
    with pytest.raises(KeyboardInterrupt):
        write(store, doc)
    monkeypatch.undo()
    ((pending_doc, pending_ids),) = store.registry.pending_writes()
    assert pending_doc == doc.doc_id and pending_ids
    assert pending_ids <= set(store.collection.get(include=[])["ids"])  # the orphans
    spy = GetSpy(store, monkeypatch)
    with store.writer():
        assert store.repair() == len(pending_ids)
    assert spy.calls == [sorted(pending_ids)]
    assert store.registry.pending_writes() == []
    registry, chroma, lexical = state(store)
    assert registry == chroma == lexical


def test_repair_after_a_kill_after_the_commit_deletes_the_replaced_chunks(
    tmp_path: Path, embedder: CountingEmbedder, monkeypatch: pytest.MonkeyPatch,
    chroma_url: str | None,
) -> None:
    """The new chunks are committed; the replaced chunks' vectors are still in Chroma."""
    crashed = Store(tmp_path / "crashed", embedder, chroma_url)
    write_then_repair(crashed)
    changed = [*PARAGRAPHS[:2], "Research and development expense fell to $6,000 million."]
    monkeypatch.setattr(crashed, "_delete_vectors", die)
    with pytest.raises(KeyboardInterrupt):
        write(crashed, make_doc("/a.txt", changed))
    monkeypatch.undo()
    registry, chroma, lexical = state(crashed)
    assert registry == lexical and chroma - registry  # the replaced chunk's vector is left
    with crashed.writer():
        assert crashed.repair() == len(chroma - registry)
    clean = Store(tmp_path / "clean", embedder, chroma_url)
    write(clean, make_doc("/a.txt", changed))
    assert state(crashed) == state(clean)


def test_a_store_from_before_the_journal_is_checked_whole_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_then_repair(store)
    store.collection.upsert(ids=["orphan"], embeddings=[[0.1] * store.embedder.dimension],
                            documents=["left by a kill before the journal existed"])
    store.registry.set_info("full_repair", "1")  # as migration 6 leaves an older store
    with store.writer():
        assert store.repair() == 1
    assert not store.registry.needs_full_repair()
    registry, chroma, _ = state(store)
    assert registry == chroma
