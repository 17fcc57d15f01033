"""What a question asks Dossier to compute, read from its words: an operation over figures,
the row labels (or vocabulary metric) they are, the years, and how to round.

    "What was the percentage change in finished goods between 2018 and 2019?"
    -> Request(operation="percent_change", subjects=("finished goods",), years=(2018, 2019))
    "What is the FY2019 inventory turnover ratio for Kraft Heinz? ... defined as: (FY2019 COGS) /
     (average inventory between FY2018 and FY2019). Round your answer to two decimal places."
    -> Request(operation="formula", formula=cost_of_revenue / avg(inventory), years=(2019,),
               rounding=Rounding(decimals=2))

A question that asks for no computation gives None: the answer then quotes sentences as before.
The question's own definition wins over the vocabulary's formula (ingest/finance/definition.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

from assistant.answer.operands import line_items_named
from assistant.answer.quarters import Quarter, quarters_asked, without_quarters
from ingest.finance import metric_for
from ingest.finance.definition import Definition, parse_definition
from ingest.finance.formula import Expr, operands
from ingest.finance.vocabulary import Metric

Operation = Literal[
    "value",
    "formula",
    "change",
    "percent_change",
    "average",
    "sum",
    "ratio",
    "difference",
    "cagr",
    "average_ratio",
]

_YEAR = re.compile(
    r"(?<![\d,.$])(?:FY\s?|fiscal\s+(?:year\s+)?)?((?:19|20)\d\d)(?!\d|,\d|%)|\bF(?:Y\s?)?'?(\d\d)\b",
    re.I,
)  # FY2019, fiscal 2019, FY19, F19
_DECIMALS = re.compile(
    r"\bround(?:ed)?\b[^.?]*?\bto\s+(?:the\s+)?(zero|no|one|two|three|four|\d)\s+"
    r"decimal",
    re.I,
)
_DECIMAL_WORDS = {"zero": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4}
_WHOLE = re.compile(r"\bround(?:ed)?\b[^.?]*?\bto\s+(?:the\s+)?nearest\s+(?:whole|integer)", re.I)
_PERCENT = re.compile(
    r"\bin\s+(?:units\s+of\s+)?(?:percents?|percentages?|%)|\bas\s+a\s+(?:percent(?:age)?|%)"
    r"|\bpercentage\b|\bpercent\b|%",
    re.I,
)
_POWER = re.compile(
    r"\bin\s+(?:units\s+of\s+)?(?:USD|US\$|\$|dollars)?\s*(thousands|millions|billions)\b"
    r"|\bin\s+(thousands|millions|billions)\s+of\b",
    re.I,
)
_POWERS = {"thousands": 3, "millions": 6, "billions": 9}

_CAGR = re.compile(r"\b(?:cagr|compound(?:ed)?\s+(?:annual\s+)?growth)", re.I)
_PERCENT_CHANGE = re.compile(
    r"\b(?:percent(?:age)?|%)\s+(?:change|increase|decrease|growth|decline|rise|fall)|\bchange\s*\(\s*%\s*\)|"
    r"\bgrowth\s+rate\b|\brate\s+of\s+(?:change|growth|increase|decrease)|"
    r"\b(?:yoy|year[- ]over[- ]year|year[- ]on[- ]year)\b|"
    r"\b(?:increase|decrease|change|growth)\s+in\s+percent(?!(?:age)?\s+of\b)",
    re.I,
)
_RATIO = re.compile(
    r"\bas\s+an?\s+(?:percent(?:age)?|%|proportion|share|ratio|fraction)\s+of\b|"
    r"\b(?:percent(?:age)?|%|proportion|share|ratio|fraction)(?:\s+(?:of\s+)?(?:constitution|composition))?"
    r"\s+of\b|\bratio\s+(?:of|between)\b",
    re.I,
)
_CHANGE_OF_SHARE = re.compile(  # a change of a percentage figure: in points, not a ratio
    r"\b(?:change|increase|decrease|difference)\b(?:\s*/\s*\(?\s*(?:increase|decrease)\s*\)?)?"
    r"\s+in\s+(?:the\s+)?(?:percent(?:age)?|%|proportion|share)\s+of\b",
    re.I,
)
# "the difference in X between 2018 and 2019", "how much did X decrease by": a size; "the change
# in X from 2018 to 2019", "the increase / (decrease) in X": a direction
_BY = re.compile(r"\b(?:decrease|increase|decline|fall|rise)d?\s+by\b", re.I)
_UNSIGNED = re.compile(r"\bdifference\b", re.I)
_SIGNED = re.compile(
    r"\b(?:change|increase|decrease|grow|growth|declined?)\b|\bfrom\b.+\bto\b|\bnet\s+difference\b|"
    r"\bcompared\b",
    re.I,
)
_CHANGE = re.compile(
    r"\b(?:change|increased?|decreased?|difference|growth|grew|declined?|variance|rise|rose|fall|fell)\b",
    re.I,
)
_ROUNDING_WORDS = re.compile(
    r"\(?\s*in\s+(?:units\s+of\s+)?(?:USD|US\$|\$)?\s*(?:thousands|millions|billions|"
    r"percents?)\s*\)?|\bpay\s+out\b|\b(?:have|had|has|pay|paid|spend|spent)\b",
    re.I,
)
# an average asked for, not a row's own "weighted-average shares"
_AVERAGE = re.compile(r"(?<!weighted )(?<!weighted-)\b(?:average|mean)\b", re.I)
_SUM = re.compile(r"\b(?:sum|combined|in\s+total|total\s+of|altogether|aggregate)\b", re.I)

_HOW_MUCH = re.compile(
    r"\bhow\s+(?:much|many)\b|\bwhat\s+(?:was|were|is|are)\s+(?:the\s+)?(?:total\s+)?\w+", re.I
)
_QUALITATIVE = re.compile(
    r"\b(?:factors?|drivers?|driven|contributors?|contributing|reasons?|why|explain|describe|discuss|"
    r"relationship|correlation|analy[sz]e|examine|influenc\w*|focus\w*|priorit\w*|initiatives?|"
    r"strateg\w*|breakdown|significant|connection|relate|measure\s+up)\b",
    re.I,
)

# Words around the subject that say what is asked, not what is measured.
_SCAFFOLD = re.compile(  # whole words: "in-game", "stock-based" and "company-operated" stay
    r"(?<![\w-])(?:what|how|much|many|is|was|were|are|the|a|an|of|in|for|from|to|between|and|by|did|does|"
    r"do|company|company's|companys|group|group's|its|their|value|amount|year|years|fiscal|"
    r"respective|respectively|period|during|at|as|on|over|end|ending|ended|percentage|percent|"
    r"change|increase|decrease|difference|growth|average|mean|sum|combined|ratio|proportion|(?<!per )share|"
    r"yoy|year-over-year|compound|annual|cagr|approximately|approximate|reported|with|which|"
    r"that|this|those|these|statement|based|constitution|composition|compared|versus|vs)(?![\w-])",
    re.I,
)


@dataclass(frozen=True)
class Rounding:
    """How the question asks the figure to be given; None: Dossier's default."""

    decimals: int | None = None
    percent: bool = False  # "in %", "in units of percents", "as a percentage"
    power: int | None = None  # "in USD millions": 6


