"""Computing what a question asks for from the stored facts, with Python `decimal` (no text is
ever evaluated): the result, rounded as asked, and its work, each operand a table figure.

    computed = compute(read_request(question), Facts(facts))
    computed.result  -> '2.02%'
    computed.work    -> '(391,035 − 383,285) / 383,285'
    computed.used    -> the facts, in the order the work shows them

An operand that cannot be found raises `MissingOperand` naming it ("inventory for FY2018"): the
caller says so and does not guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation, localcontext

from assistant.answer.operands import Facts, Found, line_items_named
from assistant.answer.request import Request
from ingest.finance import load_vocabulary
from ingest.finance.formula import Binary, Call, Expr, Negate, Number, Operand
from ingest.finance.lookup import default_lookup
from ingest.finance.vocabulary import Metric

_SYMBOLS = {"+": "+", "-": "\u2212", "*": "\u00d7", "/": "/", "^": "^"}
_SCALE_WORDS = {3: "thousand", 6: "million", 9: "billion"}
_CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


class ComputeError(ValueError):
    """A computation that cannot be done as asked; the message says what is missing."""


class MissingOperand(ComputeError):
    pass


@dataclass(frozen=True)
class Term:
    """A value with the work that gives it."""

    value: Decimal
    work: str
    atom: bool = True

    def wrapped(self) -> str:
        return self.work if self.atom else f"({self.work})"


@dataclass
class Computed:
    label: str
    result: str
    value: Decimal
    formula: str
    work: str
    used: list[Found] = field(default_factory=list)


def _combine(op: str, a: Term, b: Term) -> Term:
    try:
        if op == "+":
            value = a.value + b.value
        elif op == "-":
            value = a.value - b.value
        elif op == "*":
            value = a.value * b.value
        elif op == "/":
            value = a.value / b.value
        else:
            value = a.value**b.value
    except (DivisionByZero, InvalidOperation, ZeroDivisionError):
        raise ComputeError(f"{a.work} {op} {b.work} cannot be computed (a division by zero)") from None
    return Term(value, f"{a.wrapped()} {_SYMBOLS[op]} {b.wrapped()}", atom=False)


def _cagr(new: Term, old: Term, years: int) -> Term:
    """(new / old) ^ (1 / years) - 1."""
    growth = _combine("^", _combine("/", new, old), Term(Decimal(1) / Decimal(years), f"(1 / {years})"))
    return _combine("-", growth, Term(Decimal(1), "1"))


def _mean(terms: list[Term]) -> Term:
    total = terms[0]
    for term in terms[1:]:
        total = _combine("+", total, term)
    return _combine("/", total, Term(Decimal(len(terms)), str(len(terms)))) if len(terms) > 1 else total


def figure(value: Decimal, decimals: int | None = None) -> str:
    """'391,035', '-12.6', '0.40': thousands separated; `decimals` fixed, else as few as needed
    (at most four)."""
    if decimals is not None:
        rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        return f"{rounded:,.{decimals}f}"
    rounded = value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize()
    exponent = rounded.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return f"{rounded:,.{places}f}"


class _Evaluator:
    def __init__(self, facts: Facts, use_amounts: bool) -> None:
        self.facts = facts
        self.use_amounts = use_amounts  # operands in units (value × scale): scales differ
        self.used: list[Found] = []

    def _term(self, found: Found, magnitude: bool = False) -> Term:
        fact = found.fact
        value = fact.amount if self.use_amounts and fact.amount is not None else fact.value
        if magnitude:
            value = abs(value)
        self.used.append(found)
        text = figure(value)
        return Term(value, f"({text})" if value < 0 else text)

    def row(
        self, subject: str, year: int | None, exclude: Found | None = None, magnitude: bool = False
    ) -> Term:
        """The row's figure; `magnitude`: an outflow the vocabulary knows (capex, printed in
        parentheses) taken as a positive amount, as the vocabulary's formulas take it."""
        found = self.facts.row(subject, year, exclude=exclude.fact if exclude else None)
        if found is None:
            metric = _composite_metric(subject)
            if metric is not None and year is not None:
                return self.formula(metric.expression, year)
            raise MissingOperand(f"{subject}{f' for {year}' if year else ''}")
        item = load_vocabulary().line_items.get(found.fact.line_item_id or "")
        return self._term(found, magnitude=magnitude and item is not None and item.sign == "negative")

    def item(self, item_id: str, year: int) -> Term:
        found = self.facts.item(item_id, year)
        if found is None:
            label = load_vocabulary().line_items[item_id].label.lower()
            raise MissingOperand(f"{label} for FY{year}")
        negative = load_vocabulary().line_items[item_id].sign == "negative"
        return self._term(found, magnitude=negative)  # formulas take outflows as magnitudes

    def formula(self, expr: Expr, year: int, resolve: Callable[[str, int], Term] | None = None) -> Term:
        resolve = resolve or self.item
        if isinstance(expr, Number):
            return Term(expr.value, figure(expr.value))
        if isinstance(expr, Operand):
            return resolve(expr.name, year)
        if isinstance(expr, Negate):
            inner = self.formula(expr.inner, year, resolve)
            return Term(-inner.value, f"\u2212{inner.wrapped()}", atom=False)
        if isinstance(expr, Call):
            inner_expr = expr.args[0]
            if expr.function == "avg":
                total = _combine(
                    "+", self.formula(inner_expr, year, resolve), self.formula(inner_expr, year - 1, resolve)
                )
                return _combine("/", total, Term(Decimal(2), "2"))
            back = self.formula(expr.args[1], year, resolve).value if len(expr.args) > 1 else Decimal(1)
            return self.formula(inner_expr, year - int(back), resolve)
        assert isinstance(expr, Binary)
        return _combine(
            expr.op, self.formula(expr.left, year, resolve), self.formula(expr.right, year, resolve)
        )


