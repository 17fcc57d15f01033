"""What `Assistant.search` does: the question read, its scope resolved from the companies, forms
and periods it names (when no filter is given), then the documents searched: only those in
scope, or every one with those in scope preferred (boosted) when the scope is unsure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assistant.models import Filters, Passage

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.question import Question
    from assistant.retrieval import HybridSearcher
    from assistant.scope import SearchResults


def search(assistant: Assistant, query: str | Question, k: int | None, siblings: int,
           filters: dict[str, Any]) -> SearchResults:
    from assistant.scope import SearchResults, resolve_scope

    warm_up(assistant.embedder)
    metas = assistant.store.registry.metas()
    question = assistant.read(query, metas)
    wanted = Filters(**filters)
    scope = None
    retrieval = assistant.settings.retrieval
    k = k or retrieval.k
    if wanted.is_empty() and retrieval.auto_scope:
        scope = resolve_scope(question, metas, retrieval.uncertain_scope, retrieval.scope_strip_names)
        if scope is not None and scope.mode == "boost":
            return SearchResults(boosted(assistant.searcher, question, k, scope.doc_ids,
                                         retrieval.rrf_k), scope)
        if scope is not None and scope.mode == "filter":
            wanted = Filters(doc_ids=scope.doc_ids)
            question = question.searching(scope.query) if scope.query else question
    return SearchResults(assistant.searcher.search(question, k, wanted, siblings), scope)


def warm_up(embedder: object) -> None:
    """Let an embedder that can (the local model's `warm_up`) load itself in the background
    while the store opens: the query's embedding needs it next."""
    warm_up = getattr(embedder, "warm_up", None)
    if callable(warm_up):
        warm_up()


def boosted(searcher: HybridSearcher, question: Question, k: int, doc_ids: Sequence[str],
            rrf_k: int) -> list[Passage]:
    """Every document searched, `doc_ids` preferred: the ranking inside them and the ranking
    over everything fused by reciprocal rank, so a passage in both comes first."""
    from assistant.retrieval import reciprocal_rank_fusion

    inside = searcher.search(question, k, Filters(doc_ids=list(doc_ids)))
    everywhere = searcher.search(question, k)
    passages = {p.chunk_id: p for p in [*everywhere, *inside]}
    fused = reciprocal_rank_fusion([([p.chunk_id for p in inside], 1.0),
                                    ([p.chunk_id for p in everywhere], 1.0)], rrf_k)
    return [passages[cid].model_copy(update={"rank": rank, "score": score})
            for rank, (cid, score) in enumerate(fused[:k], start=1)]