@dataclass(frozen=True)
class Request:
    operation: Operation
    subjects: tuple[str, ...] = ()  # the phrases naming the operands (row labels), in order
    years: tuple[int, ...] = ()  # the years named, in the order named
    metric: Metric | None = None  # the vocabulary metric asked for
    formula: Expr | None = None  # for 'formula' and 'average_ratio': over vocabulary line items
    definition: Definition | None = None  # the question's own, when it gave one
    rounding: Rounding = field(default_factory=Rounding)
    problem: str = ""  # why it cannot be computed as asked (a definition it cannot read)
    of_percentages: bool = False  # the figures compared are percentages: a change in points
    unsigned: bool = False  # "the difference in X between 2018 and 2019": its size, not a direction
    quarters: tuple[Quarter, ...] = ()  # the quarters named, in order: the periods, where named


def rounding_of(text: str) -> Rounding:
    decimals = _DECIMALS.search(text)
    power = _POWER.search(text)
    places = None
    if decimals:
        word = decimals.group(1).lower()
        places = int(word) if word.isdigit() else _DECIMAL_WORDS[word]
    elif _WHOLE.search(text):
        places = 0
    return Rounding(
        decimals=places,
        percent=bool(re.search(r"\bin\s+(?:units\s+of\s+)?(?:percents?|%)", text, re.I)),
        power=_POWERS[(power.group(1) or power.group(2)).lower()] if power else None,
    )


