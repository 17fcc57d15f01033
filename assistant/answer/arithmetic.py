"""Decimal arithmetic that writes its own work: each `Term` carries its value and how it was
got ('(391,035 − 383,285) / 383,285'); `figure` writes a number as the work and the answer show
it. A division by zero raises `ComputeError`, never a wrong figure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation

_SYMBOLS = {"+": "+", "-": "\u2212", "*": "\u00d7", "/": "/", "^": "^"}


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


def combine(op: str, a: Term, b: Term) -> Term:
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


def cagr(new: Term, old: Term, years: int) -> Term:
    """(new / old) ^ (1 / years) - 1."""
    growth = combine("^", combine("/", new, old), Term(Decimal(1) / Decimal(years), f"(1 / {years})"))
    return combine("-", growth, Term(Decimal(1), "1"))


def mean(terms: list[Term]) -> Term:
    """The terms' sum over their number (one term: itself)."""
    total = terms[0]
    for term in terms[1:]:
        total = combine("+", total, term)
    return combine("/", total, Term(Decimal(len(terms)), str(len(terms)))) if len(terms) > 1 else total


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
