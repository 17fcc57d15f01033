"""Filing scope: questions resolved to the companies, forms and fiscal periods in the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from assistant.question import read_question
from assistant.scope import Scope, resolve_scope
from ingest.documents import DocMeta
from ingest.fiscal import calendar_quarter, fill_fiscal_period, infer_fiscal_period

FIXTURES = Path(__file__).parent / "fixtures"


def _filing(company: str, ticker: str, form: str, period: str, end: str) -> DocMeta:
    return DocMeta(title=f"{ticker} {period}", company=company, ticker=ticker, form=form,
                   period=period, period_end=end)


# The Docugami layout in miniature: Apple's fiscal year ends in September, Amazon's in December,
# Microsoft's in June.
METAS = {
    "aapl-q1": _filing("Apple Inc.", "AAPL", "10-Q", "Q1 FY2023", "2022-12-31"),
    "aapl-q2": _filing("Apple Inc.", "AAPL", "10-Q", "Q2 FY2023", "2023-04-01"),
    "aapl-q3": _filing("Apple Inc.", "AAPL", "10-Q", "Q3 FY2023", "2023-07-01"),
    "aapl-k": _filing("Apple Inc.", "AAPL", "10-K", "FY2023", "2023-09-30"),
    "amzn-q1": _filing("Amazon.com, Inc.", "AMZN", "10-Q", "Q1 FY2023", "2023-03-31"),
    "amzn-q3": _filing("Amazon.com, Inc.", "AMZN", "10-Q", "Q3 FY2023", "2023-09-30"),
    "msft-q3": _filing("Microsoft Corporation", "MSFT", "10-Q", "Q3 FY2023", "2023-03-31"),
    "news": DocMeta(title="Alibaba to invest", company="Alibaba Group Holding Limited",
                    ticker="BABA", published="2025-02-24"),
}


def _scope(question: str, metas: dict[str, DocMeta] = METAS,
           today: dt.date | None = None) -> Scope | None:
    return resolve_scope(read_question(question, metas.values(), today), metas)


def _docs(question: str) -> list[str] | None:
    scope = _scope(question)
    return None if scope is None else scope.doc_ids


def test_no_named_company_form_or_period_searches_everything() -> None:
    assert _scope("What are the main risks of AI regulation?") is None


def test_company_by_name_possessive_and_ticker() -> None:
    assert _docs("How has Apple's total net sales changed over time?") == [
        "aapl-k", "aapl-q1", "aapl-q2", "aapl-q3"]
    assert _docs("What did AMZN report about AWS?") == ["amzn-q1", "amzn-q3"]
    assert _docs("Is Alibaba investing in AI?") == ["news"]


def test_a_quarter_matches_the_fiscal_label_and_the_calendar_quarter() -> None:
    # Apple's fiscal Q1 2023 ended 2022-12-31; its quarter ended 2023-04-01 is calendar Q1 2023.
    assert _docs("What was Apple's gross margin in Q1 2023?") == ["aapl-q1", "aapl-q2"]
    # Saying "fiscal" keeps the fiscal reading only.
    assert _docs("Apple gross margin in the first quarter of fiscal 2023") == ["aapl-q1"]
    assert _docs("In Amazon's Q3 2023 10-Q, what was operating income?") == ["amzn-q3"]
    assert _docs("Microsoft Q3 FY23 revenue") == ["msft-q3"]


def test_form_and_fiscal_year() -> None:
    assert _docs("What did Apple say about supply-chain risk in its FY2023 10-K?") == ["aapl-k"]
    scope = _scope("Apple's FY2023 10-K risk factors")
    assert scope is not None and scope.describe() == "Apple Inc. · 10-K · FY2023 (1 document)"


def test_latest_filing_per_company() -> None:
    assert _docs("What was Amazon's gross margin in the most recent 10-Q filing?") == ["amzn-q3"]
    assert _docs("In Apple's latest 10-Q, what were net sales?") == ["aapl-q3"]


def test_a_period_the_store_lacks_is_dropped_with_a_note() -> None:
    scope = _scope("Apple's revenue in Q2 2019")
    assert scope is not None
    assert scope.doc_ids == ["aapl-k", "aapl-q1", "aapl-q2", "aapl-q3"]
    assert scope.note is not None and "Q2 2019" in scope.note


def test_explicit_filters_win_over_the_scope(tmp_path: Path, minilm: object) -> None:
    from assistant import Assistant

    with Assistant(home=tmp_path, embedder=minilm) as a:  # type: ignore[arg-type]
        a.ingest([FIXTURES / "AAPL_10-Q_2023-Q2.pdf", FIXTURES / "alibaba-ai-investment-2025.txt"],
                 progress=False)
        scoped = a.search("Apple iPhone net sales in Q2 2023", k=5)
        assert scoped.scope is not None and scoped.scope.companies == ["Apple Inc."]
        assert {p.company for p in scoped} == {"Apple Inc."}
        assert scoped[0].title.startswith("Apple Inc. 10-Q Q2 FY2023")
        explicit = a.search("Apple iPhone net sales in Q2 2023", k=5,
                            doc_ids=[p.doc_id for p in a.search("Alibaba cloud", k=1)])
        assert explicit.scope is None and {p.company for p in explicit} != {"Apple Inc."}
        answer = a.ask("What were Apple's iPhone net sales in the second quarter of fiscal 2023?")
        assert answer.scope is not None and "Q2 FY2023" in answer.scope


# fiscal periods read from a filing's text -------------------------------------------------------
def test_fiscal_period_from_a_real_10q_pdf() -> None:
    pdf = pdfium.PdfDocument(FIXTURES / "AAPL_10-Q_2023-Q2.pdf")
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    found = infer_fiscal_period(text)
    assert found is not None
    assert (found.end, found.label) == (dt.date(2023, 4, 1), "Q2 FY2023")
    meta = DocMeta(form="10-Q")
    fill_fiscal_period(meta, text)
    assert (meta.period, meta.period_end) == ("Q2 FY2023", "2023-04-01")


@pytest.mark.parametrize(
    ("cover", "year_end", "label"),
    [
        # Microsoft: fiscal year ends June 30, so the December quarter is Q2 of the next year.
        ("For the Quarterly Period Ended December 31, 2022", "June 30, 2022", "Q2 FY2023"),
        # NVIDIA: a year ending late January is named by the year it ends in.
        ("For the quarterly period ended April 30, 2023", "January 29, 2023", "Q1 FY2024"),
        # Amazon: calendar year.
        ("For the quarterly period ended September 30, 2023", "December 31, 2022", "Q3 FY2023"),
    ],
)
def test_fiscal_quarter_from_the_balance_sheet_comparison(cover: str, year_end: str, label: str) -> None:
    body = f"{cover}\n" + f"Balance sheet {year_end} total assets\n" * 5 + "March 3, 2019\n"
    found = infer_fiscal_period(body)
    assert found is not None and found.label == label


def test_annual_report_and_unreadable_text() -> None:
    found = infer_fiscal_period("Annual report for the fiscal year ended September 28, 2024")
    assert found is not None and found.label == "FY2024" and found.quarter is None
    assert infer_fiscal_period("A press release with no period") is None
    meta = DocMeta(form="8-K", period="2024-11-22")
    fill_fiscal_period(meta, "For the quarterly period ended June 30, 2024")
    assert meta.period == "2024-11-22" and meta.period_end is None  # 8-Ks keep their report date


def test_calendar_quarter_of_52_53_week_period_ends() -> None:
    assert calendar_quarter(dt.date(2023, 4, 1)) == (2023, 1)
    assert calendar_quarter(dt.date(2023, 4, 30)) == (2023, 1)
    assert calendar_quarter(dt.date(2022, 12, 31)) == (2022, 4)
    assert calendar_quarter(dt.date(2023, 1, 1)) == (2022, 4)


def test_dates_the_question_gives_restrict_by_publication_or_period_end() -> None:
    today = dt.date(2025, 6, 1)
    scope = _scope("News about Alibaba since March 2025?", METAS, today)
    assert scope is not None and scope.doc_ids == ["news"]
    since_may = _scope("Alibaba news since May 2025", METAS, today)
    assert since_may is not None and "nothing dated" in (since_may.note or "")
    scope = _scope("What did Apple report between January 2023 and June 2023?", METAS, today)
    assert scope is not None and scope.doc_ids == ["aapl-q2"]


def test_latest_keeps_articles_and_the_newest_filing_of_each_form() -> None:
    metas = {**METAS, "aapl-news": DocMeta(title="Apple news", company="Apple Inc.",
                                           published="2023-08-01")}
    scope = _scope("What is the latest report on Apple?", metas)
    assert scope is not None and scope.doc_ids == ["aapl-k", "aapl-news", "aapl-q3"]


def test_the_scoped_query_drops_the_company_names_it_is_restricted_to() -> None:
    scope = _scope("What was Amazon.com, Inc.'s operating income in Q3 2023?")
    assert scope is not None and scope.query == "What was operating income in Q3 2023?"
    scope = _scope("In AAPL's latest 10-Q, what were iPhone net sales?")
    assert scope is not None and scope.query == "In latest 10-Q, what were iPhone net sales?"
    # too little left to search with: the question is searched as asked
    scope = _scope("How did Apple do?")
    assert scope is not None and scope.query is None
    # or, by the setting, the name stays (statement pages repeat it in their heads)
    kept = resolve_scope(read_question("What was Amazon.com, Inc.'s operating income in Q3 2023?",
                                       METAS.values()), METAS, strip_names=False)
    assert kept is not None and kept.query is None


def test_cover_set_with_non_breaking_spaces_gives_the_fiscal_year() -> None:
    """PDFium gives some covers' spaces as U+00A0 ('For the fiscal year ended January 28, 2017')."""
    cover = "FORM\xa010-K\nFor\xa0the\xa0fiscal\xa0year\xa0ended\xa0January\xa028,\xa02017\nOR"
    found = infer_fiscal_period(cover)
    assert found is not None and (found.label, found.end) == ("FY2017", dt.date(2017, 1, 28))
