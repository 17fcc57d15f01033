"""The embedder the settings ask for."""

from __future__ import annotations

from pathlib import Path

from ingest.embeddings.base import MINILM_MODEL_NAME, Embedder
from ingest.embeddings.local import LocalMiniLM
from ingest.embeddings.remote import OpenAIEmbedder

_LOCAL_MODEL_ALIASES = {MINILM_MODEL_NAME, f"sentence-transformers/{MINILM_MODEL_NAME}"}


def make_embedder(
    backend: str,
    model: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    batch_size: int = 64,
    threads: int = 0,
    cache_dir: Path | None = None,
) -> Embedder:
    """The embedder the settings ask for ('local' or 'openai'). `cache_dir`: where the local
    model keeps its fused graph (the assistant passes DOSSIER_CACHE_DIR)."""
    if backend == "local":
        if model not in _LOCAL_MODEL_ALIASES:
            raise ValueError(
                f"The local embedding backend only ships {MINILM_MODEL_NAME!r}, not {model!r}. "
                "Use embedding_backend='openai' with an OpenAI-compatible server for other models."
            )
        return LocalMiniLM(batch_size=batch_size, threads=threads, cache_dir=cache_dir)
    if backend == "openai":
        return OpenAIEmbedder(model, base_url=base_url, api_key=api_key, batch_size=batch_size)
    raise ValueError(f"Unknown embedding backend {backend!r}: use 'local' or 'openai'.")