def _composite_metric(subject: str) -> Metric | None:
    """The vocabulary metric a subject names, when it is computed from line items (a margin)."""
    metrics = [m for m in default_lookup().metric_for(subject) if not m.parameters]
    if not metrics or line_items_named(subject) and len(metrics[0].line_item_ids()) == 1:
        return None
    return metrics[0]


def compute(request: Request, facts: Facts) -> Computed:
    """The request computed over `facts`; raises ComputeError / MissingOperand."""
    if request.problem:
        raise ComputeError(request.problem)
    first = _evaluate(request, facts, use_amounts=False)
    scales = {f.fact.scale for f in first[1].used}
    if len(scales) > 1 and None not in scales and request.operation in ("ratio", "average_ratio", "formula"):
        first = _evaluate(request, facts, use_amounts=True)
    term, evaluator, spec = first
    return _shown(request, term, evaluator, spec)


@dataclass(frozen=True)
class _Spec:
    label: str
    formula: str
    percent: bool  # shown ×100 with '%'
    unit: str = ""  # ' days'; '' for amounts and plain ratios
    amount: bool = False  # in the operands' scale and currency


def _years(request: Request, facts: Facts, needed: int) -> list[int]:
    """The years named; with none named, the row's own columns when it has exactly `needed`."""
    years = list(dict.fromkeys(request.years))
    if len(years) >= needed:
        return years
    if not years and request.subjects and len(columns := facts.row_years(request.subjects[0])) == needed:
        return columns
    if needed == 1 and not years:
        raise MissingOperand("the year: the question names none")
    raise MissingOperand(f"{needed} years: the question names {len(years) or 'none'}")


_Computed = tuple[Term, "_Evaluator", "_Spec"]


def _evaluate(request: Request, facts: Facts, use_amounts: bool) -> _Computed:
    """The term the request asks for, the evaluator that found its operands, and its spec."""
    ev = _Evaluator(facts, use_amounts)
    op, subjects = request.operation, request.subjects
    if op in ("formula", "cagr", "average_ratio") and request.formula is not None:
        return _vocabulary(request, facts, ev)
    if not subjects:
        raise MissingOperand("the figure asked for: no row label or metric in the question")
    if op == "value":
        return _value(request, facts, ev)
    if op in ("change", "percent_change", "cagr"):
        return _change(request, facts, ev)
    if op == "average":
        return _average(request, facts, ev)
    if op in ("ratio", "average_ratio") and len(subjects) == 2:
        return _ratio(request, ev)
    if op == "difference" and len(subjects) == 2:
        return _difference(request, ev)
    if op == "sum":
        return _sum(request, ev)
    raise ComputeError(f"cannot compute a {op.replace('_', ' ')} of {', '.join(subjects)}")


def _amount_spec(label: str, formula: str, ev: _Evaluator) -> _Spec:
    """The spec of a result in its operands' unit: percentage points where they are percents,
    an amount otherwise."""
    percent_unit = _percent_operands(ev)
    return _Spec(label, formula, percent=False, unit="%" if percent_unit else "",
                 amount=not percent_unit)


