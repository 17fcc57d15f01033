"""Hybrid search: dense (Chroma) and BM25 (SQLite FTS5), fused by reciprocal rank, with filters.

Filters are resolved once against the registry into a set of documents and applied on both sides
(an exact dense search over their vectors, the same documents in the FTS5 query), so both rankings
see the same candidates.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.models import Filters, Passage
from assistant.question import Question
from ingest.documents import DocMeta
from ingest.registry import ChunkRecord
from ingest.store import Store, date_number


class HybridSearcher:
    def __init__(
        self,
        store: Store,
        *,
        fusion: str = "rrf",
        rrf_k: int = 60,
        bm25_weight: float = 1.0,
        candidates: int = 40,
    ) -> None:
        self.store = store
        self.fusion = fusion
        self.rrf_k = rrf_k
        self.bm25_weight = bm25_weight
        self.candidates = candidates

    def search(self, query: Question | str, k: int = 8, filters: Filters | None = None) -> list[Passage]:
        """The k best passages for a question (its `search_text`) or a plain text."""
        text = query.search_text if isinstance(query, Question) else query
        metas = self.store.registry.metas()
        doc_ids = matching_documents(metas, filters) if filters and not filters.is_empty() else None
        if doc_ids is not None and not doc_ids:
            return []
        pool = max(self.candidates, k)
        rankings: list[tuple[list[str], float]] = []
        dense_scores: dict[str, float] = {}
        if self.fusion in ("rrf", "dense"):
            vector = self.store.embedder.embed([text])[0]
            dense = (self.store.dense_search(vector, pool) if doc_ids is None
                     else self.store.dense_search_in(vector, pool, doc_ids))
            dense_scores = dict(dense)
            rankings.append(([cid for cid, _ in dense], 1.0))
        if self.fusion in ("rrf", "bm25"):
            hits = self.store.lexical().search(text, pool, doc_ids)
            rankings.append(([cid for cid, _ in hits], self.bm25_weight))
        fused = reciprocal_rank_fusion(rankings, self.rrf_k)
        records = self.store.registry.chunks_by_id(cid for cid, _ in fused[: k * 2])
        passages: list[Passage] = []
        for cid, score in fused:
            record = records.get(cid)
            if record is None:  # in Chroma but not (or no longer) in the registry: ignore
                continue
            if record.doc_id not in metas:  # committed by a running ingest since metas were read
                metas = self.store.registry.metas()
                if record.doc_id not in metas:
                    continue
            passages.append(
                to_passage(record, metas[record.doc_id], len(passages) + 1,
                           dense_scores.get(cid, score) if self.fusion == "dense" else score)
            )
            if len(passages) == k:
                break
        return passages


def reciprocal_rank_fusion(
    rankings: Sequence[tuple[Sequence[str], float]], k: int = 60
) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, cid in enumerate(ids, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)


def matching_documents(metas: dict[str, DocMeta], filters: Filters) -> set[str]:
    def same(a: str | None, b: str | None, exhibits: bool = False) -> bool:
        """Equal ignoring case; with `exhibits`, a filing's exhibits match its form too
        (filter '8-K' keeps an '8-K EX-99.1')."""
        if b is None:
            return True
        a, b = (a or "").casefold(), b.casefold()
        return a == b or (exhibits and a.startswith(b + " "))

    start, end = date_number(filters.date_from), date_number(filters.date_to)
    out = set()
    for doc_id, meta in metas.items():
        if filters.doc_ids is not None and doc_id not in filters.doc_ids:
            continue
        if filters.company and not (meta.company and filters.company.casefold()
                                    in meta.company.casefold()):
            continue
        if not (same(meta.ticker, filters.ticker) and same(meta.form, filters.form, exhibits=True)):
            continue
        if start or end:
            date = date_number(meta.published or meta.filed)
            if date is None or (start and date < start) or (end and date > end):
                continue
        out.add(doc_id)
    return out


def to_passage(record: ChunkRecord, meta: DocMeta, rank: int, score: float) -> Passage:
    return Passage(
        rank=rank,
        score=round(score, 6),
        chunk_id=record.chunk_id,
        doc_id=record.doc_id,
        title=document_name(meta),
        source=meta.source,
        url=meta.url,
        page=record.page,
        printed_page=record.printed_page,
        section=record.section,
        company=meta.company,
        ticker=meta.ticker,
        form=meta.form,
        period=meta.period,
        published=meta.published,
        filed=meta.filed,
        start=record.start,
        end=record.end,
        text=record.text,
    )


def document_name(meta: DocMeta) -> str:
    """How a citation names its document: a filing as 'Apple Inc. 10-Q Q3 FY2023' (company, form
    and fiscal period, whatever its file is called), anything else by its title."""
    if meta.company and meta.form:
        return " ".join(p for p in (meta.company, meta.form, meta.period) if p)
    return meta.title