def years_of(text: str) -> tuple[int, ...]:
    return tuple(int(m.group(1)) if m.group(1) else 2000 + int(m.group(2)) for m in _YEAR.finditer(text))


def read_request(text: str) -> Request | None:
    """What `text` asks to compute, or None when it asks for no computation: a question about
    why or how ("the factors behind the change in gross margin") quotes its sources, and so does
    one naming a quarter it does not date (quarters.py). The quarters named are the periods."""
    quarters = quarters_asked(text)
    if not quarters:
        return None if quarters is None else _read(text, years_of(text))
    request = _read(without_quarters(text), tuple(q.year for q in quarters))
    return replace(request, quarters=quarters) if request else None


def _read(text: str, years: tuple[int, ...]) -> Request | None:
    rounding = rounding_of(text)
    definition = parse_definition(text)
    asked = _asked_part(text)
    if definition is not None:
        return _defined(definition, years, rounding)
    if _QUALITATIVE.search(asked):
        return None
    metrics = [m for m in metric_for(asked) if not m.parameters]
    if _CAGR.search(asked):
        return _cagr(asked, metrics, years, rounding)
    composite = _composite_asked(asked, metrics)
    if composite is not None:  # "the change in the current ratio": a change, read below
        formula = Request("formula", years=years, metric=composite, formula=composite.expression,
                          rounding=rounding)
        return _with_average(formula, asked, years)
    return _operation(asked, years, rounding) or _single_value(asked, metrics, years, rounding)


def _defined(definition: Definition, years: tuple[int, ...], rounding: Rounding) -> Request:
    """The question's own definition ("... is defined as: ..."): its formula, or the problem
    that keeps it from being read."""
    return Request(
        "formula",
        years=years,
        metric=definition.metric,
        formula=definition.formula,
        definition=definition,
        rounding=rounding,
        problem=definition.problem,
    )


def _cagr(asked: str, metrics: list[Metric], years: tuple[int, ...], rounding: Rounding) -> Request:
    """A compound annual growth rate: of the row named, or of the vocabulary metric asked for."""
    subject = _subject(_CAGR.sub(" ", asked))
    metric = metrics[0] if metrics else None
    return Request(
        "cagr",
        subjects=(subject,) if subject else (),
        years=years,
        metric=metric,
        formula=metric.expression if metric else None,
        rounding=rounding,
    )


def _composite_asked(asked: str, metrics: list[Metric]) -> Metric | None:
    """The metric computed from several line items (a margin, a turnover) the question asks
    for, when it asks for its value, not a change or ratio of it."""
    composite = next((m for m in metrics if _is_metric(m)), None)
    compared = _CHANGE.search(asked) or _PERCENT_CHANGE.search(asked) or _RATIO.search(asked)
    return composite if not compared else None


