"""Offline (extractive) answers: verbatim quotes, valid citations, and the cannot-answer sentence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import prompts
from assistant import Assistant
from assistant.answer.extractive import ANSWER_CHARS, display_quote, extractive_answer
from assistant.answer.terms import coverage, key_terms
from assistant.models import Passage
from assistant.question import read_question
from ingest.embeddings import LocalMiniLM

CANNOT = "I cannot answer this from the ingested sources."


@pytest.fixture
def alibaba(alibaba_store: Path, minilm: LocalMiniLM) -> Assistant:
    return Assistant(home=alibaba_store, embedder=minilm)


def test_cannot_answer_sentence_is_kept_in_prompts() -> None:
    assert prompts.cannot_answer() == CANNOT


def test_alibaba_investment_is_answered_with_the_380_billion_yuan_quote(alibaba: Assistant) -> None:
    answer = alibaba.ask("How much is Alibaba investing in AI and cloud infrastructure?")
    assert not answer.cannot_answer
    assert answer.mode == "extractive"
    assert "380 billion yuan" in answer.answer
    holding = [c for c in answer.citations if "380 billion yuan" in c.quote]
    assert holding, answer.citations
    assert f"[{holding[0].n}]" in answer.answer
    for citation in answer.citations:
        passage = next(p for p in answer.passages if p.chunk_id == citation.chunk_id)
        assert citation.quote in passage.text  # every quote verbatim in the passage it cites
        assert f"{display_quote(citation.quote)} [{citation.n}]" in answer.answer
    assert re.findall(r"\[(\d+)\]", answer.answer) == [str(c.n) for c in answer.citations]


def test_every_citation_number_resolves(alibaba: Assistant) -> None:
    answer = alibaba.ask("What risks does Alibaba face from regulation and geopolitics?")
    assert not answer.cannot_answer
    numbers = sorted(c.n for c in answer.citations)
    assert numbers == list(range(1, len(numbers) + 1))
    document_text = alibaba.store.registry.document_text(answer.citations[0].doc_id) or ""
    for citation in answer.citations:
        assert citation.quote in document_text


def test_question_the_sources_do_not_hold_gets_the_fixed_sentence(alibaba: Assistant) -> None:
    answer = alibaba.ask("What was Alibaba's dividend in 2019?")
    assert answer.cannot_answer
    assert answer.answer == CANNOT
    assert answer.citations == []


def test_empty_store_cannot_answer(assistant: Assistant) -> None:
    answer = assistant.ask("What were Apple's net sales?")
    assert answer.cannot_answer and answer.answer == CANNOT


def test_answer_json_contract(alibaba: Assistant) -> None:
    data = alibaba.ask("How much is Alibaba investing in AI and cloud infrastructure?").json_contract()
    # The contract's fields, which scripts rely on, are all there (later issues only add fields).
    assert {"answer", "cannot_answer", "mode", "citations", "claims", "summary", "scope"} <= set(data)
    assert data["mode"] == "extractive" and data["cannot_answer"] is False
    assert {"n", "chunk_id", "doc_id", "title", "source", "page", "section", "quote", "date"} <= set(
        data["citations"][0]  # type: ignore[index]
    )
    claims = data["claims"]
    assert isinstance(claims, list) and len(claims) == len(data["citations"])  # type: ignore[arg-type]
    plural = "" if len(claims) == 1 else "s"
    assert data["summary"] == f"{len(claims)} of {len(claims)} claim{plural} supported"


def test_answer_renders_its_sources_in_markdown(alibaba: Assistant) -> None:
    answer = alibaba.ask("How much is Alibaba investing in AI and cloud infrastructure?")
    markdown = answer._repr_markdown_()
    assert "**Sources**" in markdown
    assert f"[{answer.citations[0].n}]" in markdown
    assert answer.citations[0].title in markdown


def test_key_terms_drop_question_words_and_keep_numbers() -> None:
    assert key_terms("What was Alibaba's dividend in 2019?") == {"alibaba", "dividend", "2019"}
    assert coverage({"alibaba", "dividend", "2019"}, "Alibaba paid no dividend.") == pytest.approx(
        2 / 3
    )
    assert coverage({"regul"}, "U.S.-China regulatory friction") == 1.0  # prefix of a stem
    assert coverage({"ai"}, "air travel") == 0.0  # short stems match exactly only


# --- what is quoted, and in which order (assistant/answer/quotable.py) ------------------------------


def _passage(text: str, rank: int = 1, doc: str = "d1", title: str = "Notes") -> Passage:
    return Passage(rank=rank, score=1.0 / rank, chunk_id=f"{doc}-{rank}", doc_id=doc, title=title,
                   source=f"/notes/{doc}.md", company="Harbor Logistics", text=text, end=len(text))


def test_a_note_whose_first_line_is_its_only_sentence_is_answered(assistant: Assistant,
                                                                   tmp_path: Path) -> None:
    note = tmp_path / "harbor.md"
    note.write_text("Harbor Logistics moved 5,120 pallets in May.\n", encoding="utf-8")
    assert assistant.ingest([note], progress=False).ok
    answer = assistant.ask("How many pallets did Harbor Logistics move in May?")
    assert not answer.cannot_answer
    assert answer.answer == "Harbor Logistics moved 5,120 pallets in May. [1]"


def test_a_markdown_title_is_still_not_quoted(minilm: LocalMiniLM) -> None:
    text = "# Harbor Logistics pallets moved in May\n\nHarbor Logistics moved 5,120 pallets in May."
    passage = _passage(text, title="Harbor Logistics pallets moved in May")
    answer = extractive_answer(read_question("How many pallets did Harbor Logistics move in May?"),
                               [passage], minilm)
    assert [c.quote for c in answer.citations] == ["Harbor Logistics moved 5,120 pallets in May."]


def test_the_answering_sentence_leads(minilm: LocalMiniLM) -> None:
    text = ("Harbor Logistics opened a new depot in Ohio in March. Harbor Logistics hired 40 "
            "drivers for its depots in April. Harbor Logistics moved 5,120 pallets in May.")
    answer = extractive_answer(read_question("How many pallets did Harbor Logistics move in May?"),
                               [_passage(text)], minilm)
    assert answer.citations[0].quote == "Harbor Logistics moved 5,120 pallets in May."
    assert answer.answer.startswith("Harbor Logistics moved 5,120 pallets in May. [1]")


def test_the_table_row_of_the_period_asked_comes_first(minilm: LocalMiniLM) -> None:
    table = "| | {0} | {1} |\n|---|---|---|\n| Total pallets moved by Harbor Logistics | {2} | {3} |"
    older = _passage(table.format(2021, 2020, "4,870", "4,410"), rank=1, doc="fy2021")
    asked = _passage(table.format(2023, 2022, "5,120", "5,004"), rank=2, doc="fy2023")
    question = read_question("How many pallets did Harbor Logistics move in 2023?")
    answer = extractive_answer(question, [older, asked], minilm)
    assert "5,120" in answer.citations[0].quote, answer.answer
    assert answer.citations[0].doc_id == "fy2023"


def test_fragments_and_page_furniture_are_never_quoted(minilm: LocalMiniLM) -> None:
    text = ("Harbor Logistics | Annual Report 2023 | 14\n"
            "Annual Report on Form 10-K\n"
            "Harbor Logistics moved 5,120 pallets in May, more than in any month\n"
            "Before. Pallet volumes in May rose because two new depots opened.\n"
            "Harbor Logistics expects to move more pallets in June because of")
    answer = extractive_answer(read_question("How many pallets did Harbor Logistics move in May?"),
                               [_passage(text)], minilm)
    quotes = [c.quote for c in answer.citations]
    assert quotes[0] == ("Harbor Logistics moved 5,120 pallets in May, more than in any month\n"
                         "Before.")  # joined across the line break, not cut at it
    assert all(q.endswith(".") for q in quotes), quotes
    assert not any("Form 10-K" in q or "| 14" in q for q in quotes), quotes


def test_the_answer_stays_short(minilm: LocalMiniLM) -> None:
    sentence = ("Harbor Logistics moved {} pallets through its {} depot in May, according to the "
                "monthly operations summary prepared for the board of directors.")
    places = ["Ohio", "Texas", "Utah", "Iowa", "Maine", "Idaho", "Kansas", "Oregon"]
    text = " ".join(sentence.format(f"{n},120", place) for n, place in enumerate(places, start=1))
    answer = extractive_answer(read_question("How many pallets did Harbor Logistics move in May?"),
                               [_passage(text)], minilm, max_sentences=8)
    assert len(answer.citations) > 1
    assert sum(len(c.quote) for c in answer.citations) <= ANSWER_CHARS
