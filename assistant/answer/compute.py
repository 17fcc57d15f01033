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

from assistant.answer.arithmetic import ComputeError, MissingOperand, Term, cagr, combine, mean
from assistant.answer.evaluator import Evaluator
from assistant.answer.operands import Facts, Period, period_name
from assistant.answer.request import Request
from assistant.answer.result import Computed, Spec, shown
from ingest.finance import load_vocabulary
from ingest.finance.formula import render


def compute(request: Request, facts: Facts) -> Computed:
    """The request computed over `facts`; raises ComputeError / MissingOperand."""
    if request.problem:
        raise ComputeError(request.problem)
    if request.quarters and request.operation in ("cagr", "average_ratio"):
        raise ComputeError(f"a {request.operation.replace('_', ' ')} over quarters is not computed")
    first = _evaluate(request, facts, use_amounts=False)
    scales = {f.fact.scale for f in first[1].used}
    if len(scales) > 1 and None not in scales and request.operation in ("ratio", "average_ratio", "formula"):
        first = _evaluate(request, facts, use_amounts=True)
    term, evaluator, spec = first
    return shown(request, term, evaluator, spec)


def _periods(request: Request) -> list[Period]:
    """The quarters named, else the years named, in the order named."""
    return list(dict.fromkeys(request.quarters or request.years))


def _years(request: Request, facts: Facts, needed: int) -> list[Period]:
    """The periods named; with none named, the row's own columns when it has exactly `needed`."""
    years = _periods(request)
    if len(years) >= needed:
        return years
    if request.quarters:
        raise MissingOperand(f"{needed} quarters: the question names {len(years)}")
    if not years and request.subjects and len(columns := facts.row_years(request.subjects[0])) == needed:
        return list[Period](columns)
    if needed == 1 and not years:
        raise MissingOperand("the year: the question names none")
    raise MissingOperand(f"{needed} years: the question names {len(years) or 'none'}")


_Computed = tuple[Term, Evaluator, Spec]  # the result, who found its operands, how to show it


def _evaluate(request: Request, facts: Facts, use_amounts: bool) -> _Computed:
    """The term the request asks for, the evaluator that found its operands, and its spec."""
    ev = Evaluator(facts, use_amounts)
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


def _amount_spec(label: str, formula: str, ev: Evaluator, of_percentages: bool = False) -> Spec:
    """The spec of a result in its operands' unit: percentage points where they are percents (or
    the question says they are), an amount otherwise."""
    percent_unit = of_percentages or _percent_operands(ev)
    return Spec(label, formula, percent=False, unit="%" if percent_unit else "",
                 amount=not percent_unit)


def _asked_year(request: Request) -> Period | None:
    """The period asked about: the latest named."""
    periods = _periods(request)
    return max(periods) if periods else None


def _value(request: Request, facts: Facts, ev: Evaluator) -> _Computed:
    subject, asked_year = request.subjects[0], _asked_year(request)
    assert asked_year is not None  # a value is read only where a period is named
    found = facts.row(subject, asked_year, strict=True)
    if found is None:
        raise MissingOperand(f"{subject} for {asked_year}")
    item = load_vocabulary().line_items.get(found.fact.line_item_id or "")
    term = ev.term(found, magnitude=item is not None and item.sign == "negative")
    name = request.metric.label if request.metric else item.label if item else found.fact.line_item
    kind = request.metric.kind if request.metric else "amount"
    percent = found.fact.unit == "percent"
    return term, ev, Spec(f"{name} {period_name(asked_year)}", found.fact.line_item_id or subject,
                           percent=False, unit="%" if percent else "",
                           amount=kind in ("amount", "shares") and not percent)


def _change(request: Request, facts: Facts, ev: Evaluator) -> _Computed:
    """A change, a percentage change or a CAGR between the first and the last year asked."""
    subject = request.subjects[0]
    years = _years(request, facts, 2)
    old, new = min(years), max(years)
    a, b = ev.series(subject, [new, old])
    change = combine("-", a, b)
    if request.unsigned and 0 <= a.value < b.value:  # a difference's size: the larger less the
        return combine("-", b, a), ev, _amount_spec(  # smaller, of two amounts (a loss against a
            f"Difference in {subject}, {old} and {new}",  # profit keeps its direction)
            f"{subject}[{old}] - {subject}[{new}]", ev, request.of_percentages)
    if request.operation == "change":
        return change, ev, _amount_spec(f"Change in {subject}, {old} to {new}",
                                        f"{subject}[{new}] - {subject}[{old}]", ev,
                                        request.of_percentages)
    if request.operation == "percent_change":
        return combine("/", change, b), ev, Spec(
            f"Percentage change in {subject}, {old} to {new}",
            f"({subject}[{new}] - {subject}[{old}]) / {subject}[{old}]", percent=True)
    assert isinstance(new, int) and isinstance(old, int)  # no CAGR over quarters (compute)
    return cagr(a, b, new - old), ev, Spec(
        f"{subject} CAGR, {old} to {new}",
        f"({subject}[{new}] / {subject}[{old}]) ^ (1 / {new - old}) - 1", percent=True)


