"""Any :class:`~ingest.embeddings.base.Embedder` as a LangChain ``Embeddings``."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from ingest.embeddings.base import Embedder


class LangChainEmbeddings(Embeddings):
    """Any :class:`Embedder` as a LangChain ``Embeddings`` (for vector stores and retrievers)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __repr__(self) -> str:
        return f"LangChainEmbeddings({self.embedder!r})"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = self.embedder.embed(texts).tolist()
        return vectors

    def embed_query(self, text: str) -> list[float]:
        vector: list[float] = self.embedder.embed([text])[0].tolist()
        return vector

