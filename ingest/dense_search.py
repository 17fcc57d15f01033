"""The store's dense (vector) search: exact over a scope's vectors from the registry's embedding
cache while the scope is small beside the store, else Chroma's HNSW index (filtered to a scope
by metadata). `Store` (ingest/store.py) searches with these methods."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ingest.chunk_context import embedding_text
from ingest.documents import DocMeta, sha256

if TYPE_CHECKING:
    from ingest.embeddings import Embedder
    from ingest.registry import Registry

# A dense search scoped to documents is exact, over their vectors from the registry's embedding
# cache, when the scope is small beside the store; otherwise Chroma's filtered HNSW search. The
# two costs grow with different things (bench/scale.py, docs/benchmarks.md "scale"): exact with
# the scope (about 10 us of CPU a chunk: one indexed join and a matrix product), Chroma's filter
# with the store (its metadata filter) and with the scope's id list. At 100,000 passages they
# met near 5,000 chunks in scope (a filing of 300: 1 ms exact, 72 ms Chroma; 6,000 chunks:
# 76 ms vs 51 ms), so exact is taken up to 1/20 of the store, and always up to 3,000 chunks.
EXACT_SCOPE_MIN_CHUNKS = 3_000
EXACT_SCOPE_STORE_SHARE = 20


class DenseSearch:
    """Dense search over a store's registry (its cached vectors) and Chroma collection."""

    registry: Registry
    embedder: Embedder
    chunk_context: bool  # chunks are embedded after a context header (ingest/chunk_context.py)

    if TYPE_CHECKING:
        @property
        def collection(self) -> Any:
            """The store's Chroma collection, opened on first use."""

    def dense_search(
        self, vector: np.ndarray, k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """Top k (chunk id, cosine similarity). A store of at most EXACT_SCOPE_MIN_CHUNKS
        chunks is searched whole, exactly, over the registry's vectors, as a small scope is:
        Chroma is then neither asked nor imported (most of a small store's search start-up)."""
        if not where and self.registry.chunk_total() <= EXACT_SCOPE_MIN_CHUNKS:
            exact = self.exact_search_in(vector, k, self.registry.doc_ids())
            if exact is not None:
                return exact
        count = self.collection.count()
        if count == 0:
            return []
        result = self.collection.query(
            query_embeddings=[vector.astype(np.float32)],
            n_results=min(k, count),
            where=where or None,
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = (result.get("distances") or [[]])[0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, distances, strict=True)]

    def dense_search_in(self, vector: np.ndarray, k: int,
                        doc_ids: Collection[str]) -> list[tuple[str, float]]:
        """Top k (chunk id, cosine similarity) among the chunks of ``doc_ids``: exact (see
        `exact_search_in`) while the scope is small beside the store, so its cost follows the
        scope, not the store; Chroma's filtered search when the scope is large or a vector is
        not cached."""
        in_scope = self.registry.chunk_count(doc_ids)
        limit = max(EXACT_SCOPE_MIN_CHUNKS, self.registry.chunk_total() // EXACT_SCOPE_STORE_SHARE)
        exact = self.exact_search_in(vector, k, doc_ids) if in_scope <= limit else None
        if exact is None:
            return self.dense_search(vector, k, {"doc_id": {"$in": sorted(doc_ids)}})
        return exact

    def exact_search_in(self, vector: np.ndarray, k: int,
                        doc_ids: Collection[str]) -> list[tuple[str, float]] | None:
        """Top k among the chunks of ``doc_ids`` by exact cosine similarity over their vectors
        from the registry's embedding cache; None when a vector is not cached there."""
        keyed = self.registry.scope_vectors(self.embedder.model_name, doc_ids)
        if keyed is not None:
            return _top_cosine(vector, *keyed, k)
        records = self.registry.chunks_of(doc_ids)  # written before migration 9: hashed here
        if not records:
            return []
        metas = self.registry.metas() if self.chunk_context else {}
        hashes = [sha256(embedding_text(r.to_chunk(), metas.get(r.doc_id) or DocMeta(),
                                        self.chunk_context)) for r in records]
        cached = self.registry.cached_vectors(self.embedder.model_name, list(dict.fromkeys(hashes)))
        if len(cached) < len(set(hashes)):
            return None
        return _top_cosine(vector, [r.chunk_id for r in records],
                           np.stack([cached[h] for h in hashes]), k)


def _top_cosine(vector: np.ndarray, ids: Sequence[str], matrix: np.ndarray,
                k: int) -> list[tuple[str, float]]:
    """The k rows of ``matrix`` nearest ``vector`` by cosine similarity, with their ids."""
    if not len(ids):
        return []
    scores = matrix @ vector.astype(np.float32)
    scores /= np.sqrt(np.einsum("ij,ij->i", matrix, matrix)) * float(np.linalg.norm(vector)) + 1e-12
    if k < len(scores):  # the k best, then only those sorted
        best = np.argpartition(-scores, k - 1)[:k]
        top = best[np.argsort(-scores[best], kind="stable")]
    else:
        top = np.argsort(-scores, kind="stable")
    return [(ids[i], float(scores[i])) for i in top]
