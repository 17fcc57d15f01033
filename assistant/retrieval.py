"""Hybrid search: dense (Chroma) and BM25 (SQLite FTS5), fused by reciprocal rank, with filters;
results are places (pages), not chunks.

Filters are resolved once against the registry into a set of documents and applied on both sides
(an exact dense search over their vectors, the same documents in the FTS5 query), so both rankings
see the same candidates.

A question that names a statement or a metric (`Question.statements`, from the finance
vocabulary) is also searched among the chunks labelled with those statements at ingest
(ingest/statements.py), inside the document its own ranking put first, as more rankings in the
fusion: "capex" brings up that filing's cash-flow statement, whose chunks then rank twice, and
BM25 looks there for the names filings give the metric's line items ("Purchases of property,
plant and equipment"). Candidates are then grouped by page (the chunks of one page can add up:
`page_decay`, off by default, as measured), and the top k are k distinct pages, each shown by
its best chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from assistant.models import Filters, Passage
from assistant.question import Question
from ingest.chroma_client import date_number
from ingest.documents import DocMeta
from ingest.registry import ChunkRecord
from ingest.store import Store


@dataclass(eq=False)
class HybridSearcher:
    """Hybrid search over a store, with its ranking settings."""

    store: Store
    _: KW_ONLY
    fusion: str = "rrf"
    rrf_k: int = 60
    bm25_weight: float = 1.0
    candidates: int = 40
    statement_weight: float = 1.0
    page_results: bool = True
    page_decay: float = 0.0
    scoped_fusion: str | None = None  # the fusion inside a scope or filter; None: `fusion`

    def search(self, query: Question | str, k: int = 8, filters: Filters | None = None,
               siblings: int = 0) -> list[Passage]:
        """The k best places (pages; chunks where a document has none) for a question (its
        `search_text`) or a plain text, each shown by its best chunk. `siblings`: after those
        k, up to this many more candidate chunks of each of their pages, for an answerer (a
        page's best chunk for the question need not be the one holding the answer's row)."""
        question = query if isinstance(query, Question) else Question(query)
        metas = self.store.registry.metas()
        doc_ids = matching_documents(metas, filters) if filters and not filters.is_empty() else None
        if doc_ids is not None and not doc_ids:
            return []
        places = self._places(question, max(self.candidates, k), doc_ids, k)
        passages: list[Passage] = []
        shown: list[Place] = []
        for place in places:
            record = place.best
            if record.doc_id not in metas:  # committed by a running ingest since metas were read
                metas = self.store.registry.metas()
                if record.doc_id not in metas:
                    continue
            passages.append(to_passage(record, metas[record.doc_id], len(passages) + 1, place.score))
            shown.append(place)
            if len(passages) == k:
                break
        # a sibling is a chunk that ranks with the places shown: as high as the weakest of
        # their best chunks (so it would have been among the top k had results been chunks)
        floor = min((p.best_score for p in shown), default=0.0)
        for place in shown:
            for score, record in place.others[:siblings]:
                if score >= floor:
                    passages.append(to_passage(record, metas[record.doc_id], len(passages) + 1, score))
        return passages

    def _places(self, question: Question, pool: int, doc_ids: set[str] | None,
                k: int) -> list[Place]:
        """The question's own ranking, by place; then, where it needs statements, each of the
        top documents' places reordered with its statements' chunks ranked in (see
        `_statement_rankings`): the vocabulary picks the page within a document, never the
        document, so the documents keep the slots the question's own ranking gave them."""
        text = question.search_text
        decay = self.page_decay if self.page_results else None
        rankings, vector, dense_scores = self._rankings(text, pool, doc_ids)
        if len(rankings) == 1 and dense_scores:
            scored = dense_scores  # dense alone: the cosine similarity is the score
        else:
            scored = dict(reciprocal_rank_fusion(rankings, self.rrf_k))
        records = self.store.registry.chunks_by_id(scored)
        places = group_places(scored, records, decay)
        if not (self.statement_weight > 0 and question.statements and places):
            return places
        slots = [p.best.doc_id for p in places[:max(k, 1)]]
        # paged documents (filings as PDFs): the statement's pages; a document without pages
        # keeps its own order (its prose answer, not its statement table, on Buckle's release)
        paged = {p.best.doc_id for p in places[:max(k, 1)] if p.best.page is not None}
        if not paged:
            return places
        extra = self._statement_rankings(question, text, pool, paged, vector)
        if not any(ids for ids, _ in extra):
            return places
        boosted = dict(reciprocal_rank_fusion(rankings + extra, self.rrf_k))
        records.update(self.store.registry.chunks_by_id(c for c in boosted if c not in records))
        queues: dict[str, list[Place]] = {}
        for place in group_places(boosted, records, decay):
            queues.setdefault(place.best.doc_id, []).append(place)
        reordered = [queues[doc].pop(0) for doc in slots if queues.get(doc)]
        shown = {p.key for p in reordered}
        return reordered + [p for p in places[len(slots):] if p.key not in shown]

    def _rankings(self, text: str, pool: int, doc_ids: set[str] | None
                  ) -> tuple[list[tuple[list[str], float]], Any, dict[str, float]]:
        """The question's own rankings (dense, BM25 or both, as the fusion says), the query
        vector (None without dense) and the dense scores."""
        fusion = (self.scoped_fusion or self.fusion) if doc_ids is not None else self.fusion
        rankings: list[tuple[list[str], float]] = []
        dense_scores: dict[str, float] = {}
        vector = None
        if fusion in ("rrf", "dense"):
            vector = self.store.embedder.embed([text])[0]
            dense = (self.store.dense_search(vector, pool) if doc_ids is None
                     else self.store.dense_search_in(vector, pool, doc_ids))
            dense_scores = dict(dense)
            rankings.append(([cid for cid, _ in dense], 1.0))
        if fusion in ("rrf", "bm25"):
            hits = self.store.lexical().search(text, pool, doc_ids)
            rankings.append(([cid for cid, _ in hits], self.bm25_weight))
        return rankings, vector, (dense_scores if fusion == "dense" else {})

    def _statement_rankings(self, question: Question, text: str, pool: int, docs: set[str],
                            vector: Any) -> list[tuple[list[str], float]]:
        """The chunks of the statements the question needs, in `docs` (the top documents), by
        the same vector and by BM25 with the line items' names added ("Purchases of property,
        plant and equipment" for capex). Ranked in across documents, they pulled up every
        company's (or quarter's) statement of that kind (TAT-QA dev doc hit@1 0.420 -> 0.370,
        financebench_dev 0.826 -> 0.696; docs/evaluation.md), hence the slots in `_places`."""
        statements = list(question.statements)
        out: list[tuple[list[str], float]] = []
        if vector is not None:
            where = {"$and": [{"doc_id": {"$in": sorted(docs)}}, {"statement": {"$in": statements}}]}
            out.append(([cid for cid, _ in self.store.dense_search(vector, pool, where)],
                        self.statement_weight))
        if vector is None or question.line_items:
            labelled = self.store.registry.chunk_ids_with_statement(statements, docs)
            if labelled:  # BM25 among the documents' statement chunks (FTS5 filters by document)
                query = " ".join((text, *question.line_items))
                hits = self.store.lexical().search(query, len(labelled) + pool, docs)
                out.append(([cid for cid, _ in hits if cid in labelled][:pool], self.statement_weight))
        return out


