"""Computed answers, by the kinds of TAT-QA failure they fix (docs/evaluation.md, h-tat-kinds):
signs of deductions, a share of a total however worded, a row dated by its label, a change in a
percentage in points, a row's own words not read as an operation, a difference's size."""

from __future__ import annotations

from dataclasses import replace

from assistant.answer.deductions import is_deduction
from assistant.answer.operands import fact_year
from assistant.answer.request import read_request
from ingest.facts import Fact
from tests.compute_helpers import computed, fact


def test_a_deduction_printed_in_parentheses_is_asked_about_by_its_size() -> None:
    expenses = [fact("Voyage expenses", 2024, "-21387"), fact("Voyage expenses", 2023, "-28237")]
    assert computed("What was the change in voyage expenses from 2023 to 2024?", expenses) == (
        "-$6,850 million",
        "21,387 \u2212 28,237",
    )
    assert computed("What was the average voyage expenses in 2023 and 2024?", expenses)[0] == (
        "$24,812 million"
    )
    # a part of a signed net figure keeps its sign: the row's group names income
    grouped = [replace(f, parents=("Other income (expense):",)) for f in expenses]
    assert computed("What was the change in voyage expenses from 2023 to 2024?", grouped)[0] == (
        "$6,850 million"
    )
    # a deduction in one year only is not printed as one: signs kept
    mixed = [fact("Voyage expenses", 2024, "-21387"), fact("Voyage expenses", 2023, "28237")]
    assert computed("What was the change in voyage expenses from 2023 to 2024?", mixed)[0] == (
        "-$49,624 million"
    )


def test_a_row_direction_is_its_first_direction_word_outside_parentheses() -> None:
    assert is_deduction("Losses recognized in other income (expense), net")
    assert is_deduction("Allowance for doubtful accounts") and is_deduction("Cost of sales")
    assert not is_deduction("Other income (expense), net")
    assert not is_deduction("(Loss)/profit before taxation") and not is_deduction("Gain (loss) on sale")
    assert not is_deduction("Interest expense", ("Other income (expense):",))


def test_scales_are_shown_and_converted_as_asked() -> None:
    assert computed("What were the FY2024 COGS? Answer in USD billions.")[0] == "$210.352 billion"
    unscaled = [
        fact("Widgets", y, v, scale=None, unit=None, currency=None) for y, v in ((2024, "12.5"), (2023, "10"))
    ]
    assert computed("What was the change in widgets from 2023 to 2024?", unscaled)[0] == "2.5"


def test_ratios_with_different_scales_are_computed_in_units() -> None:
    facts = [
        fact("Segment revenue", 2024, "500", scale=1_000),
        fact("Total revenue", 2024, "2", scale=1_000_000),
    ]
    result, _ = computed("What is segment revenue as a percentage of total revenue in 2024?", facts)
    assert result == "25.00%"


def test_a_share_of_a_total_is_the_part_over_the_whole_however_the_question_words_it() -> None:
    def parts(question: str) -> tuple[str, ...]:
        request = read_request(question)
        assert request is not None and request.operation == "ratio"
        return request.subjects

    assert parts("What percentage of the total amortized cost is made up of foreign bonds in 2018?") == (
        "foreign bonds",
        "total amortized cost",
    )
    assert parts("What percentage of total investments were accounted for using the equity method?") == (
        "using equity method",
        "total investments",
    )
    assert parts("What percentage of the total income before taxes does Swiss income form a part of?") == (
        "Swiss income",
        "total income before taxes",
    )
    # the split is at the total, not at an earlier "of" or "to"
    assert parts(
        "What is the percentage of the receivables three to six months old in the total receivables?"
    ) == (
        "receivables three six months old",
        "total receivables",
    )


def test_a_percentage_constitution_is_a_share_and_a_deduction_counts_by_its_size() -> None:
    request = read_request(
        "In 2019, what is the percentage constitution of prepaid expenses among the total assets?"
    )
    assert request is not None and request.operation == "ratio"
    assert request.subjects == ("prepaid expenses", "total assets")
    ebitda = [
        fact("Depreciation and amortisation", 2019, "-111"),
        fact("EBITDA", 2019, "372"),
    ]
    question = "What is the percentage constitution of depreciation and amortisation in EBITDA in 2019?"
    assert computed(question, ebitda) == ("29.84%", "111 / 372")


