"""The quarters a question names, as periods its operands are matched by: a three-month column
of that fiscal quarter (or a balance at its end), never a six- or nine-month year-to-date one.

    "the percentage change in net sales in Q3 FY2023 compared to Q3 FY2022"
    -> (Quarter(2023, 3), Quarter(2022, 3))
    "the second quarter of 2023 and the same quarter of the prior year"
    -> (Quarter(2023, 2), Quarter(2022, 2))
    "the quarter ended July 1, 2023" -> (Quarter(2023, 0, end="2023-07-01"),)

A quarter is named by its fiscal year, as filers name it ("Q1 2023" is the first quarter of
fiscal 2023, as "the first quarter of fiscal 2023"). A quarter that only names a document ("in the
Q3 2022 10-Q"), or a quarter the question does not date ("the latest quarter", "quarterly"), is
not read: `quarters_asked` gives None and the question is not computed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ingest.dates import MONTH_PATTERN, MONTHS
from ingest.facts import Fact

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_ORDINAL = r"(first|second|third|fourth|1st|2nd|3rd|4th)"
_FY = r"(?:FY\s?|fiscal\s+(?:year\s+)?)"
_YEAR = r"((?:19|20)\d\d|'?\d\d)(?!\d|,\d)"
_FORMS = [  # (pattern, group of the quarter, group of the year)
    (rf"\bQ([1-4])\s*(?:of\s+)?{_FY}?{_YEAR}", 1, 2),  # Q3 2023, Q3 FY2023, Q3 fiscal 2023, Q3'23
    (rf"\b{_FY}?((?:19|20)\d\d)\s*Q([1-4])\b", 2, 1),  # 2021 Q1, FY2023 Q3
    (rf"\bfiscal\s+Q([1-4])\s+{_YEAR}", 1, 2),  # fiscal Q3 2023
    (rf"\b{_ORDINAL}\s+(?:fiscal\s+)?quarter\s+(?:of|in|for|ended\s+in)\s+(?:the\s+)?{_FY}?{_YEAR}", 1, 2),
    (rf"\b{_FY}?((?:19|20)\d\d)\s+{_ORDINAL}\s+(?:fiscal\s+)?quarter\b", 2, 1),  # fiscal 2023 third quarter
]
_QUARTER_PATTERNS = [(re.compile(p, re.I), q, y) for p, q, y in _FORMS]
# two quarters sharing a year ("the second and first quarter in fiscal 2019") or a quarter in two
# years ("Q4 2019 and 2018"): read before the forms above
_TWO_QUARTERS = re.compile(
    rf"\b{_ORDINAL}\s+(?:and|&|to|,)\s+(?:the\s+)?{_ORDINAL}\s+(?:fiscal\s+)?quarters?\s+"
    rf"(?:of|in|for)\s+(?:the\s+)?{_FY}?{_YEAR}",
    re.I,
)
_TWO_YEARS = re.compile(
    rf"\bQ([1-4])\s+{_FY}?((?:19|20)\d\d)\s+(?:and|&|vs\.?|versus|compared\s+(?:to|with))\s+"
    rf"{_FY}?((?:19|20)\d\d)\b(?!\s*Q)",
    re.I,
)
_ENDED = re.compile(
    rf"\b(?:quarter|three\s+months|13\s+weeks|thirteen\s+weeks)\s+(?:ended|ending)\s+(?:on\s+)?"
    rf"({MONTH_PATTERN})\.?\s+(\d{{1,2}}),?\s+((?:19|20)\d\d)\b",
    re.I,
)
# "the same quarter of 2022", "the same period in the prior year", "the year-ago quarter"
_SAME_IN = re.compile(
    r"\b(?:same|corresponding|comparable)\s+(?:fiscal\s+)?(?:quarter|period|three[- ]month\s+period)\s+"
    r"(?:of|in|for)\s+(?:the\s+)?" + _FY + r"?((?:19|20)\d\d)\b",
    re.I,
)
_YEAR_BEFORE = re.compile(
    r"\b(?:same|corresponding|comparable)\s+(?:fiscal\s+)?(?:quarter|period|three[- ]month\s+period)\s+"
    r"(?:of|in)\s+(?:the\s+)?(?:prior|previous|preceding|last)\s+(?:fiscal\s+)?year\b"
    r"|\b(?:year[- ]ago|prior[- ]year)\s+quarter\b",
    re.I,
)
_DOCUMENT = re.compile(r"\s*(?:10-Q|quarterly\s+report|report|filing|earnings\s+release)\b", re.I)
# any mention of a quarter: one left unread after the dated ones keeps the question uncomputed
_ANY_QUARTER = re.compile(
    r"\bQ[1-4]\b|\b(?:first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarters?\b"
    r"|\bquarterly\b|\b(?:this|latest|last|recent|current|previous)\s+quarter\b|\b10-Q\b"
    r"|\bquarter\s+ended\b",
    re.I,
)
_DAYS_IN_QUARTER = range(80, 100)  # a three-month or thirteen-week column
_DAYS_LATE = 7  # "the quarter ended July 1, 2023" and a column dated June 30


@dataclass(frozen=True, order=True)
class Quarter:
    """A fiscal quarter (`number` 1-4 of fiscal `year`), or the quarter that ends on `end`."""

    year: int
    number: int
    end: str | None = None  # ISO date: "the quarter ended July 1, 2023"

    def __str__(self) -> str:
        return f"quarter ended {self.end}" if self.end else f"Q{self.number} FY{self.year}"

    def holds(self, fact: Fact) -> bool:
        """Whether the fact is this quarter's: a column whose header names it ("Q4 2019"), else
        a three-month column of it or a balance at its end, by the document's fiscal calendar."""
        if self.end:
            return _ends_on(fact, self.end)
        named = [q for q in quarters_named(fact.header) if not q.end]
        if named:
            return self in named
        return fact.fiscal_period == str(self)