def _average(request: Request, facts: Facts, ev: Evaluator) -> _Computed:
    subject = request.subjects[0]
    years: list[Period] = _periods(request) or list(sorted(facts.row_years(subject)))
    if len(years) == 1 and request.years and isinstance(years[0], int):
        years = [years[0], years[0] - 1]  # "the 2019 average": opening and closing, as avg()
    if len(years) == 1 and request.quarters:
        raise MissingOperand("the quarters to average over: the question names one")
    result = mean(ev.series(subject, list(years) or [None]))
    named = ", ".join(str(y) for y in sorted(years))
    return result, ev, _amount_spec(f"Average {subject}, {named}",
                                    f"average of {subject} over {named}", ev)


def _ratio(request: Request, ev: Evaluator) -> _Computed:
    """One row over another, in the year asked, or averaged over the years asked."""
    (top, bottom), percent = request.subjects, request.rounding.percent
    if request.operation == "average_ratio":
        years = list(range(min(request.years), max(request.years) + 1)) if request.years else []
        if len(years) < 2:
            raise MissingOperand("the years to average over")
        ratios = [combine("/", ev.row(top, y, magnitude=True), ev.row(bottom, y, magnitude=True))
                  for y in years]
        return mean(ratios), ev, Spec(f"Average of {top} / {bottom}, {years[0]} to {years[-1]}",
                                        f"average over the years of {top} / {bottom}",
                                        percent=percent)
    year = _asked_year(request)
    when = f", {year}" if year else ""
    numerator = ev.row(top, year, magnitude=True)
    return (combine("/", numerator, ev.row(bottom, year, exclude=ev.used[-1], magnitude=True)), ev,
            Spec(f"{top} / {bottom}{when}", f"{top} / {bottom}", percent=percent))


def _difference(request: Request, ev: Evaluator) -> _Computed:
    first_subject, second_subject = request.subjects
    year = _asked_year(request)
    when = f", {year}" if year else ""
    first = ev.row(first_subject, year)
    diff = combine("-", first, ev.row(second_subject, year, exclude=ev.used[-1]))
    return diff, ev, _amount_spec(f"{first_subject} less {second_subject}{when}",
                                  f"{first_subject} - {second_subject}", ev)


def _sum(request: Request, ev: Evaluator) -> _Computed:
    """Several rows in one year, or one row over several years."""
    subjects, year = request.subjects, _asked_year(request)
    when = f", {year}" if year else ""
    years = _periods(request)
    pairs = ([(s, year) for s in subjects] if len(subjects) > 1
             else [(subjects[0], y) for y in years] if len(years) > 1
             else [(subjects[0], year)])
    terms = ev.series(subjects[0], [y for _, y in pairs]) if len(subjects) == 1 else [
        ev.row(s, y) for s, y in pairs]
    total = terms[0]
    for term in terms[1:]:
        total = combine("+", total, term)
    return total, ev, _amount_spec(f"Total of {' and '.join(subjects)}{when}",
                                   " + ".join(s for s, _ in pairs), ev)


def _percent_operands(ev: Evaluator) -> bool:
    return bool(ev.used) and all(f.fact.unit == "percent" for f in ev.used)


def _vocabulary(request: Request, facts: Facts, ev: Evaluator) -> tuple[Term, Evaluator, Spec]:
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
    formula = render(request.formula)
    if request.operation == "cagr":
        years = _years(request, facts, 2)
        old, new = min(years), max(years)
        assert isinstance(new, int) and isinstance(old, int)  # no CAGR over quarters (compute)
        a, b = ev.formula(request.formula, new), ev.formula(request.formula, old)
        return (
            cagr(a, b, new - old),
            ev,
            Spec(
                f"{name} CAGR, FY{old} to FY{new}",
                f"({formula}[FY{new}] / {formula}[FY{old}]) ^ (1 / {new - old}) - 1",
                percent=True,
            ),
        )
    if request.operation == "average_ratio":
        years = sorted(set(request.years))
        return (
            mean([ev.formula(request.formula, y) for y in years]),
            ev,
            Spec(
                f"Average {name}, FY{years[0]} to FY{years[-1]}",
                f"average of {formula} over the years",
                percent=percent,
                unit=unit,
            ),
        )
    year = _asked_year(request)
    if year is None:
        raise MissingOperand("the fiscal year: the question names none")
    return (
        ev.formula(request.formula, year),
        ev,
        Spec(f"{name} {period_name(year)}", formula, percent=percent, unit=unit,
             amount=amount and not percent),
    )
