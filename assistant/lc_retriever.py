"""The hybrid searcher as a LangChain retriever, for chains (kept apart: LangChain is slow to
import and the CLI does not need it)."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.models import Filters
from assistant.retrieval import HybridSearcher


class DossierRetriever(BaseRetriever):
    """The hybrid searcher as a LangChain retriever (for chains and for comparison)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: HybridSearcher
    k: int = 8
    filters: Filters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[LCDocument]:
        passages = self.searcher.search(query, self.k, self.filters)
        return [
            LCDocument(page_content=p.text, metadata=p.model_dump(exclude={"text"}), id=p.chunk_id)
            for p in passages
        ]
