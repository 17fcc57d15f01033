"""Computed figures for quarters: the quarters a question names (quarters.py), operands matched
to the three-month column of that fiscal quarter (never a year-to-date one), and the label naming
the quarters; questions naming no quarter keep their years."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.answer.compute import ComputeError, MissingOperand, compute
from assistant.answer.operands import Facts
from assistant.answer.quarters import Quarter, quarters_asked
from assistant.answer.request import read_request
from assistant.answer.result import Computed
from ingest.facts import Fact, extract_facts
from ingest.loaders.sec import load_sec
from tests.conftest import FIXTURES


def computed(question: str, facts: list[Fact]) -> Computed:
    request = read_request(question)
    assert request is not None, question
    return compute(request, Facts(facts))


def column(label: str, fiscal: str, value: str, start: str | None, end: str, item: str | None = None,
           statement: str = "income_statement", parents: tuple[str, ...] = ()) -> Fact:
    """A figure of a 10-Q table, its column as ingest dates it (ingest/facts.py)."""
    return Fact(doc_id="q", chunk_id="c", page=4, company="Apple Inc.", statement=statement,
                line_item=label, parents=parents, line_item_id=item, header=fiscal, period_start=start,
                period_end=end, fiscal_period=fiscal, value=Decimal(value), text=value,
                unit="currency", currency="USD", scale=1_000_000)


Q3_23, Q3_22 = ("2023-04-02", "2023-07-01"), ("2022-03-27", "2022-06-25")
NINE_23, NINE_22 = ("2022-09-25", "2023-07-01"), ("2021-09-26", "2022-06-25")
# the year-to-date columns first: a match by year or by first place would take them
TEN_Q = [
    column("Total net sales", "9M FY2023", "293787", *NINE_23, item="revenue"),
    column("Total net sales", "9M FY2022", "304182", *NINE_22, item="revenue"),
    column("Total net sales", "Q3 FY2023", "81797", *Q3_23, item="revenue"),
    column("Total net sales", "Q3 FY2022", "82959", *Q3_22, item="revenue"),
    column("Services", "9M FY2023", "62886", *NINE_23),
    column("Services", "Q3 FY2023", "21213", *Q3_23),
    column("Total gross margin", "9M FY2023", "130541", *NINE_23, item="gross_profit"),
    column("Total gross margin", "Q3 FY2023", "36413", *Q3_23, item="gross_profit"),
    column("Total gross margin", "Q3 FY2022", "35885", *Q3_22, item="gross_profit"),
    column("Operating income", "9M FY2023", "86036", *NINE_23, item="operating_income"),
    column("Operating income", "Q3 FY2023", "22998", *Q3_23, item="operating_income"),
    column("Inventories", "Q3 FY2023", "7351", None, "2023-07-01", item="inventory",
           statement="balance_sheet"),
    column("Inventories", "FY2022", "4946", None, "2022-09-24", item="inventory", statement="balance_sheet"),
]


@pytest.mark.parametrize(
    ("question", "quarters"),
    [
        ("What was the percentage change in Apple's net sales in Q3 FY2023 compared to Q3 FY2022?",
         [(2023, 3), (2022, 3)]),
        ("How did gross margin change between the second quarter of 2023 and the second quarter of 2022?",
         [(2023, 2), (2022, 2)]),
        ("What was NVIDIA's operating income for the first quarter of fiscal 2024?", [(2024, 1)]),
        ("Which segment had the lowest net revenue in 2021 Q1?", [(2021, 1)]),
        ("Revenue in fiscal 2023 third quarter vs Q3'22?", [(2023, 3), (2022, 3)]),
        ("What is the sum of the operating revenues for Bell Wireless in Q4 2019 and 2018?",
         [(2019, 4), (2018, 4)]),
        ("What is the change in revenues between the second and first quarter in the fiscal year 2019?",
         [(2019, 2), (2019, 1)]),
        ("Did the VaR in the second fiscal quarter of 2023 decrease compared to the same period in the "
         "prior year?", [(2023, 2), (2022, 2)]),
        ("How did net sales in Q2 2023 compare with the same quarter of 2021?", [(2023, 2), (2021, 2)]),
    ],
)
def test_quarters_are_read_by_fiscal_year_in_the_order_named(
    question: str, quarters: list[tuple[int, int]]
) -> None:
    assert [(q.year, q.number) for q in quarters_asked(question) or ()] == quarters


def test_a_quarter_ended_on_a_day_is_read_as_its_date() -> None:
    assert quarters_asked("What were net sales for the quarter ended July 1, 2023?") == (
        Quarter(2023, 0, "2023-07-01"),)


@pytest.mark.parametrize(
    "question",
    [
        "What was Apple's cash flow from operating activities as reported in the Q3 2022 10-Q?",
        "What was the gross margin for Apple in the latest 10-Q report?",
        "For the latest quarter, what was the total revenue generated from Apple's iPhone sales?",
        "What was the change in the net sales between the third and fourth quarter?",
        "What is the average quarterly low price in 2018?",
    ],
)
def test_a_quarter_undated_or_naming_a_document_is_not_computed(question: str) -> None:
    assert quarters_asked(question) is None
    assert read_request(question) is None


def test_a_question_naming_no_quarter_keeps_its_years() -> None:
    request = read_request("What was the percentage change in net sales between 2022 and 2023?")
    assert request is not None and request.quarters == () and request.years == (2022, 2023)


def test_a_change_between_quarters_takes_their_three_month_columns() -> None:
    question = "What was the percentage change in Apple's net sales in Q3 FY2023 compared to Q3 FY2022?"
    request = read_request(question)
    assert request is not None and request.operation == "percent_change"
    result = computed(question, TEN_Q)
    assert result.result == "-1.40%"
    assert result.work == "(81,797 − 82,959) / 82,959"
    assert [f.fact.fiscal_period for f in result.used] == ["Q3 FY2023", "Q3 FY2022"]
    assert result.label.startswith("Percentage change in")
    assert result.label.endswith("Q3 FY2022 to Q3 FY2023")


def test_a_quarters_figure_share_and_metric_come_from_that_quarter() -> None:
    value = computed("What was Apple's operating income for the third quarter of fiscal 2023?", TEN_Q)
    assert (value.result, value.label) == ("$22,998 million", "Operating income Q3 FY2023")
    share = computed("What percentage of total net sales did Services contribute in Q3 2023?", TEN_Q)
    assert share.work == "21,213 / 81,797"
    margin = computed("What was the gross margin in the quarter ended July 1, 2023?", TEN_Q)
    assert margin.work == "36,413 / 81,797"
    assert {f.fact.fiscal_period for f in margin.used} == {"Q3 FY2023"}


def test_the_same_quarter_of_the_prior_year_is_the_other_operand() -> None:
    result = computed("How much did total net sales change in Q3 2023 compared to the same quarter of the "
                      "prior year?", TEN_Q)
    assert result.work == "81,797 − 82,959"


def test_a_quarter_with_only_a_year_to_date_column_is_missing_not_taken() -> None:
    only_ytd = [f for f in TEN_Q if not (f.line_item == "Services" and f.fiscal_period == "Q3 FY2023")]
    with pytest.raises(MissingOperand):
        computed("What percentage of total net sales did Services contribute in Q3 2023?", only_ytd)


def test_a_balance_at_the_quarters_end_is_that_quarters() -> None:
    result = computed("What were the inventories at the end of Q3 2023?", TEN_Q)
    assert result.used[0].fact.period_end == "2023-07-01"


def test_a_year_back_from_a_quarter_is_not_computed() -> None:
    """avg() and prior() reach back a year: from a quarter that is no prior period."""
    with pytest.raises(ComputeError):
        computed("What was the inventory turnover in Q3 2023?", TEN_Q)
    with pytest.raises(ComputeError):
        computed("What was the CAGR of total net sales between Q3 2022 and Q3 2023?", TEN_Q)


def test_a_breakdown_row_named_like_the_total_is_not_the_total() -> None:
    """The segment note's "Net sales" under "Americas:" is a part; "net sales" is the total."""
    segments = [column("Net sales", fiscal, value, *period, item="revenue", statement="segment_note",
                       parents=("Americas:",))
                for fiscal, value, period in (("Q3 FY2023", "35383", Q3_23), ("Q3 FY2022", "37472", Q3_22))]
    result = computed("What was the percentage change in net sales in Q3 FY2023 compared to Q3 FY2022?",
                      [*segments, *TEN_Q])
    assert result.work == "(81,797 − 82,959) / 82,959"
    americas = computed("What was the percentage change in Americas net sales in Q3 FY2023 compared to "
                        "Q3 FY2022?", [*segments, *TEN_Q])
    assert americas.work == "(35,383 − 37,472) / 37,472"


