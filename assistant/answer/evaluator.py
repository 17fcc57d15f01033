"""A computation's operands found among the stored facts, as `Term`s: a row's figure for a year,
a vocabulary line item's, or a vocabulary formula evaluated over them (prior() and avg() reach
back a year). The facts used are kept, in the order the work shows them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from assistant.answer.arithmetic import ComputeError, MissingOperand, Term, combine, figure
from assistant.answer.deductions import is_deduction
from assistant.answer.operands import Facts, Found, Period, line_items_named, period_name
from assistant.answer.quarters import Quarter
from ingest.finance import load_vocabulary
from ingest.finance.formula import Binary, Call, Expr, Negate, Number, Operand
from ingest.finance.lookup import default_lookup
from ingest.finance.vocabulary import Metric


class Evaluator:
    """Finds operands as Terms, keeping the facts it used in `used`."""

    def __init__(self, facts: Facts, use_amounts: bool) -> None:
        self.facts = facts
        self.use_amounts = use_amounts  # operands in units (value × scale): scales differ
        self.used: list[Found] = []

    def term(self, found: Found, magnitude: bool = False) -> Term:
        """A fact found, as an operand: its value (or amount), negative ones in parentheses."""
        fact = found.fact
        value = fact.amount if self.use_amounts and fact.amount is not None else fact.value
        if magnitude:
            value = abs(value)
        self.used.append(found)
        text = figure(value)
        return Term(value, f"({text})" if value < 0 else text)

    def row(
        self, subject: str, year: Period | None, exclude: Found | None = None, magnitude: bool = False
    ) -> Term:
        """The row's figure; `magnitude`: an outflow the vocabulary knows (capex, printed in
        parentheses) or a deduction (deductions.py) taken as a positive amount, as the
        vocabulary's formulas and a share of a total take it."""
        found = self.facts.row(subject, year, exclude=exclude.fact if exclude else None)
        if found is None:
            metric = _composite_metric(subject)
            if metric is not None and year is not None:
                return self.formula(metric.expression, year)
            raise MissingOperand(f"{subject}{f' for {year}' if year else ''}")
        item = load_vocabulary().line_items.get(found.fact.line_item_id or "")
        outflow = item is not None and item.sign == "negative"
        deduction = is_deduction(found.fact.line_item, found.fact.parents)
        return self.term(found, magnitude=magnitude and (outflow or deduction))

    def series(self, subject: str, years: list[Period | None]) -> list[Term]:
        """One row's figures for `years`, in that order; a deduction printed in parentheses in
        every one of them (voyage expenses, an allowance: deductions.py) taken as its size, as a
        question about the row by itself means it."""
        start = len(self.used)
        terms = [self.row(subject, year) for year in years]
        found = self.used[start:]
        printed = zip(terms, found, strict=False)
        if len(found) == len(terms) and all(
            t.value < 0 and is_deduction(f.fact.line_item, f.fact.parents) for t, f in printed
        ):
            return [Term(-t.value, figure(-t.value)) for t in terms]
        return terms

    def item(self, item_id: str, year: Period) -> Term:
        found = self.facts.item(item_id, year)
        if found is None:
            label = load_vocabulary().line_items[item_id].label.lower()
            raise MissingOperand(f"{label} for {period_name(year)}")
        negative = load_vocabulary().line_items[item_id].sign == "negative"
        return self.term(found, magnitude=negative)  # formulas take outflows as magnitudes

    def formula(self, expr: Expr, year: Period, resolve: Callable[[str, Period], Term] | None = None) -> Term:
        resolve = resolve or self.item
        if isinstance(expr, Number):
            return Term(expr.value, figure(expr.value))
        if isinstance(expr, Operand):
            return resolve(expr.name, year)
        if isinstance(expr, Negate):
            inner = self.formula(expr.inner, year, resolve)
            return Term(-inner.value, f"\u2212{inner.wrapped()}", atom=False)
        if isinstance(expr, Call):
            if isinstance(year, Quarter):  # a year back from a quarter is not its prior period
                raise ComputeError(f"{expr.function}() over a quarter is not computed")
            inner_expr = expr.args[0]
            if expr.function == "avg":
                total = combine(
                    "+", self.formula(inner_expr, year, resolve), self.formula(inner_expr, year - 1, resolve)
                )
                return combine("/", total, Term(Decimal(2), "2"))
            back = self.formula(expr.args[1], year, resolve).value if len(expr.args) > 1 else Decimal(1)
            return self.formula(inner_expr, year - int(back), resolve)
        assert isinstance(expr, Binary)
        return combine(
            expr.op, self.formula(expr.left, year, resolve), self.formula(expr.right, year, resolve)
        )


def _composite_metric(subject: str) -> Metric | None:
    """The vocabulary metric a subject names, when it is computed from line items (a margin)."""
    metrics = [m for m in default_lookup().metric_for(subject) if not m.parameters]
    if not metrics or line_items_named(subject) and len(metrics[0].line_item_ids()) == 1:
        return None
    return metrics[0]
