"""What a question says about the financial statements it needs, from the finance vocabulary.

    hints = finance_hints("What was capex in FY2020, from the cash flow statement?")
    hints.metrics     -> ('capex',)
    hints.statements  -> ('cash_flows',)   (named, then those holding the metrics' line items)
    hints.line_items  -> ('Purchases of property, plant and equipment',)

"quick ratio" brings the balance sheet (cash, receivables, current liabilities); "DPO" the balance
sheet (accounts payable) and the income statement (cost of sales). Retrieval searches the
statements' chunks as well as the question's (see assistant/retrieval.py) and adds the line items'
names to its lexical query, since filings print "Purchases of property, plant and equipment"
where analysts say "capex".
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.finance.formula import operands
from ingest.finance.lookup import default_lookup


@dataclass(frozen=True)
class FinanceHints:
    named_statement: str | None = None  # the first statement the text names itself
    statements: tuple[str, ...] = ()  # statement ids: named ones first, then the metrics'
    metrics: tuple[str, ...] = ()  # metric ids, in the order named
    line_items: tuple[str, ...] = ()  # how filings label the metrics' line items


def finance_hints(text: str) -> FinanceHints:
    lookup = default_lookup()
    named = [s.id for s in lookup.statements_named(text)]
    metrics = lookup.metric_for(text)
    implied = [s.id for m in metrics for s in lookup.statements_for_metric(m)]
    items = [lookup.vocab.line_items[i].label for m in metrics for i in operands(m.expression)
             if i not in m.parameters]
    return FinanceHints(
        named_statement=named[0] if named else None,
        statements=tuple(dict.fromkeys(named + implied)),
        metrics=tuple(m.id for m in metrics),
        line_items=tuple(dict.fromkeys(items)),
    )
