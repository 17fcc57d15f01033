"""Facts: the figures of financial tables read at ingest (ingest/facts.py), stored with their
document, and listed by `Assistant.figures` and `dossier figures`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.api import Assistant
from assistant.cli import app
from ingest.companies import fill_main_company
from ingest.documents import DocMeta, Document
from ingest.facts import (
    Fact,
    Period,
    extract_facts,
    fiscal_year_of,
    line_item_id,
    parse_value,
    period_of,
)
from ingest.fiscal import fill_fiscal_period
from ingest.loaders.pdf import load_pdf
from ingest.loaders.sec import load_sec
from ingest.loaders.text import load_markdown
from tests.conftest import FIXTURES


@pytest.mark.parametrize(("text", "value"), [
    ("94,836", Decimal("94836")),
    ("$73,929", Decimal("73929")),
    ("(1,234)", Decimal("-1234")),
    ("$(2,593)", Decimal("-2593")),
    ("$ (12.5)", Decimal("-12.5")),
    ("-7", Decimal("-7")),
    ("12.5%", Decimal("12.5")),
    ("(3)%", Decimal("-3")),
    ("1.52", Decimal("1.52")),
    ("—", Decimal("0")),
    ("1,200 (1)", Decimal("1200")),  # a footnote mark is no sign
])
def test_values_signs_and_nil(text: str, value: Decimal) -> None:
    assert parse_value(text) == value


@pytest.mark.parametrize(("label", "parent", "expected"), [
    ("Basic", "Earnings per share:", "eps_basic"),
    ("Diluted", "Net income per share:", "eps_diluted"),
    ("Basic", "Weighted average shares used in per share computation:", "shares_basic"),
    ("Diluted", "Shares used in computing earnings per share:", "shares_diluted"),
    ("Basic", "", None),  # two line items, nothing above to choose by
    ("Total net sales", "Net sales:", "revenue"),
    ("Products", "Net sales:", None),
])
def test_a_row_label_is_resolved_by_the_group_row_above_it(label: str, parent: str,
                                                           expected: str | None) -> None:
    assert line_item_id(label, [parent] if parent else []) == expected


def _quarterly(period: str = "Q2 FY2023", end: str = "2023-04-01") -> Document:
    return Document.single_block("x", "pdf", DocMeta(source="/q.pdf", period=period, period_end=end))


@pytest.mark.parametrize(("header", "head", "statement", "expected"), [
    ("Three Months Ended April 1, 2023", "", "income_statement", ("2023-01-01", "2023-04-01", "Q2 FY2023")),
    ("Three Months Ended March 26, 2022", "", "income_statement", ("2021-12-26", "2022-03-26", "Q2 FY2022")),
    ("Six Months Ended April 1, 2023", "", "cash_flows", ("2022-09-25", "2023-04-01", "6M FY2023")),
    ("March 26, 2022", "Six Months Ended", "cash_flows", ("2021-09-26", "2022-03-26", "6M FY2022")),
    ("April 1, 2023", "", "balance_sheet", (None, "2023-04-01", "Q2 FY2023")),
    ("September 24, 2022", "", "balance_sheet", (None, "2022-09-24", "FY2022")),
    ("Revenue", "", "income_statement", (None, None, None)),
])
def test_periods_from_column_headers(header: str, head: str, statement: str,
                                     expected: tuple[str | None, str | None, str | None]) -> None:
    period = period_of(header, head, statement, fiscal_year_of(_quarterly()), annual=False)
    start, end, label = expected
    assert (period.end, period.fiscal) == (end, label)
    if start is None:
        assert period.start is None
    else:  # read from the header, a duration's first day is its length back: within a week
        assert period.start is not None
        assert abs((dt.date.fromisoformat(period.start) - dt.date.fromisoformat(start)).days) <= 7


def test_a_year_header_in_an_annual_report_is_its_fiscal_year() -> None:
    fiscal = fiscal_year_of(_quarterly("FY2024", "2024-09-28"))
    period = period_of("2023", "Years ended", "income_statement", fiscal, annual=True)
    assert (period.end, period.fiscal) == ("2023-09-28", "FY2023")
    assert period.start is not None and period.start.startswith("2022-09")
    assert period_of("2024", "", "balance_sheet", fiscal, annual=True).fiscal == "FY2024"


def test_a_year_after_the_reports_heads_a_schedule_not_a_period() -> None:
    """'Debt maturing in 2025 | 2026 | Thereafter' in a 10-K for fiscal 2024: no period."""
    fiscal = fiscal_year_of(_quarterly("FY2024", "2024-12-31"))
    head = "Debt maturing in December 31,"
    assert period_of("2025", head, "debt_note", fiscal, annual=True) == Period(None, None, None)
    assert period_of("2024", head, "debt_note", fiscal, annual=True).fiscal == "FY2024"


def test_a_year_header_in_a_quarterly_report_is_that_quarter_of_the_year() -> None:
    fiscal = fiscal_year_of(_quarterly("Q1 FY2023", "2022-09-30"))  # Microsoft: June year end
    head = "Three Months Ended September 30,"
    assert period_of("2022", head, "segment_note", fiscal, annual=False) == period_of(
        "September 30, 2022", head, "segment_note", fiscal, annual=False)
    earlier = period_of("2021", head, "segment_note", fiscal, annual=False)
    assert (earlier.end, earlier.fiscal) == ("2021-09-30", "Q1 FY2022")
    abbreviated = period_of("Sep 30, 2021", head, "income_statement", fiscal, annual=False)
    assert (abbreviated.end, abbreviated.fiscal) == ("2021-09-30", "Q1 FY2022")


@pytest.fixture(scope="module")
def apple_facts() -> list[Fact]:
    source = str(FIXTURES / "AAPL_10-Q_2023-Q2.pdf")
    doc = load_pdf((FIXTURES / "AAPL_10-Q_2023-Q2.pdf").read_bytes(), source)
    fill_fiscal_period(doc.meta, doc.text)
    fill_main_company(doc.meta, doc.text)
    return extract_facts(doc, [])


def _one(facts: list[Fact], label: str, period: str, statement: str | None = None) -> Fact:
    found = [f for f in facts if f.line_item == label and f.fiscal_period == period
             and (statement is None or f.statement == statement)]
    assert len(found) == 1, found
    return found[0]


def test_apple_10q_pdf_total_net_sales(apple_facts: list[Fact]) -> None:
    fact = _one(apple_facts, "Total net sales", "Q2 FY2023", "income_statement")
    assert (fact.value, fact.scale, fact.unit, fact.currency) == (Decimal(94836), 10**6, "currency", "USD")
    assert fact.amount == Decimal(94_836_000_000)
    assert (fact.line_item_id, fact.parents, fact.page) == ("revenue", ("Net sales:",), 4)
    assert (fact.period_end, fact.header) == ("2023-04-01", "Three Months Ended April 1, 2023")
    assert _one(apple_facts, "Total net sales", "6M FY2023", "income_statement").value == 211990


def test_apple_10q_pdf_per_share_and_negative_figures(apple_facts: list[Fact]) -> None:
    diluted = [f for f in apple_facts if f.line_item == "Diluted" and f.fiscal_period == "Q2 FY2023"
               and f.statement == "income_statement"]
    assert [(f.parents, f.line_item_id) for f in diluted] == [
        (("Earnings per share:",), "eps_diluted"),
        (("Shares used in computing earnings per share:",), "shares_diluted")]
    eps, shares = diluted
    assert (shares.unit, shares.scale) == ("shares", 1000)
    assert (eps.value, eps.unit, eps.scale) == (Decimal("1.52"), "per_share", 1)
    negatives = [f for f in apple_facts if f.text.lstrip("$ ").startswith("(")]
    assert negatives and all(f.value < 0 for f in negatives)
    assert all(f.value >= 0 for f in apple_facts if "(" not in f.text and "-" not in f.text)
    balance = [f for f in apple_facts if f.statement == "balance_sheet"]
    assert balance and all(f.period_start is None for f in balance)


def test_apple_10q_pdf_every_fact_is_its_figure_on_the_page(apple_facts: list[Fact]) -> None:
    source = str(FIXTURES / "AAPL_10-Q_2023-Q2.pdf")
    doc = load_pdf((FIXTURES / "AAPL_10-Q_2023-Q2.pdf").read_bytes(), source)
    placed = [f for b in doc.blocks for f in b.figures]
    assert len(placed) == len(apple_facts) > 500
    assert all(doc.text[f.start:f.start + len(f.text)] == f.text for f in placed)


def _ixbrl(html: str) -> list[Fact]:
    doc = load_sec(html, "/filings/aapl-20230701.htm")
    return extract_facts(doc, [])


def test_ixbrl_facts_come_from_their_tags() -> None:
    facts = _ixbrl((FIXTURES / "ixbrl_statement_no_units_line.html").read_text())
    sales = _one(facts, "Total net sales", "Q3 FY2023")
    assert sales.concept == "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
    assert (sales.period_start, sales.period_end) == ("2023-04-02", "2023-07-01")
    assert (sales.value, sales.scale, sales.currency) == (Decimal(81797), 10**6, "USD")
    assert sales.line_item_id == "revenue"
    assert _one(facts, "Total net sales", "Q3 FY2022").period_end == "2022-06-25"
    shares = [f for f in facts if f.concept == "us-gaap:WeightedAverageNumberOfSharesOutstandingBasic"]
    assert {(f.unit, f.scale, f.currency, f.line_item, f.line_item_id) for f in shares} == {
        ("shares", 1000, None, "Basic", "shares_basic")}
    eps = [f for f in facts if f.concept == "us-gaap:EarningsPerShareDiluted"]
    assert {(f.unit, f.scale, f.line_item_id) for f in eps} == {("per_share", 1, "eps_diluted")}


def test_ixbrl_sign_attribute_makes_a_fact_negative() -> None:
    html = (FIXTURES / "ixbrl_statement_no_units_line.html").read_text()
    html = re.sub(r'(<ix:nonFraction name="us-gaap:NetIncomeLoss" contextRef="c-q3-2023")',
                  r'\1 sign="-"', html, count=1)
    income = [f for f in _ixbrl(html) if f.concept == "us-gaap:NetIncomeLoss"]
    assert sorted(f.value for f in income) == [Decimal(-19881), Decimal(19442)]


NOTE = """# Harbor Logistics results

