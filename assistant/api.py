"""The typed Python face of Dossier, for notebooks and scripts.

    from assistant import Assistant
    a = Assistant()                      # store in DOSSIER_HOME (or a per-user data folder)
    a.ingest(["filings/", "https://example.com/article"])
    a.search("supply chain risk", k=5, company="Apple")
    a.ask("How much is Alibaba investing in AI?")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.answer.extractive import extractive_answer
from assistant.config import Settings
from assistant.models import Answer, Filters, Passage
from assistant.retrieval import HybridSearcher
from ingest.embeddings import Embedder, make_embedder
from ingest.pipeline import IngestOptions, IngestReport, ingest
from ingest.registry import DocRecord
from ingest.store import Store


class Assistant:
    def __init__(self, home: str | Path | None = None, settings: Settings | None = None,
                 *, embedder: Embedder | None = None, **overrides: Any) -> None:
        if home is not None:
            overrides["home"] = Path(home).expanduser()
        self.settings = settings.model_copy(update=overrides) if settings else Settings(**overrides)
        self._embedder: Embedder | None = embedder
        self._store: Store | None = None

    # lazily built parts ------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            s = self.settings
            self._embedder = make_embedder(
                s.embedding_backend, s.embedding_model,
                base_url=s.embedding_base_url or s.openai_base_url,
                api_key=s.openai_api_key.get_secret_value() if s.openai_api_key else None,
                batch_size=s.embedding_batch_size, threads=s.embedding_threads,
            )
        return self._embedder

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.home, self.embedder, self.settings.chroma_url)
        return self._store

    @property
    def searcher(self) -> HybridSearcher:
        s = self.settings
        return HybridSearcher(self.store, fusion=s.fusion, rrf_k=s.rrf_k,
                              bm25_weight=s.bm25_weight)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    # the verbs -------------------------------------------------------------------------------
    def ingest(self, paths: str | Path | Sequence[str | Path], *, progress: bool = True,
               wait_for_lock_s: float = 0.0, **meta: str) -> IngestReport:
        """Load, chunk, embed and store files, folders (recursively) and URLs."""
        inputs = [paths] if isinstance(paths, str | Path) else list(paths)
        s = self.settings
        options = IngestOptions(
            chunk_tokens=min(s.chunk_tokens, self.embedder.max_tokens),
            overlap_tokens=s.chunk_overlap_tokens,
            max_bytes=int(s.max_file_mb * 2**20),
            timeout=s.url_timeout_s,
            meta_overrides={k: v for k, v in meta.items() if v},
        )
        return ingest([str(p) for p in inputs], self.store, options, progress=progress,
                      wait_for_lock_s=wait_for_lock_s)

    def search(self, query: str, k: int | None = None, **filters: Any) -> list[Passage]:
        return self.searcher.search(query, k or self.settings.k, Filters(**filters))

    def ask(self, question: str, k: int | None = None, **filters: Any) -> Answer:
        passages = self.search(question, k, **filters)
        registry = self.store.registry
        texts = {p.doc_id: registry.document_text(p.doc_id) or "" for p in passages}
        return extractive_answer(
            question, passages, self.embedder,
            max_sentences=self.settings.answer_sentences, min_support=self.settings.min_support,
            document_texts=texts,
        )

    def documents(self) -> list[DocRecord]:
        return self.store.registry.documents()

    def delete(self, doc: str) -> bool:
        """Delete a document by doc id, source path or URL."""
        for record in self.documents():
            if doc in (record.doc_id, record.source) or (
                not doc.startswith(("http://", "https://"))
                and Path(doc).expanduser().resolve().as_posix() == record.source
            ):
                with self.store.writer():
                    deleted = self.store.delete(record.doc_id)
                    self.store.refresh_lexical()
                return deleted
        return False

    def status(self) -> dict[str, Any]:
        docs = self.documents()
        return {
            "home": str(self.settings.home),
            "documents": len(docs),
            "chunks": self.store.count_chunks(),
            "embedding_model": self.embedder.model_name,
            "dimension": self.embedder.dimension,
            "chroma": self.settings.chroma_url or "embedded",
            "llm": self.settings.llm_model if self.settings.llm_configured else None,
        }

    def chat(self, **launch_kwargs: Any) -> Any:
        """Open the research chat on this assistant's store: inline in a notebook, else a local
        server on 127.0.0.1:7860. Keyword arguments go to Gradio's `launch` (server_port,
        height, inline, auth...); share links are not offered. Returns the `ChatApp`: call
        `.close()` on it to stop the server."""
        from assistant.ui.app import ChatApp

        app = ChatApp(self)
        if _in_notebook():
            launch_kwargs.setdefault("inline", True)
            launch_kwargs.setdefault("height", 720)
            launch_kwargs.setdefault("prevent_thread_lock", True)
        app.launch(**launch_kwargs)
        return app

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ != "TerminalInteractiveShell"