def quarters_asked(text: str) -> tuple[Quarter, ...] | None:
    """The quarters `text` names, in the order named (() when it names none); None when it
    mentions a quarter it does not date, or one that only names a document."""
    text = _without_documents(text)
    found = _found(text)
    quarters = [q for _, q in found]
    rest = text
    for span, _ in sorted(found, reverse=True):
        rest = rest[: span[0]] + " " + rest[span[1] :]
    if _ANY_QUARTER.search(rest):
        return None
    if len(set(quarters)) == 1 and not quarters[0].end:
        only = quarters[0]
        same = _SAME_IN.search(text)
        if same:
            quarters.append(Quarter(int(same.group(1)), only.number))
        elif _YEAR_BEFORE.search(text):
            quarters.append(Quarter(only.year - 1, only.number))
    return tuple(quarters)


def quarters_named(text: str) -> list[Quarter]:
    """The dated quarters `text` names, in order."""
    return [q for _, q in _found(text)]


def without_quarters(text: str) -> str:
    """The text with each dated quarter it names (and its year) taken out."""
    for span, _ in sorted(_found(text), reverse=True):
        text = text[: span[0]] + " " + text[span[1] :]
    return _YEAR_BEFORE.sub(" ", _SAME_IN.sub(" ", text))


def _found(text: str) -> list[tuple[tuple[int, int], Quarter]]:
    """Each dated quarter with its span, in the order the text names them; spans never overlap."""
    found: list[tuple[tuple[int, int], Quarter]] = []
    for m in _TWO_QUARTERS.finditer(text):
        year = _year(m.group(3))
        found += [((m.start(), m.end(1)), Quarter(year, _number(m.group(1)))),
                  ((m.start(2), m.end()), Quarter(year, _number(m.group(2))))]
    for m in _TWO_YEARS.finditer(text):
        found += [((m.start(), m.end(2)), Quarter(int(m.group(2)), int(m.group(1)))),
                  ((m.end(2), m.end()), Quarter(int(m.group(3)), int(m.group(1))))]
    for pattern, quarter_group, year_group in _QUARTER_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for (start, end), _ in found):
                continue
            quarter = Quarter(_year(m.group(year_group)), _number(m.group(quarter_group)))
            found.append(((m.start(), m.end()), quarter))
    for m in _ENDED.finditer(text):
        try:
            day = dt.date(int(m.group(3)), MONTHS[m.group(1).lower().rstrip(".")], int(m.group(2)))
        except (KeyError, ValueError):
            continue
        found.append(((m.start(), m.end()), Quarter(day.year, 0, day.isoformat())))
    return sorted(found, key=lambda item: item[0])


def _year(text: str) -> int:
    text = text.lstrip("'")
    return int(text) if len(text) == 4 else 2000 + int(text)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _ORDINALS[text.lower()]


def _without_documents(text: str) -> str:
    """The text without the quarters that name a document ("in Apple's Q3 2022 10-Q")."""
    for span, _ in sorted(_found(text), reverse=True):
        if _DOCUMENT.match(text, span[1]):
            text = text[: span[0]] + " " + text[span[1] :]
    return text


def _ends_on(fact: Fact, end: str) -> bool:
    if not fact.period_end:
        return False
    day, asked = dt.date.fromisoformat(fact.period_end), dt.date.fromisoformat(end)
    if abs((day - asked).days) > _DAYS_LATE:
        return False
    if fact.period_start is None:
        return not (fact.fiscal_period or "").startswith(("6M", "9M", "FY"))
    return (day - dt.date.fromisoformat(fact.period_start)).days + 1 in _DAYS_IN_QUARTER