def test_a_real_10q_statement_computes_its_quarters() -> None:
    """Apple's 10-Q for the quarter ended 2023-07-01 (inline XBRL excerpt), ingested; the
    hand-made year-to-date columns before it are never taken for the quarter."""
    html = (FIXTURES / "ixbrl_statement_no_units_line.html").read_text()
    facts = extract_facts(load_sec(html, "/filings/aapl-20230701.htm"), [])
    ytd = [f for f in TEN_Q if f.fiscal_period and f.fiscal_period.startswith("9M")]
    result = computed("What was the percentage change in Apple's net sales in Q3 FY2023 compared to "
                      "Q3 FY2022?", [*ytd, *facts])
    assert result.result == "-1.40%"
    assert {f.fact.doc_id for f in result.used} == {facts[0].doc_id}
    assert [f.fact.period_end for f in result.used] == ["2023-07-01", "2022-06-25"]


def test_a_figure_asked_of_a_part_is_the_parts_row_not_a_segments_total() -> None:
    """"iPhone net sales": the row that names iPhone, never a region's "Net sales" (the
    vocabulary's item under a group the question does not name); a part some row names but
    none in the quarter asked has no figure there; a word no row says (the company's name)
    tells no row from another."""
    facts = [
        column("Net sales", "Q3 FY2023", "35383", *Q3_23, item="revenue", statement="segment_note",
               parents=("Americas:",)),
        column("iPhone", "Q3 FY2023", "39669", *Q3_23, statement="notes",
               parents=("Net sales by category:",)),
        column("Mac", "Q3 FY2022", "7382", *Q3_22, statement="notes", parents=("Net sales by category:",)),
        *TEN_Q,
    ]
    assert computed("What were iPhone net sales in Q3 FY2023?", facts).value == Decimal("39669")
    assert computed("What were Apple's total net sales in Q3 FY2023?", facts).value == Decimal("81797")
    assert computed("What were Mac net sales in Q3 FY2022?", facts).value == Decimal("7382")
    with pytest.raises(MissingOperand):  # no figure rather than another row's
        computed("What were Mac net sales in Q3 FY2023?", facts)