def test_a_share_of_a_rows_total_column_is_two_columns_of_that_row() -> None:
    def cell(label: str, header: str, value: str) -> Fact:
        return replace(fact(label, 2024, value), header=header, period_end=None, fiscal_period=None)

    obligations = [
        cell(label, header, value)
        for label, values in (
            ("Purchase obligations", ("400", "300", "60", "40")),
            ("Leases", ("9", "5", "3", "1")),
        )
        for header, value in zip(
            ("Total", "Less Than 1 Year", "1-3 Years", "More Than 5 Years"), values, strict=True
        )
    ]
    result, work = computed(
        "What is the percentage of the purchase obligations of more than 5 years in the total purchase "
        "obligations?",
        obligations,
    )
    assert (result, work) == ("10.00%", "40 / 400")


def test_a_roll_forward_row_dated_by_its_label_is_that_years_figure() -> None:
    def row(label: str, value: str) -> Fact:
        undated = fact(label, 2019, value, scale=1_000, unit=None, currency=None)
        return replace(undated, header="Number of Shares (thousands)", period_end=None, fiscal_period=None)

    roll = [
        row("Nonvested as of December 31, 2018", "5974"),
        row("Granted", "1200"),
        row("Nonvested as of December 31, 2019", "6148"),
        row("Senior notes due December 2024", "400"),
    ]
    assert [fact_year(f) for f in roll] == [2018, None, 2019, None]  # a maturity is not a date
    result, work = computed(
        "What is the total number of nonvested shares as of December 31, 2019 and 2018?", roll
    )
    assert (result, work) == ("12,122 thousand", "6,148 + 5,974")


def test_a_change_in_a_percentage_of_sales_is_in_points_not_a_ratio_or_a_growth_rate() -> None:
    shares = [
        fact("Gross profit", 2019, "40.0", scale=None, unit=None, currency=None),
        fact("Gross profit", 2018, "50.9", scale=None, unit=None, currency=None),
        fact("Sales", 2019, "100", scale=None, unit="percent", currency=None),
        fact("Sales", 2018, "100", scale=None, unit="percent", currency=None),
    ]
    question = "What was the change in percentage of sales represented by gross profit between 2018 and 2019?"
    request = read_request(question)
    assert request is not None and request.operation == "change" and request.of_percentages
    assert computed(question, shares) == ("-10.90%", "40 \u2212 50.9")
    # a percentage change is still a growth rate
    growth = read_request("What was the percentage change in gross profit between 2018 and 2019?")
    assert growth is not None and growth.operation == "percent_change"


def test_a_rows_own_words_are_not_read_as_what_to_compute() -> None:
    # "weighted-average" names the row; the question asks for its change
    shares = read_request(
        "What was the change in the diluted weighted-average number of shares between 2017 and 2018?"
    )
    assert shares is not None and shares.operation == "change"
    assert shares.subjects == ("diluted weighted-average number shares",)
    # "per share" names the row; "share of" asks for a share
    per_share = read_request("What is the change in basic net income per share from 2018 to 2019?")
    assert per_share is not None and per_share.subjects == ("basic net income per share",)
    # a hyphenated word is one word: "in-game" keeps its "in", "stock-based" its "based"
    total = read_request("What was the sum of net bookings and in-game net bookings in 2019?")
    assert total is not None and total.subjects == ("net bookings", "in-game net bookings")
    benefit = read_request(
        "What is the change in excess tax benefits from stock-based compensation from 2018 to 2019?"
    )
    assert benefit is not None and benefit.subjects == ("excess tax benefits stock-based compensation",)


def test_a_difference_between_two_years_is_a_size_a_change_a_direction() -> None:
    assets = [fact("Net deferred tax assets", 2019, "3851"), fact("Net deferred tax assets", 2018, "4317")]
    difference = "What is the difference in net deferred tax assets between 2018 and 2019?"
    assert computed(difference, assets) == ("$466 million", "4,317 \u2212 3,851")
    assert computed("How much did net deferred tax assets decrease by from 2018 to 2019?", assets)[0] == (
        "$466 million"
    )
    change = "What was the change in net deferred tax assets from 2018 to 2019?"
    assert computed(change, assets) == ("-$466 million", "3,851 \u2212 4,317")
    compared = "What is the difference between net deferred tax assets in 2019 as compared to 2018?"
    assert computed(compared, assets)[0] == "-$466 million"  # "as compared to": a direction
    # a loss against a profit keeps its direction
    profit = [fact("Net profit", 2019, "-9819"), fact("Net profit", 2018, "6639")]
    assert computed("What is the difference in net profit between 2018 and 2019?", profit)[0] == (
        "-$16,458 million"
    )
