"""The store: Chroma (vectors) + the SQLite registry (truth, with the lexical index inside).

Write order, so that a kill at any moment leaves a store a rerun repairs to exactly what one clean
run gives:
1. the registry journals the write: every chunk id it may leave in Chroma (the document's old
   and new chunks);
2. vectors for the new chunks are upserted into Chroma (ids are content hashes: idempotent);
3. the registry replaces the document, its chunks and their lexical (FTS5) rows in one
   transaction: the commit point;
4. chunks the registry no longer names are deleted from Chroma;
5. the journal entry is cleared.
Opening a store for writing repairs what the journal names (Chroma entries the registry does
not name are deleted, named ones Chroma lacks re-added), never scanning the whole store, and
readers ignore Chroma entries the registry does not name.

Reading: dense search (exact over a small scope's cached vectors, else Chroma's index) is
ingest/dense_search.py's, which `Store` takes on; the lexical index is ingest/lexical.py's.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ingest.chroma_client import (
    HnswSettings,
    chroma_client,
    chroma_metadata,
)
from ingest.chunk_context import embedding_text
from ingest.dense_search import DenseSearch
from ingest.documents import Chunk, DocMeta, Document, sha256
from ingest.errors import DossierError
from ingest.lexical import LexicalIndex
from ingest.lock import OpenLock, WriterLock
from ingest.registry import Registry

if TYPE_CHECKING:
    from ingest.embeddings import Embedder
    from ingest.facts import Fact

log = logging.getLogger(__name__)

COLLECTION = "dossier"
WriteOutcome = Literal["added", "replaced", "unchanged"]


def _facts(doc: Document, chunks: Sequence[Chunk]) -> list[Fact]:
    """The document's facts; a table the fact reader trips on must not lose the document."""
    from ingest.facts import extract_facts  # with the loaders (lxml, trafilatura): ingest only

    try:
        return extract_facts(doc, chunks)
    except Exception as exc:
        log.warning("%s: facts not read (%s: %s)", doc.meta.source, type(exc).__name__, exc)
        return []


@dataclass
class PlannedWrite:
    """A document about to be written (see Store.plan_write)."""

    doc: Document
    chunks: list[Chunk]
    replaces: bool  # a stored document with this source is replaced
    meta_changed: bool  # ... and its metadata changed, so kept chunks are updated too
    old_ids: set[str]  # the stored document's chunk ids
    new: list[Chunk]  # chunks not stored yet
    embedded: list[str]  # the text each new chunk is embedded as (see ingest.chunk_context)
    hashes: list[str]  # hash of each embedded text: the embedding cache's key
    cached: dict[str, np.ndarray]  # vectors the embedding cache held at planning time
    missing: list[str]  # distinct hashes to embed
    to_embed: list[str] = field(default_factory=list)  # their texts, in the same order
    # kept chunks whose statement label changed (a store written before labels, or a better
    # labeller): their Chroma metadata is refreshed
    relabelled: list[Chunk] = field(default_factory=list)


class StoreMismatchError(DossierError, RuntimeError):
    """The store was built with another embedding model or dimension."""


