"""A small, safe formula language for finance metrics: parsed into a tree, never eval'd.

Grammar (whitespace ignored):

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := "-" unary | power
    power   := atom ("^" unary)?               right-associative; -2 ^ 2 is -(2 ^ 2)
    atom    := number | operand | call | "(" expr ")"
    call    := "avg(" expr ")" | "prior(" expr ["," expr] ")"

Operands are names (`accounts_payable`). `avg(x)` is the average of the opening and closing
balance (this period's and the prior period's); `prior(x)` is x one period back, `prior(x, n)`
n periods back. Anything else is a `FormulaError` that names the formula and the position.
Evaluation uses `decimal.Decimal` throughout.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

FUNCTIONS = {"avg": (1, 1), "prior": (1, 2)}
_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d+)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+*/^(),]))")


class FormulaError(ValueError):
    """A formula that is not in the grammar, or one that cannot be evaluated."""


@dataclass(frozen=True)
class Number:
    value: Decimal


@dataclass(frozen=True)
class Operand:
    name: str


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Binary:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Negate:
    inner: Expr


Expr = Number | Operand | Call | Binary | Negate


def _tokens(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            bad = text[pos:].strip()[:1]
            raise FormulaError(f"formula {text!r}: unexpected {bad!r} at position {pos}; "
                               "use operands, numbers, + - * / ^, parentheses, avg() and prior()")
        tokens.append((match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def error(self, what: str) -> FormulaError:
        where = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        return FormulaError(f"formula {self.text!r}: {what} at position {where}")

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        if self.i >= len(self.tokens):
            raise self.error(f"expected {expected!r}, found the end" if expected else "unexpected end")
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            raise self.error(f"expected {expected!r}, found {token[1]!r}")
        self.i += 1
        return token

    def binary(self, ops: str, operand: Callable[[], Expr]) -> Expr:
        left = operand()
        while self.i < len(self.tokens) and self.tokens[self.i][0] == "op" and self.tokens[self.i][1] in ops:
            op = self.take()[1]
            left = Binary(op, left, operand())
        return left

    def expr(self) -> Expr:
        return self.binary("+-", self.term)

    def term(self) -> Expr:
        return self.binary("*/", self.unary)

    def unary(self) -> Expr:
        if self.peek() == "-":
            self.take("-")
            return Negate(self.unary())
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        if self.peek() == "^":
            self.take("^")
            return Binary("^", base, self.unary())
        return base

    def atom(self) -> Expr:
        kind, value, _ = self.take()
        if kind == "number":
            return Number(Decimal(value))
        if kind == "name":
            return self.call(value) if self.peek() == "(" else Operand(value)
        if value == "(":
            inner = self.expr()
            self.take(")")
            return inner
        self.i -= 1
        raise self.error(f"unexpected {value!r}")

    def call(self, function: str) -> Expr:
        if function not in FUNCTIONS:
            raise self.error(f"unknown function {function!r} (only {', '.join(sorted(FUNCTIONS))})")
        self.take("(")
        args = [self.expr()]
        while self.peek() == ",":
            self.take(",")
            args.append(self.expr())
        self.take(")")
        low, high = FUNCTIONS[function]
        if not low <= len(args) <= high:
            raise self.error(f"{function}() takes {low if low == high else f'{low} or {high}'} "
                             f"argument(s), got {len(args)}")
        return Call(function, tuple(args))


def parse_formula(text: str) -> Expr:
    """The formula as a tree; `FormulaError` for anything outside the grammar."""
    parser = _Parser(text)
    if not parser.tokens:
        raise FormulaError(f"formula {text!r} is empty")
    tree = parser.expr()
    if parser.i < len(parser.tokens):
        raise parser.error(f"unexpected {parser.peek()!r}")
    return tree


def operands(expr: Expr) -> list[str]:
    """Operand names in the order they first appear."""
    if isinstance(expr, Operand):
        return [expr.name]
    children: tuple[Expr, ...] = ()
    if isinstance(expr, Call):
        children = expr.args
    elif isinstance(expr, Binary):
        children = (expr.left, expr.right)
    elif isinstance(expr, Negate):
        children = (expr.inner,)
    return list(dict.fromkeys(name for child in children for name in operands(child)))


def render(expr: Expr) -> str:
    """The formula as text, fully parenthesised where precedence needs it."""
    if isinstance(expr, Number):
        return str(expr.value)
    if isinstance(expr, Operand):
        return expr.name
    if isinstance(expr, Call):
        return f"{expr.function}({', '.join(render(a) for a in expr.args)})"
    if isinstance(expr, Negate):
        return f"-{_wrapped(expr.inner)}"
    return f"{_wrapped(expr.left)} {expr.op} {_wrapped(expr.right)}"


def _wrapped(expr: Expr) -> str:
    return f"({render(expr)})" if isinstance(expr, Binary | Negate) else render(expr)


Resolve = Callable[[str, int], Decimal]
"""resolve(operand, periods_back) -> its value; periods_back 0 is the period asked for."""


def evaluate(expr: Expr, resolve: Resolve, periods_back: int = 0) -> Decimal:
    """The formula's value; `resolve` supplies each operand for a period (0 = this, 1 = prior)."""
    if isinstance(expr, Number):
        return expr.value
    if isinstance(expr, Operand):
        return resolve(expr.name, periods_back)
    if isinstance(expr, Negate):
        return -evaluate(expr.inner, resolve, periods_back)
    if isinstance(expr, Call):
        return _call(expr, resolve, periods_back)
    left, right = evaluate(expr.left, resolve, periods_back), evaluate(expr.right, resolve, periods_back)
    if expr.op == "/" and right == 0:
        raise FormulaError(f"division by zero in {render(expr)}")
    return _OPERATORS[expr.op](left, right)


_OPERATORS: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "^": operator.pow,
}


def _call(call: Call, resolve: Resolve, periods_back: int) -> Decimal:
    inner = call.args[0]
    if call.function == "avg":
        return (evaluate(inner, resolve, periods_back) + evaluate(inner, resolve, periods_back + 1)) / 2
    shift = evaluate(call.args[1], resolve, periods_back) if len(call.args) > 1 else Decimal(1)
    if shift != shift.to_integral_value() or shift < 0:
        raise FormulaError(f"prior() needs a whole number of periods back, got {shift}")
    return evaluate(inner, resolve, periods_back + int(shift))