def _asked_year(request: Request) -> int | None:
    return max(request.years) if request.years else None


def _value(request: Request, facts: Facts, ev: _Evaluator) -> _Computed:
    subject, asked_year = request.subjects[0], max(request.years)
    found = facts.row(subject, asked_year, strict=True)
    if found is None:
        raise MissingOperand(f"{subject} for {asked_year}")
    item = load_vocabulary().line_items.get(found.fact.line_item_id or "")
    term = ev._term(found, magnitude=item is not None and item.sign == "negative")
    name = request.metric.label if request.metric else item.label if item else found.fact.line_item
    kind = request.metric.kind if request.metric else "amount"
    percent = found.fact.unit == "percent"
    return term, ev, _Spec(f"{name} FY{asked_year}", found.fact.line_item_id or subject,
                           percent=False, unit="%" if percent else "",
                           amount=kind in ("amount", "shares") and not percent)


def _change(request: Request, facts: Facts, ev: _Evaluator) -> _Computed:
    """A change, a percentage change or a CAGR between the first and the last year asked."""
    subject = request.subjects[0]
    years = _years(request, facts, 2)
    old, new = min(years), max(years)
    a, b = ev.row(subject, new), ev.row(subject, old)
    change = _combine("-", a, b)
    if request.operation == "change":
        return change, ev, _amount_spec(f"Change in {subject}, {old} to {new}",
                                        f"{subject}[{new}] - {subject}[{old}]", ev)
    if request.operation == "percent_change":
        return _combine("/", change, b), ev, _Spec(
            f"Percentage change in {subject}, {old} to {new}",
            f"({subject}[{new}] - {subject}[{old}]) / {subject}[{old}]", percent=True)
    return _cagr(a, b, new - old), ev, _Spec(
        f"{subject} CAGR, {old} to {new}",
        f"({subject}[{new}] / {subject}[{old}]) ^ (1 / {new - old}) - 1", percent=True)


def _average(request: Request, facts: Facts, ev: _Evaluator) -> _Computed:
    subject = request.subjects[0]
    years = list(dict.fromkeys(request.years)) or sorted(facts.row_years(subject))
    if len(years) == 1 and request.years:
        years = [years[0], years[0] - 1]  # "the 2019 average": opening and closing, as avg()
    result = _mean([ev.row(subject, y) for y in years] if years else [ev.row(subject, None)])
    named = ", ".join(str(y) for y in sorted(years))
    return result, ev, _amount_spec(f"Average {subject}, {named}",
                                    f"average of {subject} over {named}", ev)


def _ratio(request: Request, ev: _Evaluator) -> _Computed:
    """One row over another, in the year asked, or averaged over the years asked."""
    (top, bottom), percent = request.subjects, request.rounding.percent
    if request.operation == "average_ratio":
        years = list(range(min(request.years), max(request.years) + 1)) if request.years else []
        if len(years) < 2:
            raise MissingOperand("the years to average over")
        ratios = [_combine("/", ev.row(top, y, magnitude=True), ev.row(bottom, y, magnitude=True))
                  for y in years]
        return _mean(ratios), ev, _Spec(f"Average of {top} / {bottom}, {years[0]} to {years[-1]}",
                                        f"average over the years of {top} / {bottom}",
                                        percent=percent)
    year = _asked_year(request)
    when = f", {year}" if year else ""
    numerator = ev.row(top, year, magnitude=True)
    return (_combine("/", numerator, ev.row(bottom, year, exclude=ev.used[-1], magnitude=True)), ev,
            _Spec(f"{top} / {bottom}{when}", f"{top} / {bottom}", percent=percent))


def _difference(request: Request, ev: _Evaluator) -> _Computed:
    first_subject, second_subject = request.subjects
    year = _asked_year(request)
    when = f", {year}" if year else ""
    first = ev.row(first_subject, year)
    diff = _combine("-", first, ev.row(second_subject, year, exclude=ev.used[-1]))
    return diff, ev, _amount_spec(f"{first_subject} less {second_subject}{when}",
                                  f"{first_subject} - {second_subject}", ev)