class Store(DenseSearch):
    def __init__(self, home: Path, embedder: Embedder, chroma_url: str | None = None,
                 chunk_context: bool = False, hnsw: HnswSettings | None = None) -> None:
        self.home = home
        self.hnsw = hnsw or HnswSettings()
        self.embedder = embedder
        self.chunk_context = chunk_context  # embed chunks after a context header
        home.mkdir(parents=True, exist_ok=True)
        self.chroma_url = chroma_url
        with OpenLock(home):  # a first open creates the registry's tables: one at a time
            self.registry = Registry(home / "registry.sqlite3")
            self._check_embedding_model()
            # One Chroma server serves many stores (each user's DOSSIER_HOME): each keeps its vectors
            # in a collection of its own, named by the id its registry holds, since repair() deletes
            # whatever the collection holds that the registry does not name. An embedded Chroma lives
            # inside the store's folder and keeps the plain name.
            self.collection_name = f"{COLLECTION}-{self._store_id()}" if chroma_url else COLLECTION
        self._chroma: tuple[Any, Any] | None = None  # (client, collection), opened when first used
        self._chroma_lock = threading.Lock()
        if chroma_url:  # a server that does not answer is one clear error, at once
            self.open_chroma()
        self._lexical = LexicalIndex(self.registry)

    @property
    def client(self) -> Any:
        """Chroma's client (opened on first use, see `collection`)."""
        return self.open_chroma()[0]

    @property
    def collection(self) -> Any:
        """The store's Chroma collection, opened (and, in a new store, created) on first use:
        a search scoped to a few documents reads their vectors from the registry and never
        needs it, and importing Chroma is most of a `dossier search`'s start-up
        (docs/benchmarks.md, CLI start-up)."""
        return self.open_chroma()[1]

    def open_chroma(self) -> tuple[Any, Any]:
        """Chroma's client and the store's collection, opened now if not yet (a long-running
        server does it at start, so that its first request does not pay for it)."""
        with self._chroma_lock:
            if self._chroma is None:
                import chromadb  # noqa: F401  (imported first: another process waits for the open only)

                with OpenLock(self.home):  # a first open creates Chroma's files: one at a time
                    client = chroma_client(self.home, self.chroma_url)
                    # No embedding function on purpose: Dossier always passes vectors itself, so
                    # Chroma never falls back to its default model (which would download weights).
                    # An existing collection keeps its creation settings (older stores: Chroma's
                    # defaults, given as `hnsw:space` metadata); only ef_search can change.
                    collection = client.get_or_create_collection(
                        self.collection_name,
                        embedding_function=None,
                        configuration=self.hnsw.configuration(),
                        metadata={"embedding_model": self.embedder.model_name,
                                  "dimension": self.embedder.dimension},
                    )
                    # configuration_json: the parsed `configuration` warns of the absent
                    # embedding function
                    stored = collection.configuration_json.get("hnsw") or {}
                    if stored.get("ef_search") != self.hnsw.ef_search:
                        collection.modify(configuration={"hnsw": {"ef_search": self.hnsw.ef_search}})
                self._chroma = (client, collection)
            return self._chroma

    def close(self) -> None:
        self.registry.close()

    def writer(self, wait_s: float = 0.0) -> WriterLock:
        """The store's one-writer lock; hold it around any write."""
        return WriterLock(self.home, wait_s)

    # ------------------------------------------------------------------------------------------
    def _check_embedding_model(self) -> None:
        model, dim = self.registry.info("embedding_model"), self.registry.info("dimension")
        wanted_model, wanted_dim = self.embedder.model_name, str(self.embedder.dimension)
        if model is None:
            self.registry.set_info("embedding_model", wanted_model)
            self.registry.set_info("dimension", wanted_dim)
        elif (model, dim) != (wanted_model, wanted_dim):
            raise StoreMismatchError(
                f"the store at {self.home} was built with embedding model {model} "
                f"({dim} dimensions), not {wanted_model} ({wanted_dim}); set "
                f"DOSSIER_EMBEDDING_MODEL={model}, or use another DOSSIER_HOME for the new model"
            )

    def _store_id(self) -> str:
        """This store's id, made once; the first of two processes creating it at once wins."""
        return self.registry.set_info_once("store_id", uuid.uuid4().hex[:16])

    # writing --------------------------------------------------------------------------------
    def write(self, doc: Document, chunks: Sequence[Chunk]) -> WriteOutcome:
        plan = self.plan_write(doc, chunks)
        if plan is None:
            return "unchanged"
        return self.finish_write(plan, self.embedder.embed(plan.to_embed))

    def plan_write(self, doc: Document, chunks: Sequence[Chunk],
                   in_flight: Collection[str] = ()) -> PlannedWrite | None:
        """What writing doc takes: None when it is stored unchanged, else the plan, whose
        ``to_embed`` texts (new chunks neither in the embedding cache nor ``in_flight``: being
        embedded for the document written before this one) need vectors. Writes nothing, so the
        ingest embeds one document while it stores the one before."""
        existing = self.registry.document_by_source(doc.meta.source)
        stored = self.registry.statements_of(existing.doc_id) if existing else {}
        relabelled = [c for c in chunks if c.chunk_id in stored and stored[c.chunk_id] != c.statement]
        if (existing and existing.content_hash == doc.content_hash and existing.meta == doc.meta
                and not relabelled and not self._facts_missing(existing.doc_id, doc, chunks)):
            return None
        old_ids = set(stored)
        new = [c for c in chunks if c.chunk_id not in old_ids]
        embedded = [embedding_text(c, doc.meta, self.chunk_context) for c in new]
        hashes = [sha256(t) for t in embedded]
        cached = self.registry.cached_vectors(self.embedder.model_name, list(dict.fromkeys(hashes)))
        missing = list(dict.fromkeys(h for h in hashes if h not in cached and h not in in_flight))
        text_of = dict(zip(hashes, embedded, strict=True))
        return PlannedWrite(doc=doc, chunks=list(chunks), replaces=existing is not None,
                            meta_changed=bool(existing and existing.meta != doc.meta),
                            old_ids=old_ids, new=new, embedded=embedded, hashes=hashes, cached=cached,
                            missing=missing, to_embed=[text_of[h] for h in missing],
                            relabelled=relabelled)

    def _facts_missing(self, doc_id: str, doc: Document, chunks: Sequence[Chunk]) -> bool:
        """A document stored before facts were kept (registry migration 3) that has some: it
        is written again, with them (its chunks and vectors are kept)."""
        return not self.registry.has_facts(doc_id) and bool(_facts(doc, chunks))

    def finish_write(self, plan: PlannedWrite, fresh: np.ndarray) -> WriteOutcome:
        """Store a planned document, given the vectors of its ``to_embed`` texts, in the write
        order of this module's docstring."""
        vectors = self._complete_vectors(plan.hashes, plan.embedded, plan.cached,
                                          plan.missing, fresh)
        self.registry.begin_write(plan.doc.doc_id, [*plan.old_ids, *(c.chunk_id for c in plan.new)])
        self._upsert(plan.new, vectors, plan.doc.meta)
        # metadata changed: refresh kept chunks too (only the relabelled ones when only labels did)
        kept = ([c for c in plan.chunks if c.chunk_id in plan.old_ids] if plan.meta_changed
                else plan.relabelled)
        for i in range(0, len(kept), 2000):
            part = kept[i : i + 2000]
            self.collection.update(ids=[c.chunk_id for c in part],
                                   metadatas=[chroma_metadata(c, plan.doc.meta) for c in part])
        self.registry.put_document(plan.doc, plan.chunks, _facts(plan.doc, plan.chunks),
                                   dict(zip((c.chunk_id for c in plan.new), plan.hashes, strict=True)))
        stale = plan.old_ids - {c.chunk_id for c in plan.chunks}
        self._delete_vectors(stale)
        self.registry.end_write(plan.doc.doc_id)
        return "replaced" if plan.replaces else "added"

    def update_meta(self, doc_id: str, meta: DocMeta) -> bool:
        """A stored document's metadata replaced, its text and chunks unchanged (an exhibit
        adopted by its filing): Chroma's copy first, then the registry (the commit point)."""
        records = self.registry.chunks_by_id(self.registry.chunk_ids_of(doc_id))
        chunks = [r.to_chunk() for r in records.values()]
        vector_hashes: dict[str, str] = {}
        if chunks:
            ids = [c.chunk_id for c in chunks]
            metadatas = [chroma_metadata(c, meta) for c in chunks]
            if self.chunk_context:  # the embedded header names the company: embedded again
                texts = [embedding_text(c, meta, True) for c in chunks]
                vectors = self.vectors(texts)
                self.collection.update(ids=ids, embeddings=vectors, metadatas=metadatas)
                vector_hashes = {i: sha256(t) for i, t in zip(ids, texts, strict=True)}
            else:
                self.collection.update(ids=ids, metadatas=metadatas)
        return self.registry.update_meta(doc_id, meta, vector_hashes)

    def delete(self, doc_id: str) -> bool:
        ids = self.registry.chunk_ids_of(doc_id)
        self.registry.begin_write(doc_id, ids)
        deleted = self.registry.delete_document(doc_id)
        if deleted:
            self._delete_vectors(ids)
        self.registry.end_write(doc_id)
        return deleted

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings for texts, never computing one the cache already holds."""
        hashes = [sha256(t) for t in texts]
        cached = self.registry.cached_vectors(self.embedder.model_name, list(dict.fromkeys(hashes)))
        missing = list(dict.fromkeys(h for h in hashes if h not in cached))
        text_of = dict(zip(hashes, texts, strict=True))
        fresh = self.embedder.embed([text_of[h] for h in missing]) if missing else None
        return self._complete_vectors(hashes, texts, cached, missing, fresh)

    def _complete_vectors(self, hashes: Sequence[str], texts: Sequence[str],
                          cached: dict[str, np.ndarray], missing: Sequence[str],
                          fresh: np.ndarray | None) -> np.ndarray:
        """The vector of each hash: cached ones, fresh ones (for ``missing``, added to the cache),
        and those of texts planned as in flight, which the document written just before this one
        has cached by now (if it failed, they are embedded here)."""
        if not hashes:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        model = self.embedder.model_name
        cached = dict(cached)
        if missing:
            assert fresh is not None and len(fresh) == len(missing)
            self.registry.cache_vectors(model, zip(missing, fresh, strict=True))
            cached.update(zip(missing, fresh, strict=True))
        absent = [h for h in dict.fromkeys(hashes) if h not in cached]
        if absent:
            cached.update(self.registry.cached_vectors(model, absent))
        lost = [h for h in absent if h not in cached]
        if lost:
            text_of = dict(zip(hashes, texts, strict=True))
            vectors = self.embedder.embed([text_of[h] for h in lost])
            self.registry.cache_vectors(model, zip(lost, vectors, strict=True))
            cached.update(zip(lost, vectors, strict=True))
        return np.stack([cached[h] for h in hashes]).astype(np.float32)

    def _upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray, meta: DocMeta) -> None:
        step = max(1, min(self.client.get_max_batch_size(), 2000))
        for i in range(0, len(chunks), step):
            part = chunks[i : i + step]
            self.collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[i : i + step],
                documents=[c.text for c in part],
                metadatas=[chroma_metadata(c, meta) for c in part],
            )

    def _delete_vectors(self, ids: Sequence[str] | set[str]) -> None:
        ids = list(ids)
        for i in range(0, len(ids), 2000):
            self.collection.delete(ids=ids[i : i + 2000])

    def repair(self) -> int:
        """Finish what an interrupted write left: for each journalled write, delete the Chroma
        entries the registry does not name and re-add named ones Chroma lacks; its cost is that
        write's size, not the store's. A store from before the journal is checked whole once.
        Also removes the BM25 folders of the index FTS5 replaced. For writers (hold `writer()`)."""
        for legacy in [self.home / "bm25", self.home / "bm25.old", *self.home.glob(".bm25-*")]:
            shutil.rmtree(legacy, ignore_errors=True)
        if self.registry.needs_full_repair():
            known = self.registry.all_chunk_ids()
            fixed = self._reconcile(set(self.collection.get(include=[])["ids"]), known, known)
            self.registry.full_repair_done()
            return fixed
        fixed = 0
        for doc_id, ids in self.registry.pending_writes():
            stored = set(self.collection.get(ids=sorted(ids), include=[])["ids"]) if ids else set()
            fixed += self._reconcile(stored, self.registry.known_chunk_ids(ids), ids)
            self.registry.end_write(doc_id)
        return fixed

    def _reconcile(self, stored: set[str], known: set[str], checked: set[str]) -> int:
        """Make Chroma hold exactly ``known`` among the ``checked`` ids (``stored``: those of
        them it holds now); how many entries changed."""
        orphans = stored - known
        self._delete_vectors(orphans)
        missing = (known & checked) - stored
        if missing:
            log.warning("%d chunks missing from Chroma; re-adding them", len(missing))
            self._readd(missing)
        return len(orphans) + len(missing)

    def _readd(self, ids: set[str]) -> None:
        records = self.registry.chunks_by_id(ids)
        metas = self.registry.metas()
        for rec in records.values():
            self._upsert([rec.to_chunk()], self.vectors([rec.text]), metas[rec.doc_id])

    # words ------------------------------------------------------------------------------------
    def lexical(self) -> LexicalIndex:
        """The lexical (BM25) index: always at the registry's state, as it lives inside it."""
        return self._lexical

    def count_chunks(self) -> int:
        return self.collection.count()

