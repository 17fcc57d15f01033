"""Facts and a computation for the compute tests (tests/test_compute*.py): a figure of an
income statement as ingest stores it, Acme's three years, and a question computed over them."""

from __future__ import annotations

from decimal import Decimal

from assistant.answer.compute import compute
from assistant.answer.operands import Facts
from assistant.answer.request import read_request
from ingest.facts import Fact


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
