"""Filing metadata read from the cover page of SEC filings printed to PDF."""

from __future__ import annotations

from pathlib import Path

from assistant import Assistant
from ingest.loaders import load_bytes, load_source
from ingest.loaders.pdf_cover import read_cover
from tests.conftest import FIXTURES
from tests.fixtures.make_pdf_fixtures import text_pdf

# Microsoft's cover (from its 10-K PDF): no "(Exact name of registrant ...)" caption, the name
# follows the Commission File Number; several rows in the trading-symbol table.
MSFT_10K = """UNITED STATES
SECURITIES AND EXCHANGE COMMISSION
Washington, D.C. 20549
FORM 10-K
☒ ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the Fiscal Year Ended June 30, 2022
OR
☐ TRANSITION REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the Transition Period From to
Commission File Number 001-37845
MICROSOFT CORPORATION
WASHINGTON 91-1144442
(STATE OF INCORPORATION) (I.R.S. ID)
Securities registered pursuant to Section 12(b) of the Act:
Title of each class Trading Symbol Name of exchange on which registered
Common stock, $0.00000625 par value per share MSFT NASDAQ
3.125% Notes due 2028 MSFT NASDAQ
"""

# An 8-K amendment cover: name with the caption on the next line, New York Stock Exchange,
# the report date instead of a period.
BKE_8KA = """UNITED STATES SECURITIES AND EXCHANGE COMMISSION
Washington, D.C. 20549
FORM 8-K/A
CURRENT REPORT
Pursuant to Section 13 or 15(d) of the Securities Exchange Act of 1934
Date of Report (Date of earliest event reported): November 22, 2024
____________________________________
THE BUCKLE, INC.
(Exact name of registrant as specified in its charter)
Nebraska 001-12951 47-0366193
Title of each class Trading Symbol(s) Name of each exchange on which registered
Common Stock, $.01 par value BKE New York Stock Exchange
"""


def test_apple_10q_pdf_fixture() -> None:
    meta = load_source(str(FIXTURES / "AAPL_10-Q_2023-Q2.pdf")).meta
    assert (meta.company, meta.ticker, meta.form, meta.period_end) == (
        "Apple Inc.", "AAPL", "10-Q", "2023-04-01"
    )
    assert meta.period == "2023-04-01"  # until the pipeline's ingest.fiscal names the quarter
    assert meta.title == "Apple Inc. 10-Q 2023-04-01"  # not the accession number in its metadata
    assert meta.filed is None  # neither the cover nor the PDF's title says when it was filed


def test_cover_without_exact_name_caption() -> None:
    facts = read_cover([MSFT_10K])
    assert facts.company == "MICROSOFT CORPORATION"
    assert (facts.ticker, facts.form, facts.period) == ("MSFT", "10-K", "2022-06-30")


def test_two_column_cover_puts_words_between_ended_and_the_date() -> None:
    from ingest.fiscal import period_end_from_cover

    cover = ("SECURITIES AND EXCHANGE COMMISSION\r\nFORM 10-Q\r\nQuarterly report pursuant to "
             "Section 13 or 15(d)\r\nFor the quarterly period ended Commission file\r\n"
             "March 31, 2021 number 1-5805\r\nJPMorgan Chase & Co.\r\n"
             "(Exact name of registrant as specified in its charter)\r\n")
    facts = read_cover([cover])
    assert (facts.company, facts.form, facts.period) == ("JPMorgan Chase & Co.", "10-Q", "2021-03-31")
    found = period_end_from_cover(cover)
    assert found is not None and found[0].isoformat() == "2021-03-31"


def test_cover_of_an_8k_amendment() -> None:
    facts = read_cover(["Table of Contents", BKE_8KA])  # the cover may be on page 2
    assert (facts.company, facts.ticker) == ("THE BUCKLE, INC.", "BKE")
    assert (facts.form, facts.period) == ("8-K/A", "2024-11-22")


def test_filed_date_from_edgar_pdf_titles() -> None:
    assert read_cover([MSFT_10K], "Form 10-Q for Microsoft Corp filed 10/24/2022").filed == "2022-10-24"
    assert read_cover([MSFT_10K], "10-Q - 07/28/2023 - Intel Corporation").filed == "2023-07-28"
    assert read_cover([MSFT_10K], "04.01.2023 10Q Document").filed is None


def test_pdf_without_a_cover_keeps_its_meta() -> None:
    # mentions a form, but no SEC cover: nothing is invented
    doc = load_bytes(text_pdf(["Notes on FORM 10-Q filings for the quarter ended April 1, 2023"]),
                     source="/notes/q1.pdf", suffix=".pdf")
    meta = doc.meta
    assert (meta.company, meta.ticker, meta.form, meta.period, meta.period_end) == (None,) * 5
    assert meta.title == "q1"


def test_article_about_a_filing_is_not_a_cover() -> None:
    article = ("Apple Inc. (NASDAQ: AAPL) filed its FORM 10-Q with the Securities and Exchange "
               "Commission on Friday.\nFor the quarterly period ended April 1, 2023 sales fell.")
    assert not read_cover([article]).found


def test_overrides_win_over_the_cover(tmp_path: Path, assistant: Assistant) -> None:
    cover = ("SECURITIES AND EXCHANGE COMMISSION FORM 10-Q For the quarterly period ended April 1, "
             "2023 Commission File Number: 001-36743")
    path = tmp_path / "cover.pdf"
    path.write_bytes(text_pdf([cover, "Net sales rose in every segment during the quarter."]))
    report = assistant.ingest([path], progress=False, form="10-Q/A", company="Acme Corp")
    assert report.ok, report.failed
    (record,) = assistant.documents()
    assert (record.meta.form, record.meta.company) == ("10-Q/A", "Acme Corp")  # the overrides
    assert record.meta.period_end == "2023-04-01"  # read from the cover, not overridden
