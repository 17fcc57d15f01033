"""What a question says about the statements it needs (assistant/finance_hints.py) and the
answer-format instructions left out of its search text (assistant/instructions.py)."""

from __future__ import annotations

import pytest

from assistant.finance_hints import finance_hints
from assistant.instructions import strip_instructions
from assistant.question import read_question


@pytest.mark.parametrize(("question", "statements", "items"), [
    ("What was capex in FY2020?", ("cash_flows",), ("Purchases of property, plant and equipment",)),
    ("What is Walmart's DPO for FY2018?", ("balance_sheet", "income_statement"),
     ("Accounts payable", "Cost of revenue")),
    ("What is the quick ratio of Nike?", ("balance_sheet",),
     ("Cash and cash equivalents", "Short-term investments", "Accounts receivable",
      "Total current liabilities")),
])
def test_a_metric_brings_the_statements_and_line_items_that_hold_it(
        question: str, statements: tuple[str, ...], items: tuple[str, ...]) -> None:
    hints = finance_hints(question)
    assert hints.statements == statements
    assert set(items) <= set(hints.line_items)


def test_named_statements_come_first_in_the_order_named() -> None:
    hints = finance_hints("Based on the balance sheet and the P&L statement, what is the asset "
                          "turnover ratio?")
    assert hints.named_statement == "balance_sheet"
    assert hints.statements[:2] == ("balance_sheet", "income_statement")
    assert hints.metrics == ("asset_turnover",)
    assert finance_hints("Which brought in the most cash flow for Nike?").statements == ("cash_flows",)
    assert finance_hints("Off-balance sheet arrangements of Apple?").statements == ()


FINANCEBENCH_STYLE = (
    "What is the FY2019 return on assets (ROA) for Coca Cola? ROA is defined as: FY2019 net income "
    "/ (average total assets between FY2018 and FY2019). Round your answer to two decimal places. "
    "Answer in USD millions. Give a response to the question by relying on the details shown in "
    "the balance sheet and the P&L statement.")


def test_instructions_are_left_out_of_the_search_text() -> None:
    assert strip_instructions(FINANCEBENCH_STYLE) == (
        "What is the FY2019 return on assets (ROA) for Coca Cola? ROA is defined as: FY2019 net "
        "income / (average total assets between FY2018 and FY2019).")
    plain = "What was Apple's revenue in Q2 2023? Round it."
    assert strip_instructions("Please answer in USD millions.") == "Please answer in USD millions."
    assert strip_instructions(plain) == "What was Apple's revenue in Q2 2023?"


def test_the_statement_an_instruction_names_is_kept_as_a_hint() -> None:
    question = read_question(FINANCEBENCH_STYLE)
    assert "balance sheet" not in question.search_text
    assert question.statement == "balance_sheet"
    assert question.statements[:2] == ("balance_sheet", "income_statement")
    assert question.metric == "roa"
    assert question.text == FINANCEBENCH_STYLE  # as asked, for the answer
