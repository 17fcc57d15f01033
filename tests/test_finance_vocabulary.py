"""The finance vocabulary (ingest/finance): the shipped TOML, its lookups, the formula language
and a question's own definition."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from ingest.finance import (
    FormulaError,
    VocabularyError,
    evaluate,
    line_item_for,
    load_vocabulary,
    metric_for,
    operands,
    parse_definition,
    parse_formula,
    read_vocabulary,
    render,
    statement_for,
)
from ingest.finance.phrases import name_key
from ingest.loaders import load_documents

FIXTURES = Path(__file__).parent / "fixtures"


# --- the shipped vocabulary -----------------------------------------------------------------

def test_vocabulary_loads_with_the_metrics_analysts_name() -> None:
    vocab = load_vocabulary()
    assert len(vocab.metrics) >= 40
    for metric_id in ("capex", "free_cash_flow", "dpo", "quick_ratio", "ebitda", "cagr", "segment_share"):
        assert metric_id in vocab.metrics


def test_every_formula_operand_is_a_line_item_or_a_parameter() -> None:
    vocab = load_vocabulary()
    for metric in vocab.metrics.values():
        for expression in (metric.expression, *metric.alternative_expressions):
            for name in operands(expression):
                assert name in vocab.line_items or name in metric.parameters, (metric.id, name)


def test_no_name_is_shared_by_two_metrics() -> None:
    owners: dict[str, str] = {}
    for metric in load_vocabulary().metrics.values():
        for name in metric.names:
            assert owners.setdefault(name_key(name), metric.id) == metric.id, name


def test_line_items_have_labels_concepts_and_a_known_statement() -> None:
    vocab = load_vocabulary()
    for item in vocab.line_items.values():
        assert item.labels, item.id
        assert item.concepts and all(c.startswith(("us-gaap:", "dei:")) for c in item.concepts), item.id
        assert item.statement in vocab.statements, item.id
    assert vocab.line_items["total_assets"].period == "instant"
    assert vocab.line_items["revenue"].period == "duration"
    assert vocab.line_items["capital_expenditure"].sign == "negative"


def _write(tmp_path: Path, metrics: str, statement: str = "balance_sheet") -> Path:
    path = tmp_path / "vocab.toml"
    path.write_text(
        '[statements.balance_sheet]\nlabel = "Balance sheet"\nheadings = ["balance sheet"]\n'
        f'[line_items.cash]\nlabel = "Cash"\nstatement = "{statement}"\nsign = "positive"\n'
        'labels = ["Cash"]\n' + metrics, encoding="utf-8")
    return path


@pytest.mark.parametrize(("metrics", "statement", "message"), [
    ('[metrics.a]\nlabel = "A"\nkind = "amount"\nnames = ["a"]\nformula = "cash + debt"\n', "balance_sheet",
     "uses debt"),
    ('[metrics.a]\nlabel = "A"\nkind = "amount"\nnames = ["cash pile"]\nformula = "cash"\n'
     '[metrics.b]\nlabel = "B"\nkind = "amount"\nnames = ["Cash piles"]\nformula = "cash"\n', "balance_sheet",
     "belongs to both"),
    ('[metrics.a]\nlabel = "A"\nkind = "amount"\nnames = ["a"]\nformula = "cash ** 2"\n', "balance_sheet",
     "unexpected '*'"),
    ('[metrics.a]\nlabel = "A"\nkind = "amount"\nnames = ["a"]\nformula = "cash"\n', "cash_flows",
     "statement 'cash_flows'"),
    ('[metrics.a]\nlabel = "A"\nkind = "speed"\nnames = ["a"]\nformula = "cash"\n', "balance_sheet", "kind"),
])
def test_a_bad_vocabulary_is_refused_naming_file_and_entry(
        tmp_path: Path, metrics: str, statement: str, message: str) -> None:
    with pytest.raises(VocabularyError) as caught:
        read_vocabulary(_write(tmp_path, metrics, statement))
    assert str(tmp_path / "vocab.toml") in str(caught.value)
    assert message in str(caught.value)


def test_a_valid_small_vocabulary_reads(tmp_path: Path) -> None:
    vocab = read_vocabulary(_write(
        tmp_path, '[metrics.a]\nlabel = "A"\nkind = "amount"\nnames = ["cash pile"]\nformula = "2 * cash"\n'))
    assert list(vocab.metrics) == ["a"]


def test_an_unreadable_vocabulary_says_so(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[metrics.a\n", encoding="utf-8")
    with pytest.raises(VocabularyError, match="broken.toml: cannot read"):
        read_vocabulary(path)


# --- metric_for ----------------------------------------------------------------------------

@pytest.mark.parametrize(("question", "expected"), [
    ("What was Apple's capex in FY2023?", ["capex"]),
    ("How much did they spend on capital expenditures in 2022?", ["capex"]),
    ("What is the gross margin and the operating margin for Q2?", ["gross_margin", "operating_margin"]),
    ("Compare basic EPS with diluted EPS", ["eps_basic", "eps_diluted"]),
    ("What was EPS last quarter?", ["eps_diluted"]),
    ("What is FY2018 days payable outstanding (DPO) for Walmart?", ["dpo"]),
    ("What is the quick ratio?", ["quick_ratio"]),
    ("Revenue growth year-over-year", ["revenue", "yoy_growth"]),
    ("three-year revenue CAGR", ["revenue", "cagr"]),
    ("What is P&G's D&A?", ["depreciation_amortization"]),
    ("EBITDA margin vs EBITDA", ["ebitda_margin", "ebitda"]),
    ("Return on Equity", ["roe"]),
    ("What did the company say about its margin?", []),
    ("Who is the CEO?", []),
])
def test_metric_for_finds_the_metrics_a_question_names(question: str, expected: list[str]) -> None:
    assert [m.id for m in metric_for(question)] == expected


# --- line_item_for -------------------------------------------------------------------------

@pytest.mark.parametrize(("row_label", "expected"), [
    ("Purchases of property, plant and equipment", ["capital_expenditure"]),
    ("Payments for acquisition of property, plant and equipment", ["capital_expenditure"]),
    ("Capital expenditures", ["capital_expenditure"]),
    ("Total net sales", ["revenue"]),
    ("Net income (loss)", ["net_income"]),
    ("Provision for (benefit from) income taxes", ["income_tax"]),
    ("Accounts receivable, net of allowance for doubtful accounts of $633 and $751", ["accounts_receivable"]),
    ("Property and equipment, net of accumulated depreciation of $59,660 and $51,351", ["ppe_net"]),
    ("Inventories (Note 4)", ["inventory"]),
    ("Total stockholders\u2019 equity", ["total_equity"]),
    ("INCOME BEFORE INCOME TAXES", ["pretax_income"]),
    ("Net cash provided by (used in) operating activities", ["operating_cash_flow"]),
    ("Cost of sales (1)", ["cost_of_revenue"]),
    ("Basic", ["eps_basic", "shares_basic"]),
    ("Less: current portion of long-term debt", ["short_term_debt"]),
    ("Total shareholders\u2019 equity, ending balances", ["total_equity"]),
    ("Total assets", ["total_assets"]),
    ("Assets", []),
    ("Other income (expense), net", []),
])
def test_line_item_for_maps_row_labels(row_label: str, expected: list[str]) -> None:
    assert [item.id for item in line_item_for(row_label)] == expected


# --- statement_for -------------------------------------------------------------------------

@pytest.mark.parametrize(("heading", "expected"), [
    ("CONDENSED CONSOLIDATED STATEMENTS OF CASH FLOWS (Unaudited)", "cash_flows"),
    ("Consolidated Balance Sheets", "balance_sheet"),
    ("Condensed Consolidated Balance Sheets\u2014June 30, 2023 and December 31, 2022", "balance_sheet"),
    ("Notes to Condensed Consolidated Financial Statements \u2014 Segment Information", "segment_note"),
    ("Notes to Consolidated Financial Statements", "notes"),
    ("Note 9 \u2013 Debt", "notes"),
    ("Item 7. Management\u2019s Discussion and Analysis of Financial Condition and Results of Operations",
     "mdna"),
    ("Item 1A. Risk Factors", "risk_factors"),
    ("CONSOLIDATED STATEMENTS OF OPERATIONS AND COMPREHENSIVE INCOME (LOSS)", "income_statement"),
    ("COMPREHENSIVE INCOME STATEMENTS", "comprehensive_income"),
    ("CONSOLIDATED STATEMENTS OF CHANGES IN EQUITY", "equity"),
    ("CONSOLIDATED STATEMENTS OF FINANCIAL POSITION", "balance_sheet"),
    ("Off-Balance Sheet Arrangements", None),
    ("Cash Flow Hedges", None),
    ("Forward-Looking Statements", None),
    ("Item 9A. Controls and Procedures", None),
])
def test_statement_for_labels_headings(heading: str, expected: str | None) -> None:
    statement = statement_for(heading)
    assert (statement.id if statement else None) == expected


@cache
def _pdf_lines(path: Path) -> frozenset[str]:
    pdf = pdfium.PdfDocument(path)
    try:
        texts = [page.get_textpage().get_text_range() for page in pdf]
        return frozenset(" ".join(line.split()) for text in texts for line in text.splitlines())
    finally:
        pdf.close()


@pytest.mark.parametrize(("heading", "expected"), [
    ("CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS (Unaudited)", "income_statement"),
    ("CONDENSED CONSOLIDATED STATEMENTS OF COMPREHENSIVE INCOME (Unaudited)", "comprehensive_income"),
    ("CONDENSED CONSOLIDATED BALANCE SHEETS (Unaudited)", "balance_sheet"),
    ("CONDENSED CONSOLIDATED STATEMENTS OF SHAREHOLDERS\u2019 EQUITY (Unaudited)", "equity"),
    ("CONDENSED CONSOLIDATED STATEMENTS OF CASH FLOWS (Unaudited)", "cash_flows"),
    ("Notes to Condensed Consolidated Financial Statements (Unaudited)", "notes"),
    ("Note 10 \u2013 Segment Information and Geographic Data", "segment_note"),
    ("Item 3. Quantitative and Qualitative Disclosures About Market Risk", "market_risk"),
])
def test_statement_for_on_the_headings_of_a_real_10q_pdf(heading: str, expected: str) -> None:
    assert heading in _pdf_lines(FIXTURES / "AAPL_10-Q_2023-Q2.pdf")
    statement = statement_for(heading)
    assert statement is not None and statement.id == expected


def test_statement_for_on_the_headings_of_a_real_earnings_release() -> None:
    text = load_documents(str(FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html"))[0].text
    lines = {" ".join(line.split()) for line in text.splitlines()}
    for heading, expected in [("CONSOLIDATED STATEMENTS OF INCOME", "income_statement"),
                              ("CONSOLIDATED BALANCE SHEETS", "balance_sheet")]:
        assert heading in lines
        statement = statement_for(heading)
        assert statement is not None and statement.id == expected


def test_statements_for_a_metric_are_where_its_inputs_sit() -> None:
    from ingest.finance.lookup import default_lookup
    lookup = default_lookup()
    vocab = lookup.vocab
    assert [s.id for s in lookup.statements_for_metric(vocab.metrics["capex"])] == ["cash_flows"]
    dpo_statements = lookup.statements_for_metric(vocab.metrics["dpo"])
    assert [s.id for s in dpo_statements] == ["balance_sheet", "income_statement"]


# --- the formula language ------------------------------------------------------------------

def _values(table: dict[str, list[str]]) -> Callable[[str, int], Decimal]:
    def resolve(name: str, periods_back: int) -> Decimal:
        return Decimal(table[name][periods_back])
    return resolve


@pytest.mark.parametrize(("formula", "expected"), [
    ("2 + 3 * 4", "14"),
    ("(2 + 3) * 4", "20"),
    ("10 - 4 - 3", "3"),
    ("24 / 4 / 2", "3"),
    ("2 ^ 3 ^ 2", "512"),
    ("-2 ^ 2", "-4"),
    ("(-2) ^ 2", "4"),
    ("4 ^ -1", "0.25"),
    ("2 * -a", "-20"),
    ("-(a - b)", "-6"),
    ("a / b * 2", "5"),
    ("avg(b)", "3"),
    ("prior(a)", "7"),
    ("prior(a, 2)", "4"),
    ("a - prior(a)", "3"),
    ("avg(a + b)", "11.5"),
    ("0.5 * a", "5"),
])
def test_formulas_follow_precedence_and_periods(formula: str, expected: str) -> None:
    resolve = _values({"a": ["10", "7", "4"], "b": ["4", "2", "1"]})
    tree = parse_formula(formula)
    assert evaluate(tree, resolve) == Decimal(expected)
    assert parse_formula(render(tree)) == tree


def test_every_vocabulary_formula_renders_back_to_itself() -> None:
    for metric in load_vocabulary().metrics.values():
        for expression in (metric.expression, *metric.alternative_expressions):
            assert parse_formula(render(expression)) == expression, metric.id


def test_render_and_operands_keep_the_structure() -> None:
    tree = parse_formula("365 * avg(accounts_payable) / (cost_of_revenue + inventory - prior(inventory))")
    assert operands(tree) == ["accounts_payable", "cost_of_revenue", "inventory"]
    assert parse_formula(render(tree)) == tree


@pytest.mark.parametrize(("formula", "message"), [
    ("a ** b", "unexpected '*'"),
    ("__import__(os)", "unknown function '__import__'"),
    ("__import__('os')", "unexpected \"'\""),
    ("eval(a)", "unknown function 'eval'"),
    ("a; b", "unexpected ';'"),
    ("a +", "unexpected end"),
    ("avg(a, b)", "avg() takes 1 argument"),
    ("prior()", "unexpected ')'"),
    ("a % b", "unexpected '%'"),
    ("(a + b", "expected ')'"),
    ("a b", "unexpected 'b'"),
    ("", "is empty"),
])
def test_anything_outside_the_grammar_is_refused_clearly(formula: str, message: str) -> None:
    with pytest.raises(FormulaError) as caught:
        parse_formula(formula)
    assert message in str(caught.value)
    assert repr(formula) in str(caught.value)


def test_evaluation_refuses_division_by_zero_and_fractional_periods() -> None:
    resolve = _values({"a": ["1", "0"], "b": ["0"]})
    with pytest.raises(FormulaError, match="division by zero"):
        evaluate(parse_formula("a / b"), resolve)
    with pytest.raises(FormulaError, match="whole number"):
        evaluate(parse_formula("prior(a, 0.5)"), resolve)


# --- a question's own definition -----------------------------------------------------------

def test_a_definition_in_symbols_is_read_over_line_items() -> None:
    definition = parse_definition(
        "What is FY2018 days payable outstanding (DPO) for Walmart? DPO is defined as: 365 * (average "
        "accounts payable between FY2017 and FY2018) / (FY2018 COGS + change in inventory between FY2017 "
        "and FY2018). Round your answer to two decimal places.")
    assert definition is not None and definition.formula is not None
    assert definition.name == "DPO" and definition.metric is not None and definition.metric.id == "dpo"
    values = {"accounts_payable": ["120", "80"], "cost_of_revenue": ["1000"], "inventory": ["300", "250"]}
    # 365 * 100 / (1000 + 50)
    assert evaluate(definition.formula, _values(values)) == Decimal(365 * 100) / Decimal(1050)


def test_a_definition_in_words_is_read() -> None:
    definition = parse_definition(
        "The quick ratio is calculated as cash plus marketable securities plus accounts receivable, "
        "divided by total current liabilities.")
    assert definition is not None and definition.formula is not None
    assert operands(definition.formula) == [
        "cash", "short_term_investments", "accounts_receivable", "total_current_liabilities"]
    values = {"cash": ["10"], "short_term_investments": ["5"], "accounts_receivable": ["5"],
              "total_current_liabilities": ["40"]}
    assert evaluate(definition.formula, _values(values)) == Decimal("0.5")


def test_a_definition_naming_a_metric_uses_its_formula() -> None:
    definition = parse_definition("Asset turnover ratio is defined as: FY2020 revenue / "
                                  "(average total assets between FY2019 and FY2020).")
    assert definition is not None and definition.formula is not None
    assert render(definition.formula) == "revenue / avg(total_assets)"


@pytest.mark.parametrize(("question", "problem"), [
    ("Widget yield is defined as: revenue times blorfs.", "'blorf"),
    ("Growth quality is defined as: CAGR / 2.", "needs the figure it applies to"),
    ("Foo is defined as: average.", "nothing after it"),
    ("Bar is defined as: (revenue + cash.", "expected ')'"),
])
def test_a_definition_that_cannot_be_read_says_why(question: str, problem: str) -> None:
    definition = parse_definition(question)
    assert definition is not None and definition.formula is None
    assert problem in definition.problem


def test_a_question_without_a_definition_has_none() -> None:
    assert parse_definition("What was Apple's revenue in FY2023?") is None
