"""Comparisons answered side by side (assistant/comparison.py): which questions are split and how,
and the parts answered through `Assistant.ask` over Apple's 10-Q and Buckle's earnings release,
each in its own scope, citations numbered on across parts, a missing part said to be missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.comparison import comparison_parts, part_question
from assistant.models import Answer
from assistant.question import read_question
from assistant.ui import render
from ingest.documents import DocMeta
from ingest.embeddings import LocalMiniLM

METAS = {"a": DocMeta(company="Apple Inc.", ticker="AAPL"),
         "b": DocMeta(company="BUCKLE, INC", ticker="BKE")}


def parts(question: str) -> list[tuple[str, str, bool]] | None:
    found = comparison_parts(read_question(question, METAS.values()), METAS)
    return None if found is None else [(p.label, p.text, p.stored) for p in found]


@pytest.mark.parametrize(("question", "expected"), [
    ("Compare Buckle's and Nordstrom's results.",
     [("Buckle", "results, Buckle", True), ("Nordstrom", "results, Nordstrom", False)]),
    ("Compare Apple and Buckle net sales in 2023",
     [("Apple", "net sales, Apple, 2023", True), ("Buckle", "net sales, Buckle, 2023", True)]),
    ("How do AAPL's and Microsoft's margins compare?",
     [("AAPL", "margins, AAPL", True), ("Microsoft", "margins, Microsoft", False)]),
    ("Apple's net sales in Q3 2023 vs Q3 2022",
     [("Q3 2023", "net sales, Apple, Q3 2023", True), ("Q3 2022", "net sales, Apple, Q3 2022", True)]),
])
def test_a_question_naming_two_companies_or_periods_is_split(
        question: str, expected: list[tuple[str, str, bool]]) -> None:
    assert parts(question) == expected


@pytest.mark.parametrize("question", [
    "What were Apple's total net sales in the third quarter of fiscal 2023?",
    "What were Apple's iPhone and Mac net sales in Q3 2023?",  # products of one company
    "Apple and AAPL net sales",                                 # one company, two spellings
    "How did Apple's operating expenses for Q1 2023 compare to its revenue for the same quarter?",
    # one figure computed over two years (a question's own definition): not a part per year
    "What is the FY2019 fixed asset turnover ratio for Apple? Fixed asset turnover ratio is "
    "defined as: FY2019 revenue / (average PP&E between FY2018 and FY2019).",
    "What is Apple's revenue growth from FY2022 to FY2023?",
])
def test_a_question_about_one_company_and_period_is_not_split(question: str) -> None:
    assert parts(question) is None


def test_inside_a_companys_documents_its_name_is_no_evidence() -> None:
    part = part_question(read_question("results, Buckle", METAS.values()))
    assert part.key_terms == {"result"}


# --- through the assistant ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def store(apple_buckle_store: Path, minilm: LocalMiniLM) -> Iterator[Assistant]:
    with Assistant(home=apple_buckle_store, embedder=minilm, llm={"model": None}) as a:
        yield a


def _company(store: Assistant, word: str) -> str:
    """The stored name of the company whose name has `word` in it."""
    return next(m.company for m in store.store.registry.metas().values()
                if m.company and word in m.company.lower())


def _numbered_on(answer: Answer) -> None:
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    cited = [n for part in answer.parts for n in part.citations]
    assert sorted(set(cited)) == [c.n for c in answer.citations]


def test_a_company_the_store_lacks_is_said_to_be_missing(store: Assistant) -> None:
    answer = store.ask("Compare Buckle's and Nordstrom's net sales.")
    buckle, nordstrom = answer.parts
    assert (buckle.label, buckle.covered, nordstrom.label, nordstrom.covered) == (
        "Buckle", True, "Nordstrom", False)
    stored = _company(store, "buckle")
    assert buckle.citations and stored in (buckle.scope or "")
    assert {store.store.registry.metas()[c.doc_id].company for c in answer.citations} == {stored}
    assert "293.6 million" in buckle.answer  # the quarter's net sales
    assert nordstrom.answer == "not in the sources — the store holds no documents of Nordstrom."
    assert not answer.cannot_answer
    assert answer.answer.startswith("Buckle: ") and "\n\nNordstrom: not in the sources" in answer.answer
    _numbered_on(answer)
    assert answer.json_contract()["parts"] == [p.model_dump() for p in answer.parts]


def test_two_stored_companies_each_answered_from_their_own_documents(store: Assistant) -> None:
    answer = store.ask("Compare Apple's and Buckle's net sales.")
    metas = store.store.registry.metas()
    assert [p.label for p in answer.parts] == ["Apple", "Buckle"]
    for part, company in zip(answer.parts, (_company(store, "apple"), _company(store, "buckle")),
                             strict=True):
        assert part.covered and part.citations
        assert {metas[c.doc_id].company for c in answer.citations if c.n in part.citations} == {company}
    _numbered_on(answer)
    assert answer.parts[1].citations[0] == len(answer.parts[0].citations) + 1


def test_a_company_whose_documents_do_not_answer_says_what_was_searched(store: Assistant) -> None:
    answer = store.ask("Compare Apple's and Buckle's iPhone revenue.")
    assert [(p.label, p.covered) for p in answer.parts] == [("Apple", True), ("Buckle", False)]
    assert answer.parts[1].answer == f"not in the sources — searched only {answer.parts[1].scope}."
    assert _company(store, "buckle") in (answer.parts[1].scope or "")


def test_a_part_the_filters_leave_out_says_so(store: Assistant) -> None:
    apple_only = [d for d, m in store.store.registry.metas().items() if m.company == _company(store, "apple")]
    answer = store.ask("Compare Apple's and Buckle's net sales.", doc_ids=apple_only)
    assert [(p.label, p.covered) for p in answer.parts] == [("Apple", True), ("Buckle", False)]
    assert answer.parts[1].answer == "not in the sources — searched only the documents the filters allow."


def test_two_periods_share_a_passage_under_one_number(store: Assistant) -> None:
    answer = store.ask("Apple's net sales in Q3 2023 vs Q3 2022")
    assert [p.label for p in answer.parts] == ["Q3 2023", "Q3 2022"]
    assert all(p.covered for p in answer.parts)
    _numbered_on(answer)
    assert len({(c.chunk_id, c.quote) for c in answer.citations}) == len(answer.citations)


def test_the_chat_shows_each_part_under_its_label(store: Assistant) -> None:
    answer = store.ask("Compare Buckle's and Nordstrom's net sales.")
    html = render.answer_markdown(answer, turn=3)
    assert html.count('class="answer-part') == 2
    assert '<strong class="part-label">Nordstrom</strong>' in html
    assert "Not in the sources — the store holds no documents of Nordstrom." in html
    assert all(f'href="#src-3-{c.n}"' in html for c in answer.citations)


def test_a_single_question_has_no_parts(store: Assistant) -> None:
    answer = store.ask("What were Apple's total net sales in the third quarter of fiscal 2023?")
    assert answer.parts == [] and answer.json_contract()["parts"] == []