def _operation(asked: str, years: tuple[int, ...], rounding: Rounding) -> Request | None:
    """A ratio, percentage change, average, change, difference or sum of the rows named."""
    if _CHANGE_OF_SHARE.search(asked):  # "the change in the percentage of sales from APAC"
        return Request(
            "change", subjects=_subjects(asked), years=years, rounding=rounding, of_percentages=True
        )
    ratio = _RATIO.search(asked)
    if ratio and not _PERCENT_CHANGE.search(asked):
        return _ratio(asked, ratio, years, rounding)
    if _PERCENT_CHANGE.search(asked):
        return Request(
            "percent_change",
            subjects=_subjects(_PERCENT_CHANGE.sub(" ", asked)),
            years=years,
            rounding=rounding,
        )
    if _AVERAGE.search(asked):
        return Request("average", subjects=_subjects(asked), years=_range(asked, years), rounding=rounding)
    if _CHANGE.search(asked):
        parts = _two_subjects(asked)
        if len(set(years)) < 2 and parts:
            return Request("difference", subjects=parts, years=years, rounding=rounding)
        unsigned = bool(_BY.search(asked)) or bool(_UNSIGNED.search(asked)) and not _SIGNED.search(asked)
        return Request("change", subjects=_subjects(asked), years=years, rounding=rounding, unsigned=unsigned)
    if _SUM.search(asked) or (re.search(r"\btotal\b", asked, re.I) and len(set(years)) >= 2):
        return Request("sum", subjects=_subjects(asked), years=_range(asked, years), rounding=rounding)
    return None


def _single_value(
    asked: str, metrics: list[Metric], years: tuple[int, ...], rounding: Rounding
) -> Request | None:
    """One figure asked for a period: "capex in FY2023", "how much ... cash dividends ..."."""
    items = line_items_named(asked)
    if not (years and (metrics or (len(items) == 1 and _HOW_MUCH.search(asked)))):
        return None
    subject = _subject(_ROUNDING_WORDS.sub(" ", asked))
    return Request(
        "value",
        subjects=(subject,) if subject else (),
        years=years,
        metric=metrics[0] if metrics else None,
        rounding=rounding,
    )


def _asked_part(text: str) -> str:
    """The sentence that asks (the one with a question mark, else the first), without the
    instructions around it ("Round your answer...", "Base your judgments on...")."""
    sentences = re.split(r"(?<=[.?!])\s+(?=[A-Z])", text.strip())
    asked = [s for s in sentences if s.rstrip().endswith("?")]
    sentence = asked[0] if asked else sentences[0]
    # "Basing your judgment on the income statement, what is ...": from the question word on
    found = list(re.finditer(r"(?:^|,\s+)(?=(?:what|how|which)\b)", sentence, re.I))
    return sentence[found[-1].end() :] if found else sentence


def _is_metric(metric: Metric) -> bool:
    """A metric computed from more than one line item (a margin, a ratio, a turnover)."""
    return len(operands(metric.expression)) > 1 or metric.kind in ("ratio", "percentage", "days")


def _with_average(request: Request, asked: str, years: tuple[int, ...]) -> Request:
    """ "the FY2017 - FY2019 3 year average of capex as a % of revenue": the metric each year,
    averaged over the years named."""
    if _AVERAGE.search(asked) and len(set(years)) >= 2 and request.definition is None:
        return replace(request, operation="average_ratio", years=_range(asked, years))
    return request


def _range(asked: str, years: tuple[int, ...]) -> tuple[int, ...]:
    """Every year from the first to the last named when the question names a span ("from 2017
    to 2019", "FY2016 - FY2018", "3 year"), else the years as named."""
    if len(set(years)) == 2 and re.search(
        r"\bfrom\b.*\bto\b|\d\s*[-–]\s*(?:FY\s?)?\d|\b\d+\s*[- ]years?\b", asked, re.I
    ):
        low, high = min(years), max(years)
        return tuple(range(low, high + 1))
    return tuple(dict.fromkeys(years))