Harbor Logistics had a strong year.

(dollars in thousands)

| | 2024 | 2023 |
|---|---:|---:|
| Revenue | 1,200 | 1,050 |
| Operating income (loss) | 310 | (45) |
| Gross margin | 41.5% | 38.0% |
"""


def test_markdown_table_in_a_note(tmp_path: Path) -> None:
    path = tmp_path / "harbor.md"
    path.write_text(NOTE)
    doc = load_markdown(path.read_bytes(), str(path))
    facts = extract_facts(doc, [])
    assert len(facts) == 6
    loss = _one(facts, "Operating income (loss)", "FY2023")
    assert (loss.value, loss.scale, loss.unit, loss.currency) == (Decimal(-45), 1000, "currency", "USD")
    assert doc.text[NOTE.index("(45)"):].startswith(loss.text)
    assert _one(facts, "Revenue", "FY2024").line_item_id == "revenue"
    margin = _one(facts, "Gross margin", "FY2024")
    assert (margin.value, margin.unit, margin.scale) == (Decimal("41.5"), "percent", 1)


def _ingest_note(assistant: Assistant, path: Path, text: str) -> None:
    path.write_text(text)
    report = assistant.ingest([str(path)], progress=False)
    assert report.ok, report.failed


def test_facts_are_stored_replaced_and_deleted_with_their_document(assistant: Assistant,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "harbor.md"
    _ingest_note(assistant, path, NOTE)
    stored = assistant.figures(period="FY2024")
    assert [(f.line_item, f.value) for f in stored] == [
        ("Revenue", Decimal(1200)), ("Operating income (loss)", Decimal(310)),
        ("Gross margin", Decimal("41.5"))]
    chunks = assistant.store.registry.chunks_by_id(f.chunk_id for f in stored if f.chunk_id)
    assert len(chunks) >= 1 and all(f.chunk_id in chunks for f in stored)
    assert all(f.text in chunks[str(f.chunk_id)].text for f in stored)
    assert [f.value for f in assistant.figures(line_item="revenue")] == [Decimal(1200), Decimal(1050)]

    _ingest_note(assistant, path, NOTE.replace("1,200", "1,275"))
    assert [f.value for f in assistant.figures(line_item="revenue", period="fy2024")] == [Decimal(1275)]
    assert len(assistant.figures()) == 6

    assert assistant.delete(str(path))
    assert assistant.figures() == []


def test_a_document_stored_before_facts_were_kept_gets_them_on_reingest(assistant: Assistant,
                                                                         tmp_path: Path) -> None:
    path = tmp_path / "harbor.md"
    _ingest_note(assistant, path, NOTE)
    assistant.store.registry.db.execute("DELETE FROM facts")  # as a store from before migration 3
    report = assistant.ingest([str(path)], progress=False)
    assert report.replaced == [str(path)] and len(assistant.figures()) == 6
    assert assistant.ingest([str(path)], progress=False).unchanged == [str(path)]


def test_dossier_figures_lists_csv_and_json(assistant: Assistant, tmp_path: Path) -> None:
    _ingest_note(assistant, tmp_path / "harbor.md", NOTE)
    home = str(assistant.settings.store.home)
    assistant.close()
    runner = CliRunner()
    env = {"DOSSIER_HOME": home}
    table = runner.invoke(app, ["figures", "--period", "FY2023"], env=env)
    assert table.exit_code == 0, table.output
    assert "Operating income (loss)" in table.output and "-45" in table.output
    assert "USD thousands" in table.output and "1,200" not in table.output
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["figures", "--csv"], env=env).output)))
    assert len(rows) == 6 and set(rows[0]) == {"company", "statement", "line_item", "period", "value",
                                               "unit", "page"}
    assert {r["value"] for r in rows if r["period"] == "FY2024"} == {"1200", "310", "41.5"}
    listed = json.loads(runner.invoke(app, ["figures", "--json", "--line-item", "revenue"], env=env).output)
    assert [(r["period"], r["value"], r["scale"]) for r in listed] == [("FY2024", "1200", 1000),
                                                                         ("FY2023", "1050", 1000)]
    missing = runner.invoke(app, ["figures", "Nobody Corp"], env=env)
    assert missing.exit_code == 2 and "no figures match" in missing.output
