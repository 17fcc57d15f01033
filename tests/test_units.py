"""Scale and unit in the number check: what a source states (ingest/units/), how a passage's
figures are read with it (assistant/answer/numbers.py), and what the verifier makes of claims
about them, on a statement PDF, an inline-XBRL filing and an HTML table "in thousands"."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

import prompts
from assistant.answer.extractive import extractive_answer
from assistant.answer.numbers import (
    Number,
    find_numbers,
    holds,
    match,
    operand,
    read_passage,
    scale_stated_elsewhere,
)
from assistant.answer.verify import SCALE_NOT_STATED, quoted_claims, verify
from assistant.models import Answer, Citation, Passage
from assistant.question import read_question
from ingest.chunking import chunk_document
from ingest.documents import Document
from ingest.embeddings import LocalMiniLM
from ingest.loaders import load_source
from ingest.units import PassageUnits, XbrlUnits, kind_of, parse_units, xbrl_units_line

FIXTURES = Path(__file__).parent / "fixtures"
CANNOT = prompts.cannot_answer()

# Apple's Q3 FY2023 10-Q statement of operations as the PDF loader renders it (a table chunk:
# title and units line, header rows, then rows with label and column on every figure).
STATEMENT = """Apple Inc.
CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS (Unaudited)
(In millions, except number of shares which are reflected in thousands and per share amounts)
Three Months Ended | Nine Months Ended
July 1, 2023 | June 25, 2022 | July 1, 2023 | June 25, 2022
Net sales:
Products | Three Months Ended July 1, 2023: $60,584 | Three Months Ended June 25, 2022: $63,355
Services | Three Months Ended July 1, 2023: 21,213 | Three Months Ended June 25, 2022: 19,604
Total net sales | Three Months Ended July 1, 2023: 81,797 | Three Months Ended June 25, 2022: 82,959
Earnings per share:
Basic | Three Months Ended July 1, 2023: $1.27 | Three Months Ended June 25, 2022: $1.20
Diluted | Three Months Ended July 1, 2023: $1.26 | Three Months Ended June 25, 2022: $1.20
Shares used in computing earnings per share:
Basic | Three Months Ended July 1, 2023: 15,697,614 | Three Months Ended June 25, 2022: 16,162,945"""


def claim(text: str) -> Number:
    [number] = find_numbers(text)
    return number


# --- the table -----------------------------------------------------------------------


@pytest.mark.parametrize(("stated", "truth"), [
    ("$81.8 billion", True),  # right
    ("$81.8 million", False),  # wrong by 1,000x
    ("$81.797 trillion", False),  # wrong by 1,000,000x
    ("81,797 shares", False),  # wrong unit
    ("$82.0 billion", False),  # right to reject
])
def test_a_claim_about_total_net_sales_holds_only_in_the_stated_scale_and_unit(
        stated: str, truth: bool) -> None:
    assert holds(claim(stated), read_passage(STATEMENT)) is truth


def test_the_same_claims_without_the_units_line_keep_the_lenient_reading() -> None:
    bare = "Total net sales | Three Months Ended July 1, 2023: 81,797"
    held = read_passage(bare)
    found = match(claim("$81.8 million"), held[-1])
    assert found is not None and found.assumed  # accepted, and said to be an assumption
    assert not holds(claim("$82.0 billion"), held)


@pytest.mark.parametrize(("stated", "truth"), [
    ("Diluted EPS was $1.26", True),
    ("$1.26 per diluted share", True),
    ("$1.26 million", False),  # a per-share figure is no currency amount
    ("$1.26 billion", False),
    ("15.7 billion shares", True),  # 15,697,614 thousand shares
    ("15,697,614 shares", True),  # copied as printed
    ("15.7 million shares", False),
    ("$15.7 billion", False),  # a share count is no currency amount
    ("81,797", True),  # the figure copied as printed
    ("1.26%", False),  # a percentage is no per-share amount
])
def test_per_share_and_share_figures_keep_their_own_unit(stated: str, truth: bool) -> None:
    assert holds(find_numbers(stated)[-1], read_passage(STATEMENT)) is truth


def test_a_percentage_never_matches_a_currency_amount_nor_the_reverse() -> None:
    table = "(dollars in millions)\nRevenue | 2023: $12 | Change: 12%"
    held = read_passage(table)
    assert not holds(claim("12%"), [held[1]])  # $12 million
    assert holds(claim("12%"), [held[-1]])
    assert not holds(claim("$12"), [held[-1]])
    assert holds(claim("$12 million"), held)


def test_dates_and_header_numbers_are_read_as_written() -> None:
    held = read_passage(STATEMENT)
    assert holds(claim("July 1"), held) and holds(claim("in 2023"), held)
    assert not holds(claim("$1 billion"), held[:12])  # the "1" of "July 1" is no figure
    assert not holds(claim("$1 million"), held[:12])


def test_prose_states_its_own_scale_and_unit() -> None:
    prose = ("Net sales were $3.3 billion, or $0.89 per share; the Company had about 161,000 "
             "employees and repurchased 103 million shares.")
    held = read_passage(prose)
    assert holds(claim("$3.3 billion"), held) and not holds(claim("$3.3 million"), held)
    assert holds(claim("$0.89 per share"), held) and not holds(claim("$0.89 million"), held)
    assert holds(claim("161,000 employees"), held)
    assert not holds(claim("161 million employees"), held)  # a count in prose is as written
    assert not holds(claim("$103 million"), held)  # shares, not dollars
    assert holds(claim("103 million shares"), held)
    yuan = read_passage("Alibaba plans to invest 380 billion yuan over three years.")
    assert holds(claim("380 billion yuan"), yuan) and holds(claim("RMB 380 billion"), yuan)
    assert not holds(claim("$380 billion"), yuan)  # another currency
    assert not holds(claim("USD 380 billion"), yuan) and not holds(claim("US$380 billion"), yuan)


def test_an_operand_of_a_computed_figure_keeps_the_scale_of_its_fact() -> None:
    total = operand(81797, scale=1e6, kind="currency", currency="USD")
    assert match(claim("$81.8 billion"), total) is not None
    assert match(claim("$81.8 million"), total) is None
    assert match(claim("81,797 shares"), total) is None
    unstated = match(claim("$81.8 million"), operand(81797, scale=None))
    assert unstated is not None and unstated.assumed
    margin = operand(44.5, scale=1.0, kind="percent")
    assert match(claim("44.5%"), margin) is not None and match(claim("$44.5"), margin) is None


# --- units lines, labels, inline XBRL ----------------------------------------------------------


@pytest.mark.parametrize(("line", "scale", "currency", "exceptions"), [
    ("(In millions, except number of shares, which are reflected in thousands, and per-share "
     "amounts)", 1e6, None, {"shares": 1e3, "per_share": 1.0}),
    ("(dollars in millions)", 1e6, "USD", {}),
    ("(Amounts in Thousands Except Share and Per Share Amounts)", 1e3, None,
     {"shares": 1.0, "per_share": 1.0}),
    ("(net income in millions and shares in thousands)", 1e6, None, {"shares": 1e3}),
    ("($ in billions, except percentages)", 1e9, "USD", {"percent": 1.0}),
    ("(in thousands of euros)", 1e3, "EUR", {}),
])
def test_units_lines_are_read(line: str, scale: float, currency: str | None,
                              exceptions: dict[str, float]) -> None:
    units = parse_units(line)
    assert units is not None
    assert (units.scale, units.currency, dict(units.exceptions)) == (scale, currency, exceptions)


def test_a_label_names_its_unit_by_the_first_unit_word() -> None:
    assert kind_of("Shares used in computing earnings per share") == "shares"
    assert kind_of("Earnings per share:") == "per_share"
    assert kind_of("Gross margin percentage") == "percent"
    assert kind_of("Share-based compensation expense") is None  # dollars
    assert kind_of("Total net sales") is None


def test_a_split_table_piece_reads_its_rows_by_the_head_it_repeats() -> None:
    units = PassageUnits(STATEMENT)
    at = STATEMENT.index("15,697,614")
    reading = units.at(at, at + len("15,697,614"))
    assert reading.kinds == {"shares"} and reading.scale == 1e3
    at = STATEMENT.index("21,213")
    assert units.at(at, at + 6).kinds == {"currency"}  # a money table: its sign is on other rows
    assert units.at(at, at + 6).currency == "USD"


def ixbrl_table(facts: str) -> tuple[lxml.html.HtmlElement, XbrlUnits]:
    root = lxml.html.document_fromstring(
        '<html><body><div style="display:none"><ix:header><ix:resources>'
        '<xbrli:unit id="usd"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>'
        '<xbrli:unit id="sh"><xbrli:measure>xbrli:shares</xbrli:measure></xbrli:unit>'
        "</ix:resources></ix:header></div>"
        f"<table><tr><td>a</td><td>{facts}</td></tr></table></body></html>")
    return root.find(".//table"), XbrlUnits(root)


def test_an_inline_xbrl_table_states_its_units_in_its_facts() -> None:
    table, defined = ixbrl_table('<ix:nonFraction unitRef="usd" scale="3">1</ix:nonFraction>'
                                 '<ix:nonFraction unitRef="sh" scale="6">2</ix:nonFraction>')
    assert xbrl_units_line(table, defined) == "(Inline XBRL: in thousands of USD, except shares in millions)"
    mixed, defined = ixbrl_table('<ix:nonFraction unitRef="usd" scale="3">1</ix:nonFraction>'
                                 '<ix:nonFraction unitRef="usd" scale="6">2</ix:nonFraction>')
    assert xbrl_units_line(mixed, defined) is None  # amounts in two scales: no one line says it


# --- whole documents, through the verifier -----------------------------------------------------


def passages_of(doc: Document, must_hold: str) -> list[Passage]:
    chunks = chunk_document(doc, lambda texts: [len(t.split()) for t in texts], max_tokens=150,
                            overlap_tokens=0)
    held = [c for c in chunks if must_hold in c.text]
    assert held, must_hold
    return [Passage(rank=i, score=1.0, chunk_id=c.chunk_id, doc_id=c.doc_id, title=doc.meta.title,
                    source=doc.meta.source, page=c.page, text=c.text)
            for i, c in enumerate(held, start=1)]


def statuses(passages: list[Passage], *replies: str) -> list[str]:
    return [verify("q", reply, passages, CANNOT).claims[0].status for reply in replies]


def test_a_statement_pdf_states_millions() -> None:
    doc = load_source(str(FIXTURES / "AAPL_10-Q_2023-Q2.pdf"))
    passages = passages_of(doc, "Total net sales | Three Months Ended April 1, 2023: 94,836")
    assert statuses(passages, "Total net sales were $94.8 billion [1].",
                    "Total net sales were $94.8 million [1].",
                    "Apple sold 94,836 shares [1].") == ["supported", "unsupported", "unsupported"]


def test_an_inline_xbrl_filing_states_its_scale_in_attributes_only() -> None:
    doc = load_source(str(FIXTURES / "ixbrl_statement_no_units_line.html"))
    assert "(Inline XBRL: in millions of USD, except shares in thousands and per-share amounts)" \
        in doc.text
    assert "in millions" not in doc.text.replace("Inline XBRL: in millions", "")  # only there
    passages = passages_of(doc, "81,797")
    assert statuses(passages, "Total net sales were $81.8 billion [1].",
                    "Total net sales were $81.8 million [1].",
                    "Diluted earnings per share were $1.26 [1].",
                    "Diluted earnings were $1.26 billion [1].",
                    "Apple used 15.8 billion diluted shares [1].") == [
        "supported", "unsupported", "supported", "unsupported", "supported"]


def test_an_html_table_in_thousands() -> None:
    doc = load_source(str(FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html"))
    passages = passages_of(doc, "Thirteen Weeks Ended November 2, 2024: $293,618")
    assert "(Amounts in Thousands Except Per Share Amounts)" in passages[0].text
    assert statuses(passages, "Net sales were $293.6 million [1].",
                    "Net sales were $293.6 billion [1].",
                    "Net sales were $293,618 [1].") == ["supported", "unsupported", "supported"]


def test_a_figure_whose_source_states_no_scale_is_supported_and_says_so() -> None:
    passages = [Passage(rank=1, score=1.0, chunk_id="c1", doc_id="d", title="Apple", source="s",
                        text="Total net sales | Three Months Ended July 1, 2023: 81,797")]
    answer = verify("q", "Total net sales were $81.8 billion [1]. They were 81,797 [1].", passages,
                    CANNOT)
    first, second = answer.claims
    assert first.status == "supported" and first.scale_not_stated == ["$81.8 billion"]
    assert first.text.endswith(f"[1]. [{SCALE_NOT_STATED}]")
    assert first.json_contract()["scale_not_stated"] == ["$81.8 billion"]
    assert second.status == "supported" and second.scale_not_stated == []  # as printed
    assert SCALE_NOT_STATED not in second.text
    stated = verify("q", "Total net sales were $81.8 billion [1].",
                    [passages[0].model_copy(update={"text": STATEMENT})], CANNOT)
    assert stated.claims[0].scale_not_stated == [] and SCALE_NOT_STATED not in stated.answer


# --- the offline answer ------------------------------------------------------------------------


def test_the_offline_answer_names_the_scale_of_a_quoted_row() -> None:
    row = ("Total net sales | Three Months Ended July 1, 2023: 81,797 | Three Months Ended June 25, "
           "2022: 82,959")
    at = STATEMENT.index(row.split(" |")[0])
    held = [n for n in read_passage(STATEMENT) if at <= n.start < at + len(row)]
    assert scale_stated_elsewhere(held) == "in millions of USD"
    shares = STATEMENT.index("Basic | Three Months Ended July 1, 2023: 15,697,614")
    assert scale_stated_elsewhere([n for n in read_passage(STATEMENT) if n.start > shares]) == \
        "shares in thousands"


def test_offline_claims_say_when_an_amount_has_no_stated_scale() -> None:
    text = "Revenue was $81,797 in the quarter. Revenue was $3.3 billion in the year."
    passage = Passage(rank=1, score=1.0, chunk_id="c1", doc_id="d", title="t", source="s", text=text)
    answer = Answer(question="q", answer="", cannot_answer=False, mode="extractive",
                    passages=[passage], citations=[
                        Citation(n=1, chunk_id="c1", doc_id="d", title="t", source="s",
                                 quote="Revenue was $81,797 in the quarter."),
                        Citation(n=2, chunk_id="c1", doc_id="d", title="t", source="s",
                                 quote="Revenue was $3.3 billion in the year.")])
    first, second = quoted_claims(answer)
    assert first.scale_not_stated == ["$81,797"] and first.text.endswith(f"[{SCALE_NOT_STATED}]")
    assert second.scale_not_stated == [] and second.text.endswith("[2]")
    assert all(c.status == "supported" for c in (first, second))


def test_the_offline_answer_shows_the_scale_after_a_quoted_row(minilm: LocalMiniLM) -> None:
    passage = Passage(rank=1, score=1.0, chunk_id="c1", doc_id="d", title="Apple Inc. 10-Q Q3 FY2023",
                      source="s", text=STATEMENT)
    answer = extractive_answer(read_question("What were Apple's total net sales in the quarter?"),
                               [passage], minilm, max_sentences=1)
    [citation] = answer.citations
    assert citation.quote.startswith("Total net sales |")
    assert answer.answer == f"{citation.quote} (in millions of USD) [1]"
    assert citation.quote in STATEMENT  # the quote itself stays verbatim


def test_a_row_whose_group_label_is_on_another_piece_may_be_either_amount() -> None:
    head = STATEMENT[:STATEMENT.index("Net sales:")]
    piece = head + STATEMENT[STATEMENT.index("Diluted |"):STATEMENT.index("Shares used")]
    held = read_passage(piece)
    assert holds(claim("Diluted EPS was $1.26"), held)
    assert holds(claim("$1.26 per diluted share"), held)
    assert not holds(claim("1.26 million shares"), held)
    assert not holds(claim("1.26%"), held)