def _ratio(asked: str, found: re.Match[str], years: tuple[int, ...], rounding: Rounding) -> Request:
    """ "A as a percentage of B", "the percentage of A in (the) total B", "ratio of A to B"."""
    before, after = asked[: found.start()], asked[found.end() :]
    percent = bool(re.search(r"percent|%", asked, re.I))
    parts = (_subject(before), _subject(after)) if _subject(before) else _part_and_whole(after)
    averaged = bool(_AVERAGE.search(asked)) and len(set(years)) >= 2
    return Request(
        "average_ratio" if averaged else "ratio",
        subjects=tuple(p for p in parts if p),
        years=_range(asked, years) if averaged else years,
        rounding=Rounding(rounding.decimals, rounding.percent or percent, rounding.power),
    )


_MADE_UP_OF = re.compile(
    r"\s+(?:(?:is|are|was|were)\s+)?(?:made\s+up\s+of|generated\s+(?:from|by)|accounted\s+for"
    r"(?:\s+by)?|derived\s+from|contributed\s+by|attributable\s+to)\s+",
    re.I,
)
_DOES_PART = re.compile(
    r"\s+(?:does|do|did)\s+(.+?)\s+(?:form|make\s+up|represent|account\s+for|contribute)\b", re.I
)
_OF_TOTAL = re.compile(r"\s+(?:in|among|out\s+of|of|over|to)\s+(?:the\s+)?(?=total\b)", re.I)
_OF_WHOLE = re.compile(
    r"\s+(?:in|among|out\s+of|to|of|over|against|compared\s+to|relative\s+to)\s+(?:the\s+)?(?=\w)",
    re.I,
)


def _part_and_whole(after: str) -> tuple[str, str]:
    """After "the percentage/proportion of": the part and the whole. "A in (the) total B" splits
    at the total, before any earlier "of" or "to" ("purchase obligations of more than 5 years in
    the total purchase obligations"); "the total B (that) is made up of A" and "the total B does
    A form a part of" name the whole first."""
    made_up = _MADE_UP_OF.search(after)
    if made_up:
        return _subject(after[made_up.end() :]), _subject(after[: made_up.start()])
    does = _DOES_PART.search(after)
    if does:
        return _subject(does.group(1)), _subject(after[: does.start()])
    split = _OF_TOTAL.split(after, maxsplit=1)
    if len(split) < 2 or not _subject(split[0]):
        split = _OF_WHOLE.split(after, maxsplit=1)
    return (_subject(split[0]), _subject(split[1])) if len(split) == 2 else (_subject(after), "")


def _two_subjects(asked: str) -> tuple[str, ...]:
    """ "the difference between A and B": (A, B); "the difference in X between A and B": (X A,
    X B); () when the question compares one item (two years of it)."""
    found = re.search(r"\bdifference\s+(?:in\s+(.+?)\s+)?(?:between|of)\s+(.+?)\s+and\s+(.+)", asked, re.I)
    if not found:
        return ()
    a, b = _subject(found.group(2)), _subject(found.group(3))
    what = _subject(found.group(1) or "")
    if what and a and b:
        return (f"{what} {a}", f"{what} {b}")
    return (a, b) if a and b else ()


def _subjects(text: str) -> tuple[str, ...]:
    """The subject, or those joined by 'and' in a sum ("the sum of A and B"), scaffolding removed."""
    if _SUM.search(text) or re.search(r"\btotal\b", text, re.I):
        parts = [_subject(p) for p in re.split(r"\s+and\s+|,\s+", text)]
        if sum(1 for p in parts if p) >= 2:
            return tuple(p for p in parts if p)
    subject = _subject(text)
    return (subject,) if subject else ()


def _subject(text: str) -> str:
    text = _YEAR.sub(" ", text)
    text = re.sub(
        r"\b(?:Q[1-4]|first|second|third|fourth)\s+quarter\b|"
        r"\b(?:\d+|two|three|four|five|ten)\s*[- ]years?\b",
        " ",
        text,
        flags=re.I,
    )
    text = re.sub(r"[?,;:]|\s[-–]\s|\(\s*(?:decrease|increase)\s*\)|/", " ", text)
    text = _SCAFFOLD.sub(" ", text)
    return " ".join(text.split()).strip(" .'’")