@dataclass
class Place:
    """One page of a document (or one chunk, where the document has no pages) in the results:
    its best chunk and its score, which its other chunks among the candidates add to."""

    best: ChunkRecord
    score: float
    best_score: float = 0.0  # its best chunk's own score
    others: list[tuple[float, ChunkRecord]] = field(default_factory=list)  # the page's other candidates

    @property
    def key(self) -> tuple[str, int] | str:
        """The page (document and page number), or the chunk where there is no page."""
        return (self.best.doc_id, self.best.page) if self.best.page is not None else self.best.chunk_id


def group_places(scored: dict[str, float], records: dict[str, ChunkRecord],
                 decay: float | None) -> list[Place]:
    """Candidates grouped by page, best first: a page scores its best chunk's score plus `decay`
    times its second's, `decay`² times its third's..., so several chunks of one page add up
    while one strong chunk still outranks many weak ones. `decay` None: every chunk on its own."""
    by_place: dict[tuple[str, int] | str, list[tuple[float, ChunkRecord]]] = {}
    for cid, score in scored.items():
        record = records.get(cid)
        if record is None:  # in Chroma but not (or no longer) in the registry: ignore
            continue
        key = (record.doc_id, record.page) if decay is not None and record.page is not None else cid
        by_place.setdefault(key, []).append((score, record))
    places = []
    for members in by_place.values():
        members.sort(key=lambda m: m[0], reverse=True)
        total = sum(score * (decay or 0.0) ** i for i, (score, _) in enumerate(members))
        places.append(Place(best=members[0][1], score=total, best_score=members[0][0],
                            others=members[1:]))
    places.sort(key=lambda p: p.score, reverse=True)
    return places


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
        statement=record.statement,
    )


def document_name(meta: DocMeta) -> str:
    """How a citation names its document: a filing as 'Apple Inc. 10-Q Q3 FY2023' (company, form
    and fiscal period, whatever its file is called), anything else by its title."""
    if meta.company and meta.form:
        return " ".join(p for p in (meta.company, meta.form, meta.period) if p)
    return meta.title
