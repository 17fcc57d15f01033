"""A question's own definition of a metric, read into a formula over the vocabulary's line items.

    "DPO is defined as: 365 * (average accounts payable between FY2017 and FY2018) /
     (FY2018 COGS + change in inventory between FY2017 and FY2018)."
    -> 365 * avg(accounts_payable) / (cost_of_revenue + (inventory - prior(inventory)))

Symbols (+ - * / parentheses, numbers) and words ("divided by", "plus", "minus", "times",
"average", "change in", "prior year") are both read; years and "between FY2017 and FY2018" are
period qualifiers, dropped (the period comes from the question's scope). A definition that names
something the vocabulary does not know, or whose words cannot be put together, comes back with
`formula=None` and the reason in `problem`: the caller then says so rather than guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ingest.finance.formula import Expr, FormulaError, parse_formula
from ingest.finance.lookup import FinanceLookup, default_lookup
from ingest.finance.phrases import PhraseIndex, PhraseMatch, normalise
from ingest.finance.vocabulary import Metric

_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=[A-Z(])")
_DEFINED = re.compile(r"\s+(?:is|are|was|shall be|should be)\s+(?:defined|calculated|computed|measured)"
                      r"\s+(?:as|by)\b\s*:?\s*", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:FY|CY|FQ|Q[1-4]\s*)?'?(?:19|20)\d{2}\b|\bFY\s?'?\d{2}\b", re.IGNORECASE)
_SPAN = re.compile(r"\b(?:between|from)\s+(?:the\s+)?(?:(?:fiscal\s+)?years?\s+)?(?:and|to)\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?|(?<![\w.])\.\d+")
_SYMBOLS = {"+": " plus ", "*": " times ", "\u00d7": " times ", "/": " divided by ", "\u00f7": " divided by ",
            "(": " lparen ", ")": " rparen "}
# "A plus B, divided by C": a comma before an operation closes what comes before it.
_GROUP_BREAK = re.compile(r",\s*(?=(?:divided|multiplied|times|over|plus|minus|less)\b)", re.IGNORECASE)
_MINUS = re.compile(r"(?<=[\s)\d])[-\u2212\u2013](?=[\s(\d])")

_OPERATORS = {"+": ["plus", "added to"], "-": ["minus", "less", "subtracted by"],
              "*": ["times", "multiplied by"],
              "/": ["divided by", "over", "as a share of", "as a percentage of"],
              "(": ["lparen"], ")": ["rparen"], ",": ["groupbreak"]}
_FUNCTIONS = {"avg": ["average", "avg", "mean", "average of"],
              "change": ["change in", "increase in", "difference in", "change of"],
              "prior": ["prior year", "previous year", "prior period", "previous period", "last year",
                        "prior years", "beginning of year", "opening"]}
_FILLERS = ["the", "of", "a", "an", "its", "their", "company", "companys", "value", "amount", "reported",
            "fiscal", "year", "period", "end", "ending", "closing", "balance", "figure", "annual", "total",
            "in", "for", "at", "on", "as", "between", "from", "to", "and"]


@dataclass(frozen=True)
class Definition:
    """A metric definition found in a question."""

    name: str
    text: str
    metric: Metric | None
    formula: Expr | None
    problem: str = ""


def _split(question: str) -> tuple[str, str] | None:
    for sentence in _SENTENCE.split(question.strip()):
        match = _DEFINED.search(sentence)
        if match:
            name = re.split(r"[,;:?]\s+", sentence[:match.start()])[-1].strip()
            return name, sentence[match.end():].strip().rstrip(".").strip()
    return None


class _Reader:
    """Turns the words of one definition into formula text, or says which words it cannot read."""

    def __init__(self, lookup: FinanceLookup) -> None:
        vocab = lookup.vocab
        phrases: dict[str, list[str]] = {f"op:{op}": words for op, words in _OPERATORS.items()}
        phrases |= {f"fn:{fn}": words for fn, words in _FUNCTIONS.items()}
        phrases["skip"] = _FILLERS
        for metric in vocab.metrics.values():
            phrases[f"metric:{metric.id}"] = list(metric.names)
        for item in vocab.line_items.values():
            phrases[f"item:{item.id}"] = [*item.aliases, *item.labels]
        self.lookup = lookup
        self.index = PhraseIndex(phrases)

    def formula_text(self, body: str) -> str:
        numbers: list[str] = []

        def number(match: re.Match[str]) -> str:
            numbers.append(match.group().replace(",", ""))
            return f" num{len(numbers) - 1} "

        text = _SPAN.sub(" ", _YEAR.sub(" ", body))
        text = _GROUP_BREAK.sub(" groupbreak ", _MINUS.sub(" minus ", _NUMBER.sub(number, text)))
        for symbol, word in _SYMBOLS.items():
            text = text.replace(symbol, word)
        tokens = self._tokens(normalise(text), numbers)
        return self._apply_functions(self._group(tokens))

    def _tokens(self, text: str, numbers: list[str]) -> list[str]:
        tokens: list[str] = []
        position = 0
        for match in self.index.find(text) + [PhraseMatch("end", "", len(text), len(text))]:
            for word in text[position:match.start].split():
                if not (word.startswith("num") and word[3:].isdigit()):
                    raise ValueError(f"cannot read {word!r} as a line item, a number or an operation")
                tokens.append(numbers[int(word[3:])])
            position = match.end
            if match.key != "skip" and match.key != "end":
                tokens.append(self._token(match.key))
        return tokens

    def _token(self, key: str) -> str:
        kind, name = key.split(":", 1)
        if kind == "op" or kind == "fn":
            return name if kind == "op" else f"{name}:"
        if kind == "item":
            return name
        metric = self.lookup.vocab.metrics[name]
        if metric.parameters:
            raise ValueError(f"{metric.label!r} needs the figure it applies to; write it out")
        return f"({metric.formula})"

    @staticmethod
    def _group(tokens: list[str]) -> list[str]:
        """Everything before a group break (at the outer level) becomes one parenthesised term."""
        out: list[str] = []
        depth = 0
        for token in tokens:
            depth += {"(": 1, ")": -1}.get(token, 0)
            if token == "," and depth == 0:
                out = ["(", *out, ")"]
            elif token != ",":
                out.append(token)
        return out

    def _apply_functions(self, tokens: list[str]) -> str:
        out: list[str] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if not token.endswith(":"):
                out.append(token)
                i += 1
                continue
            argument, i = self._argument(tokens, i + 1)
            function = token[:-1]
            change = f"({argument} - prior({argument}))"
            out.append(change if function == "change" else f"{function}({argument})")
        return " ".join(out)

    def _argument(self, tokens: list[str], i: int) -> tuple[str, int]:
        """The operand (or parenthesised group) a function word applies to, and where it ends."""
        if i >= len(tokens):
            raise ValueError("a function word (average, change in, prior year) with nothing after it")
        if tokens[i] != "(":
            if tokens[i].endswith(":") or tokens[i] in _OPERATORS:
                raise ValueError(f"cannot tell what {tokens[i - 1].rstrip(':')!r} applies to")
            return self._apply_functions([tokens[i]]), i + 1
        depth, j = 0, i
        while j < len(tokens):
            depth += {"(": 1, ")": -1}.get(tokens[j], 0)
            if depth == 0:
                return self._apply_functions(tokens[i:j + 1]), j + 1
            j += 1
        raise ValueError("unbalanced parentheses")


@cache
def _reader(lookup: FinanceLookup) -> _Reader:
    return _Reader(lookup)


def parse_definition(question: str, lookup: FinanceLookup | None = None) -> Definition | None:
    """The definition a question gives ("X is defined as: ..."), or None when it gives none."""
    found = _split(question)
    if found is None:
        return None
    name, body = found
    lookup = lookup or default_lookup()
    metrics = lookup.metric_for(name)
    metric = metrics[-1] if metrics else None
    try:
        text = _reader(lookup).formula_text(body)
        formula = parse_formula(text)
    except (ValueError, FormulaError) as exc:
        return Definition(name, body, metric, None, f"cannot read the definition {body!r}: {exc}")
    return Definition(name, body, metric, formula)
