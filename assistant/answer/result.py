"""A computed figure as the answer gives it: rounded as asked, as a percentage, a ratio, days,
or an amount in its operands' scale and currency ('$10,959 million')."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from assistant.answer.arithmetic import Term, figure
from assistant.answer.evaluator import Evaluator
from assistant.answer.operands import Found
from assistant.answer.request import Request

_SCALE_WORDS = {3: "thousand", 6: "million", 9: "billion"}
_CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


@dataclass
class Computed:
    """A computed figure: its label, the result as shown, the exact value, the formula and the
    work, and the facts used."""

    label: str
    result: str
    value: Decimal
    formula: str
    work: str
    used: list[Found] = field(default_factory=list)


@dataclass(frozen=True)
class Spec:
    """How an operation's result is labelled and shown."""

    label: str
    formula: str
    percent: bool  # shown ×100 with '%'
    unit: str = ""  # ' days'; '' for amounts and plain ratios
    amount: bool = False  # in the operands' scale and currency


def shown(request: Request, term: Term, ev: Evaluator, spec: Spec) -> Computed:
    """The term as the answer gives it, in the rounding the request asks for."""
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


def _amount(value: Decimal, ev: Evaluator, power: int | None, decimals: int | None, term: Term) -> str:
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