def _sum(request: Request, ev: _Evaluator) -> _Computed:
    """Several rows in one year, or one row over several years."""
    subjects, year = request.subjects, _asked_year(request)
    when = f", {year}" if year else ""
    years = list(dict.fromkeys(request.years))
    pairs = ([(s, year) for s in subjects] if len(subjects) > 1
             else [(subjects[0], y) for y in years] if len(years) > 1
             else [(subjects[0], year)])
    total = ev.row(*pairs[0])
    for s, y in pairs[1:]:
        total = _combine("+", total, ev.row(s, y))
    return total, ev, _amount_spec(f"Total of {' and '.join(subjects)}{when}",
                                   " + ".join(s for s, _ in pairs), ev)


def _percent_operands(ev: _Evaluator) -> bool:
    return bool(ev.used) and all(f.fact.unit == "percent" for f in ev.used)


def _vocabulary(request: Request, facts: Facts, ev: _Evaluator) -> tuple[Term, _Evaluator, _Spec]:
    """A vocabulary metric or the question's own formula, at the latest year named (the year
    the question asks about; earlier ones feed prior() and avg())."""
    assert request.formula is not None
    metric = request.metric
    name = (
        metric.label
        if metric
        else request.definition.name
        if request.definition
        else (request.subjects[0] if request.subjects else "Figure")
    )
    if request.definition is not None:
        name = request.definition.name or name
    percent = request.rounding.percent or bool(metric and metric.kind == "percentage")
    unit = " days" if metric and metric.kind == "days" else ""
    amount = not metric or metric.kind in ("amount", "per_share", "shares")
    from ingest.finance.formula import render

    formula = render(request.formula)
    if request.operation == "cagr":
        years = _years(request, facts, 2)
        old, new = min(years), max(years)
        a, b = ev.formula(request.formula, new), ev.formula(request.formula, old)
        return (
            _cagr(a, b, new - old),
            ev,
            _Spec(
                f"{name} CAGR, FY{old} to FY{new}",
                f"({formula}[FY{new}] / {formula}[FY{old}]) ^ (1 / {new - old}) - 1",
                percent=True,
            ),
        )
    if request.operation == "average_ratio":
        years = sorted(set(request.years))
        return (
            _mean([ev.formula(request.formula, y) for y in years]),
            ev,
            _Spec(
                f"Average {name}, FY{years[0]} to FY{years[-1]}",
                f"average of {formula} over the years",
                percent=percent,
                unit=unit,
            ),
        )
    if not request.years:
        raise MissingOperand("the fiscal year: the question names none")
    year = max(request.years)
    return (
        ev.formula(request.formula, year),
        ev,
        _Spec(f"{name} FY{year}", formula, percent=percent, unit=unit, amount=amount and not percent),
    )


def _shown(request: Request, term: Term, ev: _Evaluator, spec: _Spec) -> Computed:
    value = term.value
    rounding = request.rounding
    with localcontext() as ctx:
        ctx.prec = 28
        if spec.percent:
            value = value * 100
        text = ""
        if spec.amount and not spec.unit:
            text = _amount(value, ev, rounding.power, rounding.decimals, term)
        else:
            decimals = rounding.decimals if rounding.decimals is not None else 2
            text = f"{figure(value, decimals)}{'%' if spec.percent or spec.unit == '%' else spec.unit}"
    return Computed(spec.label, text, term.value, spec.formula, term.work, list(ev.used))


def _amount(value: Decimal, ev: _Evaluator, power: int | None, decimals: int | None, term: Term) -> str:
    """An amount in its operands' scale and currency ('$10,959 million'), or in the scale asked."""
    scales = {f.fact.scale for f in ev.used}
    currencies = {f.fact.currency for f in ev.used if f.fact.currency}
    scale = scales.pop() if len(scales) == 1 else None
    if ev.use_amounts:
        scale = 1
    shown_power = None
    if power is not None and scale:
        value = value * scale / Decimal(10) ** power
        shown_power = power
    elif scale and scale > 1:
        shown_power = len(str(scale)) - 1
    currency = currencies.pop() if len(currencies) == 1 else None
    sign = _CURRENCY_SIGNS.get(currency or "", f"{currency} " if currency else "")
    number = figure(value, decimals if decimals is not None else (None))
    if number.startswith("-") and currency in _CURRENCY_SIGNS:
        number, sign = number[1:], f"-{sign}"  # '-$112', but 'CNY -16,189': the code is a word
    word = f" {_SCALE_WORDS[shown_power]}" if shown_power in _SCALE_WORDS else ""
    return f"{sign}{number}{word}"
