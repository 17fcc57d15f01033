"""Follow-ups rewritten to stand alone (assistant/followup.py): the rule on typed questions, and
"And iPhone?" answered with the iPhone figure from Apple's 10-Q through `Assistant.ask`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.followup import question_names, rewrite_followup, subject_of
from assistant.question import read_question
from ingest.documents import DocMeta
from ingest.embeddings import LocalMiniLM
from ingest.loaders.pdf_furniture import is_furniture_line

METAS = [DocMeta(company="Apple Inc.", ticker="AAPL"), DocMeta(company="BUCKLE, INC", ticker="BKE"),
         DocMeta(company="Oracle Corporation", ticker="ORCL")]
NET_SALES = "What were Apple's total net sales in the third quarter of fiscal 2023?"
ALIBABA = "How much is Alibaba investing in AI and cloud infrastructure?"


def followup(question: str, previous: str | None,
             mentioned: Callable[[str], bool] | None = None) -> str:
    return rewrite_followup(read_question(question, METAS),
                            read_question(previous, METAS) if previous else None, mentioned)


def test_the_previous_questions_subject_is_its_topic_company_and_period() -> None:
    subject = subject_of(read_question(NET_SALES, METAS))
    assert (subject.topic, subject.companies, subject.period) == (
        "total net sales", ("Apple",), "Q3 FY2023")
    assert subject_of(read_question("iPhone net sales, Apple, Q3 FY2023", METAS)).topic == (
        "iPhone net sales")


@pytest.mark.parametrize(("question", "expected"), [
    ("And iPhone?", "iPhone net sales, Apple, Q3 FY2023"),         # a thing measured: same metric
    ("iPhone?", "iPhone net sales, Apple, Q3 FY2023"),              # a bare fragment
    ("and in 2022?", "total net sales, Apple, Q3 FY2022"),          # a year alone keeps the quarter
    ("And for fiscal 2021?", "total net sales, Apple, Q3 FY2021"),
    ("What about Q2?", "total net sales, Apple, Q2 FY2023"),        # a quarter alone keeps the year
    ("And the second quarter?", "total net sales, Apple, Q2 FY2023"),
    ("What about operating income?", "operating income, Apple, Q3 FY2023"),  # its own metric
    ("And margins?", "margins, Apple, Q3 FY2023"),                  # a measure word of one
    ("same for Oracle", "total net sales, Oracle, Q3 FY2023"),      # a stored company
    ("How about BUCKLE in Q2 2023?", "total net sales, BUCKLE, Q2 2023"),
    ("What was the dividend in 2019?", "About Apple: what was the dividend in 2019?"),  # not elliptical
])
def test_an_elliptical_follow_up_takes_the_previous_subject(question: str, expected: str) -> None:
    assert followup(question, NET_SALES) == expected


def test_a_name_the_previous_companys_documents_never_mention_is_another_company() -> None:
    def apple_mentions(name: str) -> bool:
        return name in {"Mac", "iPhone"}

    assert followup("same for Microsoft", NET_SALES, apple_mentions) == (
        "total net sales, Microsoft, Q3 FY2023")
    assert followup("What about Mac?", NET_SALES, apple_mentions) == "Mac net sales, Apple, Q3 FY2023"
    assert followup("Microsoft?", NET_SALES, apple_mentions) == "total net sales, Microsoft, Q3 FY2023"
    assert followup("Mac?", NET_SALES, apple_mentions) == "Mac net sales, Apple, Q3 FY2023"
    assert followup("What about Mac?", NET_SALES) == "What about Mac?"  # without the documents: unsure


def test_follow_ups_chain_on_the_question_as_searched() -> None:
    first = followup("And iPhone?", NET_SALES)
    assert followup("and in 2022?", first) == "iPhone net sales, Apple, Q3 FY2022"
    assert followup("And free cash flow?", first) == "free cash flow, Apple, Q3 FY2023"


def test_names_carry_on_where_the_store_lists_no_company() -> None:
    assert followup("What about free cash flow?", ALIBABA) == "free cash flow, Alibaba"
    assert followup("What was the dividend in 2019?", ALIBABA) == (
        "About Alibaba: what was the dividend in 2019?")
    assert question_names(read_question("What were The Buckle's comparable store sales?")) == ["Buckle"]


@pytest.mark.parametrize(("question", "previous"), [
    ("What about Nordstrom?", ALIBABA),          # a name that may be a company or a product
    ("Apple's margin?", ALIBABA),                # names its own company
    ("Which risks does the annual report describe for the supply chain and for the "
     "manufacturing partners?", ALIBABA),        # long: stands alone
    ("What about free cash flow?", None),        # nothing before it
    ("What about margins?", "what is the total?"),  # nothing to carry: no company, no period
])
def test_a_question_that_stands_alone_is_asked_as_typed(question: str, previous: str | None) -> None:
    assert followup(question, previous) == question


# --- through the assistant, on Apple's 10-Q ---------------------------------------------------------

@pytest.fixture(scope="module")
def apple(apple_buckle_store: Path, minilm: LocalMiniLM) -> Iterator[Assistant]:
    with Assistant(home=apple_buckle_store, embedder=minilm, llm={"model": None}) as a:
        yield a


def test_and_iphone_is_answered_with_the_iphone_figure(apple: Assistant) -> None:
    answer = apple.ask("And iPhone?", previous=NET_SALES)
    assert answer.question == "And iPhone?"
    assert answer.searched == "iPhone net sales, Apple, Q3 FY2023"
    assert answer.scope and "Apple Inc." in answer.scope and "Q3 FY2023" in answer.scope
    assert not answer.cannot_answer
    assert "39,669" in answer.answer  # iPhone net sales, three months ended July 1, 2023 ($M)
    assert all("iPhone" in c.quote for c in answer.citations)
    assert not any(is_furniture_line(c.quote) for c in answer.citations)
    assert "Searched as: iPhone net sales, Apple, Q3 FY2023" in str(answer)


def test_without_a_previous_question_the_follow_up_is_asked_as_typed(apple: Assistant) -> None:
    answer = apple.ask("And iPhone?")
    assert answer.searched is None and answer.question == "And iPhone?"


def test_a_question_that_stands_alone_is_not_rewritten(apple: Assistant) -> None:
    question = "What were Apple's iPhone net sales in the third quarter of fiscal 2023?"
    assert apple.follow_up(question, NET_SALES).text == question
    assert apple.ask(question, previous=NET_SALES).searched is None
