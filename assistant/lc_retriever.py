"""Dossier's search as a LangChain retriever, the one every chain uses (kept apart: LangChain is
slow to import and the CLI does not need it).

    DossierRetriever(search=assistant.search)              # scoped and filtered, as `ask` searches
    DossierRetriever.from_searcher(searcher, k=8, filters)  # the bare hybrid searcher
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from assistant.models import Filters, Passage

if TYPE_CHECKING:
    from assistant.retrieval import HybridSearcher


class DossierRetriever(BaseRetriever):
    """A passage search (a query in, passages best first out) as a LangChain retriever; each
    passage becomes a document whose metadata is the passage and whose id is the chunk id."""

    search: Callable[[str], Sequence[Passage]]

    @classmethod
    def from_searcher(cls, searcher: HybridSearcher, k: int = 8,
                      filters: Filters | None = None) -> DossierRetriever:
        return cls(search=lambda query: searcher.search(query, k, filters))

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[LCDocument]:
        return [passage_document(p) for p in self.search(query)]


def passage_document(passage: Passage) -> LCDocument:
    return LCDocument(page_content=passage.text, metadata=passage.model_dump(exclude={"text"}),
                      id=passage.chunk_id)


def document_passage(document: LCDocument) -> Passage:
    """The passage a retrieved document was made from (see `passage_document`)."""
    return Passage(**document.metadata, text=document.page_content)
