"""Hybrid retrieval: fusion, filters on both sides, the LangChain retriever."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, Filters
from assistant.lc_retriever import DossierRetriever, document_passage
from assistant.retrieval import reciprocal_rank_fusion


@pytest.fixture
def two_companies(tmp_path: Path, assistant: Assistant) -> Assistant:
    (tmp_path / "apple.md").write_text(
        "# Apple quarterly note\n\nApple total net sales were $81,797 million in the quarter.\n"
        "\nApple faces supply chain risk in Asia.\n"
    )
    (tmp_path / "oracle.md").write_text(
        "# Oracle note\n\nOracle total revenues were $13,307 million in the quarter.\n"
        "\nOracle faces supply chain risk for hardware.\n"
    )
    for name, company, filed in (("apple.md", "Apple Inc.", "2023-08-04"),
                                 ("oracle.md", "Oracle Corporation", "2024-11-14")):
        report = assistant.ingest(tmp_path / name, progress=False, company=company, filed=filed)
        assert report.ok, report.failed
    return assistant


def test_rrf_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([(["a", "b", "c"], 1.0), (["b", "c", "a"], 1.0)], k=60)
    assert [cid for cid, _ in fused][0] == "b"
    weighted = reciprocal_rank_fusion([(["a", "b"], 1.0), (["b", "a"], 0.0)], k=60)
    assert weighted[0][0] == "a"


def test_company_filter_applies_to_dense_and_bm25(two_companies: Assistant) -> None:
    for fusion in ("dense", "bm25", "rrf"):
        two_companies.settings.retrieval.fusion = fusion
        passages = two_companies.search("supply chain risk", k=5, company="oracle")
        assert passages, fusion
        assert {p.company for p in passages} == {"Oracle Corporation"}, fusion


def test_date_filter(two_companies: Assistant) -> None:
    passages = two_companies.search("total net sales", k=5, date_from="2024-01-01")
    assert passages and all(p.filed and p.filed >= "2024-01-01" for p in passages)
    assert two_companies.search("total net sales", k=5, date_to="2020-01-01") == []


def test_unfiltered_search_ranks_the_matching_passage_first(two_companies: Assistant) -> None:
    passages = two_companies.search("Apple total net sales", k=3)
    assert "81,797" in passages[0].text
    assert passages[0].rank == 1 and passages[0].score >= passages[-1].score


def test_langchain_retriever(two_companies: Assistant) -> None:
    retriever = DossierRetriever.from_searcher(two_companies.searcher, k=2,
                                               filters=Filters(company="Apple"))
    docs = retriever.invoke("supply chain risk")
    assert docs and all(d.metadata["company"] == "Apple Inc." for d in docs)
    assert docs[0].id == docs[0].metadata["chunk_id"]
    passages = two_companies.searcher.search("supply chain risk", 2, Filters(company="Apple"))
    assert [document_passage(d) for d in docs] == passages  # the passages, round-tripped


def test_a_document_committed_during_a_search_is_read_not_a_crash(
    two_companies: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ingest may commit a document between the search reading the documents' metadata and
    reading the chunks it found: the search then reads the metadata again."""
    registry = two_companies.store.registry
    real = registry.metas
    stale = {d: m for d, m in real().items() if m.company != "Oracle Corporation"}
    calls = iter([stale])
    monkeypatch.setattr(registry, "metas", lambda: next(calls, None) or real())
    hits = two_companies.searcher.search("Oracle total revenues", k=4)
    assert any(p.company == "Oracle Corporation" for p in hits)
