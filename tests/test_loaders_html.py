"""Loaders: HTML articles (metadata, clean text, sections, charsets) and SEC filings (cover
metadata, items, tables, the table of contents skipped). Only tests/fixtures is read."""

from __future__ import annotations

import pytest

from ingest.loaders import load_bytes, load_source
from tests.helpers import word_f1
from tests.loader_helpers import ARTICLE, FIXTURES, assert_blocks, block_text

# --- HTML articles --------------------------------------------------------------------------


def test_article_metadata() -> None:
    doc = load_source(str(ARTICLE))
    assert doc.kind == "html"
    assert doc.meta.title == (
        "Cuomo's Cap on Hedge Funds in Pensions Solves Only Part of the Problem"
    )
    assert doc.meta.published == "2014-12-22"
    assert doc.meta.site == "Businessweek.com"
    assert doc.meta.author == "Allison Schrager"
    assert doc.meta.language == "en"
    assert doc.meta.source == str(ARTICLE.resolve())
    assert doc.meta.url == ARTICLE.resolve().as_uri()
    assert_blocks(doc)


@pytest.mark.parametrize(
    "name", ["newspaper_businessweek.com2", "newspaper_foxbusiness.com1"]
)
def test_article_text_matches_expected(name: str) -> None:
    doc = load_source(str(FIXTURES / f"{name}.html"))
    expected = (FIXTURES / f"{name}.expected.txt").read_text(encoding="utf-8")
    assert word_f1(doc.text, expected) >= 0.8
    assert "Subscribe" not in doc.text  # navigation boilerplate is gone


def test_xhtml_sections_from_article_headings() -> None:
    para = "<p>" + "Quarterly revenue grew across all segments of the business. " * 8 + "</p>"
    page = (
        '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
        f'lang="en-GB"><head><title>Q3</title></head><body><article>{para}<h2>Outlook</h2>'
        f"{para}</article></body></html>"
    )
    doc = load_bytes(page.encode(), source="/news/q3.xhtml", suffix=".xhtml")
    assert doc.kind == "html" and doc.meta.language == "en"
    assert [b.section for b in doc.blocks] == [None, "Outlook"]
    assert block_text(doc, 1).startswith("Outlook\n\nQuarterly revenue")
    assert_blocks(doc)


def test_tiny_page_keeps_its_visible_text() -> None:
    page = b"<html><head><title>Memo</title><script>var x;</script></head>" \
        b"<body><p>Short note.</p></body></html>"
    doc = load_bytes(page, source="/tmp/memo.html", suffix=".html")
    assert doc.text == "Short note."


def test_declared_charset_is_used_when_not_utf8() -> None:
    page = "<html><head><meta charset='iso-8859-1'></head><body><p>Caf\xe9 \x80 2</p></body></html>"
    doc = load_bytes(page.encode("latin-1"), source="/tmp/cafe.html")  # no suffix: sniffed
    assert doc.kind == "html" and doc.text == "Caf\u00e9 \u20ac 2"


# --- SEC filings ----------------------------------------------------------------------------


def test_sec_8k_meta_from_dei_facts_and_items() -> None:
    doc = load_source(str(FIXTURES / "BKE_8-K_2024-11-22.html"))
    assert doc.kind == "sec"
    meta = doc.meta
    assert (meta.company, meta.ticker, meta.cik, meta.form) == (
        "BUCKLE, INC", "BKE", "0000885245", "8-K"
    )
    assert meta.period == "2024-11-22"
    assert meta.title == "BUCKLE, INC 8-K 2024-11-22"
    sections = [b.section for b in doc.blocks]
    assert "ITEM 2.02. Results of Operations and Financial Condition" in sections
    item = sections.index("ITEM 2.02. Results of Operations and Financial Condition")
    assert block_text(doc, item).startswith("ITEM 2.02. Results of Operations")
    assert "announced financial results" in block_text(doc, item)
    # the hidden inline-XBRL header is dropped, table rows are " | " lines
    assert "xbrli" not in doc.text and "http://" not in doc.text
    assert "Common Stock, $0.01 par value | BKE | New York Stock Exchange" in doc.text
    assert_blocks(doc)


def test_sec_exhibit_press_release_tables() -> None:
    doc = load_source(str(FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html"))
    assert doc.kind == "sec"
    assert doc.meta.title == "EX-99.1: THE BUCKLE, INC. REPORTS THIRD QUARTER NET INCOME"
    assert doc.meta.ticker == "BKE"  # from "(NYSE: BKE)"
    assert doc.meta.form is None  # an exhibit, not a form
    assert "<TYPE>" not in doc.text and "EX-99.1\n" not in doc.text
    # "$" cells are glued to their numbers, empty cells skipped, each figure under its column
    assert (
        "NET INCOME | Thirteen Weeks Ended November 2, 2024: $44,172 | Thirteen Weeks Ended "
        "October 28, 2023: $51,762 | Thirty-Nine Weeks Ended November 2, 2024: $118,270 | "
        "Thirty-Nine Weeks Ended October 28, 2023: $140,338"
    ) in doc.text
    assert "\n\nThe Buckle, Inc.\n2407 W. 24th St." in doc.text
    assert_blocks(doc)


def test_sec_6k_cover_without_xbrl() -> None:
    doc = load_source(str(FIXTURES / "ALC_6-K_2023-02-13.html"))
    assert doc.kind == "sec"
    assert (doc.meta.form, doc.meta.company, doc.meta.period) == ("6-K", "ALCON INC.", "2023-02-13")
    assert doc.text.startswith("UNITED STATES\n\nSECURITIES AND EXCHANGE COMMISSION")
    assert_blocks(doc)


def test_sec_sections_skip_the_table_of_contents() -> None:
    def row(cells: str) -> str:
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells.split("|")) + "</tr>"

    toc = "".join(row(r) for r in ["Part I|", "Item 1.|Business|3", "Item 1A.|Risk Factors|9",
                                   "Part II|", "Item 7.|MD&amp;A|20"])
    prose = "<p>" + "Text about it. " * 20 + "</p>"
    body = (
        f"<div>PART I</div><div>Item 1. Business</div>{prose}<div>Item 1A. Risk Factors</div>"
        f"{prose}<div>PART II</div>{prose}<div>Item 7. MD&amp;A</div>{prose}"
    )
    html = (
        "<html><body><div>UNITED STATES SECURITIES AND EXCHANGE COMMISSION</div>"
        f"<div>FORM 10-K</div><table>{toc}</table>{body}</body></html>"
    )
    doc = load_bytes(html.encode(), source="/tmp/toy-10k.html", suffix=".html")
    assert doc.kind == "sec"
    assert [b.section for b in doc.blocks] == [
        None, "Item 1. Business", "Item 1A. Risk Factors", "PART II", "Item 7. MD&A"
    ]
    assert block_text(doc, 1).startswith("PART I\n\nItem 1. Business")  # PART folds into Item
    assert_blocks(doc)
