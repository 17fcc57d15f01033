"""Figures computed from notes' tables as TAT-QA gives them (a Markdown table per note): the
scale a column header or the table's head writes ("2019 €m", "$'000", "$ million"), years
headed with a footnote mark or letter-spaced, and a year named by the group row above."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant.answer.compute import MissingOperand, compute
from assistant.answer.operands import Facts
from assistant.answer.request import read_request
from assistant.evaluation.datasets import tatqa_document
from assistant.evaluation.metrics import signed_figures
from ingest.facts import Fact, extract_facts
from ingest.loaders import load_documents
from ingest.units import label_scale


def note_facts(tmp_path: Path, rows: list[list[str]], text: str = "A note.") -> list[Fact]:
    path = tmp_path / "note.md"
    path.write_text(tatqa_document({"table": {"table": rows}, "paragraphs": [{"order": 1, "text": text}]}),
                    encoding="utf-8")
    return extract_facts(load_documents(str(path))[0], [])


def answer(question: str, facts: list[Fact]) -> str:
    request = read_request(question)
    assert request is not None
    return compute(request, Facts(facts)).result


@pytest.mark.parametrize(("label", "scale", "currency"), [
    ("2019 €m", 1e6, "EUR"),
    ("$'000", 1e3, "USD"),
    ("2019 $’000", 1e3, "USD"),
    ("All figures in USD ‘000, except TCE rate per day", 1e3, "USD"),
    ("RMB’Million", 1e6, "CNY"),
    ("$ MILLION", 1e6, "USD"),
    ("USDm", 1e6, "USD"),
    ("(in million)", 1e6, None),
    ("Number of Shares (thousands)", 1e3, None),
    ("(Shares in thousands)", 1e3, None),
])
def test_a_label_writes_its_scale(label: str, scale: float, currency: str | None) -> None:
    assert label_scale(label) == (scale, currency)


@pytest.mark.parametrize("label", ["$", "Europe", "Amount", "Weighted-Average Remaining Term (in Years)",
                                   "Total 2019", "Mm Holdings"])
def test_a_label_without_a_scale(label: str) -> None:
    assert label_scale(label) is None


def test_a_scale_in_the_column_headers_is_the_figures_scale(tmp_path: Path) -> None:
    facts = note_facts(tmp_path, [["", "2019 €m", "2018 €m"], ["Defined contribution schemes", "166", "178"],
                                  ["Defined benefit schemes", "57", "44"]])
    assert {(f.scale, f.currency) for f in facts} == {(1_000_000, "EUR")}
    assert answer("What was the change in defined contribution schemes from 2018 to 2019?", facts) == (
        "-€12 million")


@pytest.mark.parametrize("units", ["£m", "$'000", "$M"])
def test_a_units_row_under_the_years_scales_the_table(tmp_path: Path, units: str) -> None:
    facts = note_facts(tmp_path, [["", "2019", "2018"], ["", units, units], ["Net debt", "295.2", "235.8"],
                                  ["Cash", "12.0", "10.1"]])
    scale, _ = label_scale(units) or (None, None)
    assert {f.scale for f in facts} == {int(scale or 0)}
    assert answer("What was the change in net debt from 2018 to 2019?", facts).endswith(
        "59.4 million" if scale == 1e6 else "59.4 thousand")


def test_a_corner_cell_scales_the_table_but_not_its_percentages(tmp_path: Path) -> None:
    facts = note_facts(tmp_path, [["$ million", "2019", "2018", "Change (%)"],
                                  ["Closing cash", "183.2", "121.6", "50.7"],
                                  ["Revenue", "503.6", "476.9", "5.6"]])
    by_header = {f.header: f for f in facts}
    assert by_header["2019"].scale == 1_000_000 and by_header["Change (%)"].scale == 1
    assert answer("What was the change in closing cash from 2018 to 2019?", facts) == "$61.6 million"


def test_a_share_count_column_in_thousands_leaves_the_price_column_alone(tmp_path: Path) -> None:
    facts = note_facts(tmp_path, [["", "Number of Shares (thousands)", "Weighted-Average Grant Price"],
                                  ["Granted", "3,288", "$6.74"], ["Canceled", "(1,340)", "$6.57"]])
    by_header = {f.header: f for f in facts}
    assert by_header["Number of Shares (thousands)"].scale == 1000
    assert by_header["Weighted-Average Grant Price"].scale != 1000


def test_a_units_line_above_the_table_still_governs_without_a_header_scale(tmp_path: Path) -> None:
    facts = note_facts(tmp_path, [["", "2019", "2018"], ["", "(in thousands)", ""], ["Revenue", "10", "8"],
                                  ["Cost of revenue", "6", "5"]])
    assert {f.scale for f in facts} == {1000}


@pytest.mark.parametrize("years", [("2019 (1)", "2018"), ("2 0 1 9", "2 0 1 8")])
def test_year_headers_with_a_footnote_mark_or_letter_spaced_head_their_columns(
        tmp_path: Path, years: tuple[str, str]) -> None:
    facts = note_facts(tmp_path, [["", *years], ["Total other operating expenses", "$166.3", "$513.3"],
                                  ["Impairment charges", "94.2", "394.0"]])
    assert answer("What was the percentage change in Total other operating expenses between 2018 and 2019?",
                  facts) == "-67.60%"


def test_a_group_row_naming_a_date_gives_its_rows_year(tmp_path: Path) -> None:
    facts = note_facts(tmp_path, [["", "Gross", "Allowance"], ["December 31, 2019", "", ""],
                                  ["Trade receivables", "19,731", "(238)"], ["December 31, 2018", "", ""],
                                  ["Trade receivables", "15,568", "(168)"]])
    gross = [f for f in facts if f.header == "Gross"]
    assert [f.value for f in gross] == [Decimal(19731), Decimal(15568)]
    asked = "What was the change in the gross trade receivables between 2018 and 2019?"
    assert answer(asked, facts) == "4,163"


def test_a_negative_amount_in_a_currency_code_keeps_its_minus_on_the_number(tmp_path: Path) -> None:
    facts = note_facts(tmp_path, [["", "2019", "2018"], ["", "RMB’Million", "RMB’Million"],
                                  ["Additions", "44,618", "60,807"], ["Disposals", "(16,664)", "(14,805)"]])
    result = answer("How much is the change in additions from 2018 to 2019?", facts)
    assert result == "CNY -16,189 million"
    assert signed_figures(result)[0].value == -16189  # read back as the negative figure it is


def test_a_difference_between_two_rows_in_the_column_the_question_names(tmp_path: Path) -> None:
    facts = note_facts(tmp_path, [["", "Weighted-Average Useful Lives (in years)", "Fair Value Amount"],
                                  ["Purchased technology", "4.2", "$232"],
                                  ["Trademarks and tradenames", "5.0", "25"],
                                  ["Other intangible assets", "2.0", "20"]])
    request = read_request("What was the difference in the fair value amount between purchased technology "
                           "and trademarks and tradenames?")
    assert request is not None and request.operation == "difference"
    assert compute(request, Facts(facts)).work == "232 \u2212 25"
    lives = read_request("What is the difference in useful lives between purchased technology and other "
                         "intangible assets?")
    assert lives is not None and compute(lives, Facts(facts)).work == "4.2 \u2212 2"


def test_two_columns_and_no_year_nor_column_named_is_no_operand(tmp_path: Path) -> None:
    facts = note_facts(tmp_path, [["", "Gross", "Net"], ["Purchased technology", "40", "32"],
                                  ["Trademarks", "30", "25"]])
    request = read_request("What was the difference between purchased technology and trademarks?")
    assert request is not None
    with pytest.raises(MissingOperand):
        compute(request, Facts(facts))


def test_a_paragraph_stating_the_units_heads_the_table_it_scales(tmp_path: Path) -> None:
    rows = [["", "2019", "2018"], ["Raw materials", "23,363", "25,746"], ["Finished goods", "1,000", "2,000"]]
    heading = "NOTES TO CONSOLIDATED FINANCIAL STATEMENTS (in thousands, except for share and per share data)"
    facts = note_facts(tmp_path, rows, heading)
    assert {f.scale for f in facts} == {1000}
    assert answer("What was the change in the amount of raw materials between 2018 and 2019?", facts) == (
        "-2,383 thousand"
    )
    # a paragraph that states no units still follows the table
    plain = [{"order": 1, "text": "Inventories grew."}]
    text = tatqa_document({"table": {"table": rows}, "paragraphs": plain})
    assert text.index("| Raw materials") < text.index("Inventories grew.")
