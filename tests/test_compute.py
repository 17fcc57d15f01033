"""Computed answers: what a question asks to compute, operands found among facts, the decimal
arithmetic with its work (units, signs, scales, periods, rounding, a missing operand, a question's
own formula), the TAT-QA figure score, and the LLM given the computation over real HTTP."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.answer.compute import MissingOperand, compute
from assistant.answer.computing import ComputedAnswer, computed_passage
from assistant.answer.deductions import is_deduction
from assistant.answer.llm import LLMAnswerer
from assistant.answer.operands import Facts, fact_year
from assistant.answer.request import read_request
from assistant.answer.work import cited_computation, row_quote
from assistant.evaluation import metrics as m
from assistant.evaluation.datasets import tatqa_document
from assistant.models import Passage
from assistant.question import Question
from ingest.facts import Fact, extract_facts
from ingest.loaders import load_documents
from tests.llm_helpers import apple_retriever, settings_for
from tests.openai_server import Reply, ScriptedOpenAI, prompt_of


def fact(
    label: str,
    year: int,
    value: str,
    *,
    item: str | None = None,
    scale: int | None = 1_000_000,
    unit: str | None = "currency",
    currency: str | None = "USD",
    chunk: str = "c1",
    statement: str | None = "income_statement",
) -> Fact:
    return Fact(
        doc_id="d1",
        chunk_id=chunk,
        page=3,
        company="Acme Corp",
        statement=statement,
        line_item=label,
        parents=(),
        line_item_id=item,
        header=str(year),
        period_start=None,
        period_end=f"{year}-12-31",
        fiscal_period=f"FY{year}",
        value=Decimal(value),
        text=value,
        unit=unit,
        currency=currency,
        scale=scale,
    )


INCOME = [
    fact("Total net sales", 2024, "391035", item="revenue"),
    fact("Total net sales", 2023, "383285", item="revenue"),
    fact("Cost of sales", 2024, "210352", item="cost_of_revenue"),
    fact("Cost of sales", 2023, "214137", item="cost_of_revenue"),
    fact("Other income (expense), net", 2024, "-269"),
    fact("Other income (expense), net", 2023, "-565"),
    fact(
        "Purchases of property, plant and equipment",
        2024,
        "-9447",
        item="capital_expenditure",
        statement="cash_flows",
    ),
    fact("Inventories", 2024, "7286", item="inventory", statement="balance_sheet"),
    fact("Inventories", 2023, "6331", item="inventory", statement="balance_sheet"),
]


def computed(question: str, facts: list[Fact] = INCOME) -> tuple[str, str]:
    request = read_request(question)
    assert request is not None
    result = compute(request, Facts(facts))
    return result.result, result.work


def test_a_question_is_read_into_what_to_compute() -> None:
    growth = read_request("What was the percentage change in total net sales from 2023 to 2024?")
    assert growth is not None and growth.operation == "percent_change"
    assert growth.subjects == ("total net sales",) and growth.years == (2023, 2024)
    asked = read_request(
        "What is Acme's FY2024 gross margin? Answer in units of percents and round to one decimal place."
    )
    assert asked is not None and asked.metric is not None and asked.metric.id == "gross_margin"
    assert asked.rounding.decimals == 1 and asked.rounding.percent
    assert read_request("What does the company say about supply chain risk?") is None
    # why and how are quoted, not computed; a quarter's figure is not taken from the year's
    assert read_request("What were the main factors behind the change in gross margin in 2023?") is None
    quarter = read_request("What was Acme's operating income in Q2 2023?")
    assert quarter is not None and [str(q) for q in quarter.quarters] == ["Q2 FY2023"]
    with pytest.raises(MissingOperand):
        compute(quarter, Facts([*INCOME, fact("Operating income", 2023, "114301", item="operating_income")]))
    assert read_request("In Q1 2023, how did operating expenses measure up against revenue?") is None


def test_change_and_growth_are_later_minus_earlier_with_their_work() -> None:
    assert computed("What was the change in total net sales from 2023 to 2024?") == (
        "$7,750 million",
        "391,035 \u2212 383,285",
    )
    assert computed("What was the percentage change in total net sales between 2023 and 2024?") == (
        "2.02%",
        "(391,035 \u2212 383,285) / 383,285",
    )
    assert (
        computed(
            "What was the percentage change in total net sales between 2023 and 2024? Round to "
            "one decimal place."
        )[0]
        == "2.0%"
    )


def test_negative_figures_keep_their_sign_and_outflows_count_as_magnitudes_in_metrics() -> None:
    # (269) against (565): the change is +296, computed on the signed figures
    assert computed("What was the change in other income (expense), net from 2023 to 2024?") == (
        "$296 million",
        "(-269) \u2212 (-565)",
    )
    # capex is printed as an outflow; the vocabulary's capex is its magnitude
    assert computed("What was the capex in FY2024?") == ("$9,447 million", "9,447")
    # a figure asked for by itself is the row the question names, not the vocabulary's nearest item
    with pytest.raises(MissingOperand):
        computed("What was the LinkedIn capex in FY2024?")


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


def test_a_metric_uses_prior_periods_and_the_questions_own_definition_wins() -> None:
    builtin, work = computed("What is Acme's FY2024 inventory turnover ratio?")
    assert builtin == "30.90" and work == "210,352 / ((7,286 + 6,331) / 2)"
    own, own_work = computed(
        "What is Acme's FY2024 inventory turnover? Inventory turnover is defined as: "
        "FY2024 COGS / FY2024 inventory. Round your answer to two decimal places."
    )
    assert own == "28.87" and own_work == "210,352 / 7,286"


def test_a_missing_operand_is_named_not_guessed() -> None:
    request = read_request("What is Acme's FY2024 inventory turnover ratio?")
    assert request is not None
    with pytest.raises(MissingOperand, match="inventories for FY2023"):
        compute(
            request,
            Facts([f for f in INCOME if not (f.line_item_id == "inventory" and f.fiscal_period == "FY2023")]),
        )
    with pytest.raises(MissingOperand, match="widgets for 2024"):
        compute(read_request("What was the change in widgets from 2023 to 2024?"), Facts(INCOME))  # type: ignore[arg-type]


def test_each_operand_is_cited_by_the_table_row_that_holds_it() -> None:
    chunk = (
        "In millions | 2024 | 2023\nTotal net sales | 2024: 391035 | 2023: 383285\n"
        "Cost of sales | 2024: 210352 | 2023: 214137"
    )
    request = read_request("What was the percentage change in total net sales between 2023 and 2024?")
    assert request is not None
    result = compute(request, Facts(INCOME))
    passage = Passage(
        rank=1, score=1.0, chunk_id="c1", doc_id="d1", title="Acme 10-K", source="/a.htm", text=chunk
    )
    computation, citations = cited_computation(result, [passage])
    assert [c.quote for c in citations] == ["Total net sales | 2024: 391035 | 2023: 383285"]
    assert all(o.n == 1 and o.text in citations[0].quote for o in computation.operands)
    assert computation.line() == (
        "Percentage change in total net sales, 2023 to 2024: 2.02% = (391,035 \u2212 383,285) / 383,285 [1]"
    )
    assert row_quote(INCOME[2], chunk) == "Cost of sales | 2024: 210352 | 2023: 214137"


def test_an_operand_is_quoted_by_its_own_row_not_one_whose_label_or_figure_contains_it() -> None:
    """A label inside another row's label ("Parts" in "Services (excluding Parts)"), a figure inside
    another figure ("1" in "12") and a label repeated under two group rows: the quote is the row
    that states the operand, so the reader finds it there."""
    chunk = (
        "|  | 2019 | 2018 | 2017 |\n|---|---|---|---|\n| Europe |  |  |  |\n"
        "| Services (excluding Parts) | 49 | 3 | 12 |\n| Parts | 3 | 1 | 3 |\n"
        "| Asia |  |  |  |\n| Parts | — | 0 | 1 |\n| Total | 52 | 4 | 16 |"
    )
    europe = replace(fact("Parts", 2018, "1", scale=None), parents=("Europe",))
    asia = replace(fact("Parts", 2017, "1", scale=None), parents=("Asia",))
    assert row_quote(europe, chunk) == "| Parts | 3 | 1 | 3 |"
    assert row_quote(asia, chunk) == "| Parts | — | 0 | 1 |"
    assert row_quote(fact("Total", 2017, "16", scale=None), chunk) == "| Total | 52 | 4 | 16 |"


def test_a_markdown_note_table_gives_facts_that_answer(tmp_path: Path) -> None:
    context = {
        "table": {
            "table": [
                ["", "Years Ended September 30,", ""],
                ["", "2019", "2018"],
                ["", "(in millions)", ""],
                ["Fixed Price", "$ 1,452.4", "$ 1,146.2"],
                ["Other", "44.1", "(56.7)"],
            ]
        },
        "paragraphs": [{"order": 1, "text": "Sales by contract type."}],
    }
    text = tatqa_document(context)
    assert "| Fixed Price | $ 1,452.4 | $ 1,146.2 |" in text and "|---|---|---|" in text
    path = tmp_path / "note.md"
    path.write_text(text, encoding="utf-8")
    doc = load_documents(str(path))[0]
    facts = extract_facts(doc, [])
    assert {(f.line_item, f.fiscal_period, str(f.value)) for f in facts} >= {("Other", "FY2018", "-56.7")}
    result, work = computed("What is the change in Other in 2019 from 2018?", facts)
    assert result == "$100.8 million" and work == "44.1 \u2212 (-56.7)"


def test_the_figure_score_checks_sign_rounding_and_scale() -> None:
    gold = m.single_figure(["-12.6 million"])
    assert gold is not None and gold.power == 6
    assert m.figure_match(gold, m.signed_figures("-12.60 million")[0])
    assert not m.figure_match(gold, m.signed_figures("12.6 million")[0])  # the sign counts
    assert not m.figure_match(gold, m.signed_figures("-12.6")[0])  # the scale counts...
    assert m.figure_match(gold, m.signed_figures("-12.6")[0], scale=False)  # ...unless set aside
    assert m.figure_match(gold, m.signed_figures("-12,600 thousand")[0])
    percent = m.single_figure(["-6.7%"])
    assert percent is not None and m.figure_match(percent, m.signed_figures("-6.70%")[0])
    assert not m.figure_match(percent, m.signed_figures("-6.8%")[0])
    assert m.single_figure(["Corporate. Its net revenue was -$473 million."]) is None


def computed_evidence(question: str) -> ComputedAnswer:
    request = read_request(question)
    assert request is not None
    result = compute(request, Facts(INCOME))
    computation, citations = cited_computation(result, [])
    return ComputedAnswer(computation, citations, [])


def test_the_llm_may_state_dossiers_computed_figure_and_no_other(openai_server: ScriptedOpenAI) -> None:
    question = "What was the percentage change in total net sales between 2023 and 2024?"
    evidence = computed_evidence(question)
    assert evidence.computation is not None
    n = 5  # four retrieved passages, then the computation
    openai_server.script(Reply(f"Net sales grew 2.02% [{n}]. Gross margin was 46.2% [{n}]."))
    llm = LLMAnswerer.from_settings(
        settings_for(openai_server), apple_retriever(), compute=lambda q: evidence
    )
    answer = llm.answer(Question(question))
    prompt = prompt_of(openai_server.requests[-1])
    assert f'<passage n="{n}" source="Computed by Dossier">' in prompt
    assert "2.02% = (391,035" in prompt
    assert [c.status for c in answer.claims] == ["supported", "unsupported"]
    assert answer.claims[1].unsupported_numbers == ["46.2%"]  # derived by the model: not Dossier's
    assert answer.computation is not None and answer.computation.result == "2.02%"
    assert answer.citations[0].doc_id == computed_passage(evidence.computation).doc_id


def test_the_chat_shows_the_work_in_its_own_box() -> None:
    from assistant.answer.computing import computed_answer
    from assistant.ui.render import answer_markdown

    evidence = computed_evidence("What was the change in total net sales from 2023 to 2024?")
    html = answer_markdown(computed_answer("q", evidence, []), 1)
    assert '<div class="work-box">' in html and "<strong>$7,750 million</strong>" in html
    assert html.count("<li>Total net sales") == 2


def test_figures_backed_counts_the_computation_but_not_an_operand_without_its_quote() -> None:
    from assistant.answer.computing import computed_answer

    evidence = computed_evidence("What is the average total net sales for 2023 and 2024?")
    answer = computed_answer("q", evidence, [])
    assert answer.answer.startswith("Average total net sales, 2023, 2024: $387,160 million")
    # no quote holds the operands here (no passages were given): only Dossier's own figures count
    share = m.numbers_supported(answer)
    assert share is not None and 0 < share < 1
