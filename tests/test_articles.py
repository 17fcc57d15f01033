"""News articles as first-class documents: clean text and metadata, companies, the article's own
reference list. Only tests/fixtures is read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant import Assistant
from ingest.companies import build_list, find_companies, sec_companies
from ingest.documents import Document
from ingest.embeddings import LocalMiniLM
from ingest.loaders import load_source
from ingest.loaders.text import load_markdown, load_text
from ingest.references import cited_sources, markers, parse_references, sources_for
from tests.helpers import word_f1

FIXTURES = Path(__file__).parent / "fixtures"
ALIBABA = FIXTURES / "alibaba-ai-investment-2025.txt"


# clean text and metadata ----------------------------------------------------------------------
def test_trailing_furniture_box_is_dropped_and_f1_reaches_the_bar() -> None:
    doc = load_source(str(FIXTURES / "newspaper_reuters.com1.html"))
    expected = (FIXTURES / "newspaper_reuters.com1.expected.txt").read_text(encoding="utf-8")
    assert "Trending On Reuters" not in doc.text
    assert "Full Article" not in doc.text  # the teaser under that box
    assert doc.text.rstrip().endswith("(Reporting by Indulal PM; Editing by Sunil Nair)")
    assert word_f1(doc.text, expected) >= 0.9


def test_html_article_metadata() -> None:
    doc = load_source(str(FIXTURES / "newspaper_businessweek.com2.html"))
    meta = doc.meta
    assert meta.title.startswith("Cuomo's Cap on Hedge Funds in Pensions")
    assert meta.author == "Allison Schrager"
    assert meta.published == "2014-12-22"
    assert meta.site == "Businessweek.com"
    assert meta.language == "en"


def test_language_is_detected_when_the_page_declares_none() -> None:
    html = ("<html><body><article><h1>Börse</h1>"
            + "<p>Die jungen Anleger entdecken die Börse, und sie informieren sich bei Instagram "
            "über Aktien, die sie mit einer App kaufen. Das ist nicht immer eine gute Idee, "
            "sagen die Verbraucherschützer, denn die Kosten sind oft höher als gedacht.</p>" * 3
            + "</article></body></html>").encode()
    from ingest.loaders import load_bytes

    assert load_bytes(html, source="https://example.com/a.html").meta.language == "de"


def test_text_article_header_lines_give_author_date_and_site() -> None:
    text = (
        b"# Apple tops estimates as services grow\n"
        b"By Jane Doe and John Roe | May 14, 2025\n\n"
        b"Apple Inc. (NASDAQ: AAPL) reported quarterly revenue above estimates on Thursday. "
        b"Apple said services revenue grew 12%. Microsoft was not part of the report.\n\n"
        b"Source: Reuters\n"
    )
    doc = load_markdown(text, "/tmp/apple.md")
    assert doc.meta.title == "Apple tops estimates as services grow"
    assert doc.meta.author == "Jane Doe and John Roe"
    assert doc.meta.published == "2025-05-14"
    assert doc.meta.site == "Reuters"
    assert (doc.meta.company, doc.meta.ticker) == ("Apple Inc.", "AAPL")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Published: May 14, 2025 10:30 AM ET", "2025-05-14"),
        ("2025-05-14T23:30:00-04:00", "2025-05-14"),  # the date written, not shifted to UTC
        ("Thursday, 14 May 2025", "2025-05-14"),
        ("Q2 2025", None),  # a period, not a publication date
        ("Revenue rose 5% in 2024", None),
    ],
)
def test_date_line(line: str, expected: str | None) -> None:
    doc = load_text(f"Title\n{line}\n\nBody text of the article.".encode(), "/tmp/t.txt")
    assert doc.meta.published == expected


# companies ------------------------------------------------------------------------------------
def test_alibaba_article_is_tagged_with_its_companies() -> None:
    meta = load_source(str(ALIBABA)).meta
    assert (meta.company, meta.ticker) == ("Alibaba Group Holding Ltd", "BABA")
    assert meta.companies is not None
    tickers = re.findall(r"\((\w+)\)", meta.companies)
    assert tickers[0] == "BABA" and {"AAPL", "MSFT"} <= set(tickers)
    assert "companies" in Document.single_block("x", "text", meta).meta.chroma_metadata()


def test_company_matching_favours_precision() -> None:
    companies = build_list([
        ("1", "ACME", "ACME CORP"), ("2", "AI", "C3.ai, Inc."), ("3", "WASH", "Washington Trust Bancorp"),
        ("4", "BABA", "Alibaba Group Holding Ltd"),
    ])
    text = ("Acme prices rose. AI spending grew in Washington. Shares of Alibaba Group rose "
            "(NYSE: BABA) after the report.")
    found = find_companies(text, companies=companies)
    assert [c.ticker for c in found.companies] == ["BABA"]
    mid = find_companies("Shoppers went to Acme and then to Acme again.", companies=companies)
    assert [c.ticker for c in mid.companies] == ["ACME"]  # capitalised mid-sentence, twice


def test_ticker_forms() -> None:
    companies = sec_companies()
    for text in ("Shares of $NVDA rallied.", "The stock (NASDAQ:NVDA) rallied.",
                 "NvidiaNVDA-- rallied."):
        assert [c.ticker for c in find_companies(text, companies=companies).companies] == ["NVDA"], text
    assert find_companies("The AI and IT budgets are ON track.", companies=companies).main is None


# the article's own sources --------------------------------------------------------------------
def test_reference_list_on_one_line_is_parsed() -> None:
    refs = parse_references(ALIBABA.read_text(encoding="utf-8"))
    assert [r.n for r in refs] == [1, 2, 3, 4]
    assert refs[1].title == "Alibaba to Invest RMB380 billion in AI and Cloud ..."
    assert refs[1].url == "https://www.alibabagroup.com/en-US/document-1830678592242057216"
    assert refs[2].title.startswith("Alibaba Group Announces March Quarter 2025")  # ticker tag gone
    assert load_source(str(ALIBABA)).meta.references == refs


def test_reference_list_one_entry_a_line() -> None:
    text = ("Revenue rose [1] and margins fell [2].\n\nSources:\n[1] Q1 results - https://a.example/q1\n"
            "[2] Margin call, <https://b.example/m>.\n\nAbout the author: [3] is not a source.")
    refs = parse_references(text)
    assert [(r.n, r.title, r.url) for r in refs] == [
        (1, "Q1 results", "https://a.example/q1"), (2, "Margin call", "https://b.example/m")]
    assert markers("up [2], down [1], up [2]") == [2, 1]
    assert [r.n for r in sources_for("fell [2] and [9]", refs)] == [2]
    assert cited_sources("no markers here", text) == []
    assert parse_references("Plain text [1] without a list.") == []


def test_citation_carries_the_article_sources_its_quote_marks(alibaba_store: Path,
                                                                minilm: LocalMiniLM) -> None:
    answer = Assistant(home=alibaba_store, embedder=minilm).ask(
        "How much is Alibaba investing in AI and cloud infrastructure?")
    holding = [c for c in answer.citations if "380 billion yuan" in c.quote]
    assert holding, answer.citations
    assert "[2]" in holding[0].quote
    assert [(s.n, s.url) for s in holding[0].article_sources] == [
        (2, "https://www.alibabagroup.com/en-US/document-1830678592242057216")]
    for citation in answer.citations:
        if not re.search(r"\[\d+\]", citation.quote):
            assert citation.article_sources == []
    assert "article_sources" in holding[0].json_contract()
