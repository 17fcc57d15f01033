"""The Assistant's parts built from the settings: the embedder, the store and the searcher.
Each imports its heavy libraries (onnxruntime, Chroma...) only when it is built."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.retrieval import HybridSearcher
    from ingest.embeddings import Embedder
    from ingest.store import Store


def build_embedder(settings: Settings) -> Embedder:
    from ingest.embeddings import make_embedder

    e, llm = settings.embedding, settings.llm
    return make_embedder(
        e.backend, e.model, base_url=e.base_url or llm.base_url,
        api_key=llm.api_key_value(), batch_size=e.batch_size, threads=e.threads,
        cache_dir=settings.store.cache_dir,
    )


def open_store(settings: Settings, embedder: Embedder) -> Store:
    from ingest.chroma_client import HnswSettings
    from ingest.store import Store

    store = settings.store
    return Store(store.home, embedder, store.chroma_url,
                 chunk_context=settings.ingest.embed_chunk_context,
                 hnsw=HnswSettings(store.hnsw_m, store.hnsw_ef_construction, store.hnsw_ef_search))


def build_searcher(settings: Settings, store: Store) -> HybridSearcher:
    from assistant.retrieval import HybridSearcher

    r = settings.retrieval
    return HybridSearcher(store, fusion=r.fusion, rrf_k=r.rrf_k, bm25_weight=r.bm25_weight,
                          statement_weight=r.statement_weight, page_decay=r.page_decay,
                          scoped_fusion=r.scoped_fusion)
