"""Numbers as values, so a generated sentence and a passage can be compared however each writes
them: "1,577", "1577.0", "$1.6 billion", "1.6bn", "12%" / "12 percent".

A claimed number matches a passage's number when the values are equal, or when the claim is the
passage's number rounded to the claim's own precision and the claim keeps at least two
significant digits ("$1.6 billion" for "$1,577 million"; never "$2 billion" for it). A passage
number written without a scale may also be read in thousands, millions or billions: filing tables
say "(in millions)" once, in a header the passage may not hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SCALES = {
    "thousand": 1e3, "k": 1e3,
    "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9,
    "trillion": 1e12, "tn": 1e12, "t": 1e12,
}
_IMPLICIT_SCALES = (1.0, 1e3, 1e6, 1e9)

_NUMBER = re.compile(
    r"(?<![\w.,])(?<![A-Za-z]-)(?P<currency>[$€£¥]\s?)?"
    r"(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|mln|mn|bn|tn|[kmbt])(?![A-Za-z]))?"
    r"(?P<percent>\s?(?:%|percent\b|per cent\b))?"
    r"(?![A-Za-z\d]|-[A-Za-z]|\.\d)",  # not part of an identifier: "10-K", "Q3", "3rd", "COVID-19"
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Number:
    text: str  # as written
    value: float  # scaled: "$1.6 billion" -> 1.6e9
    precision: float  # the place of the last written digit, scaled: "1.6 billion" -> 1e8
    significant: int  # significant digits as written: "1,577" -> 4, "2,000" -> 1
    scaled: bool  # written with a scale word or suffix
    percent: bool

    @property
    def is_year(self) -> bool:
        return (not self.scaled and not self.percent and self.precision == 1.0
                and 1900 <= self.value <= 2100 and "," not in self.text and "$" not in self.text)


def find_numbers(text: str) -> list[Number]:
    """Every number in `text`, in order; identifiers such as "10-K", "Q3" and "3rd" are not
    numbers."""
    out = []
    for m in _NUMBER.finditer(text):
        digits = m.group("digits").replace(",", "")
        scale_word = (m.group("scale") or "").lower()
        scale = _SCALES.get(scale_word, 1.0)
        decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
        out.append(Number(
            text=m.group(0).strip(),
            value=float(digits) * scale,
            precision=10.0 ** -decimals * scale,
            significant=_significant(digits),
            scaled=bool(scale_word),
            percent=bool(m.group("percent")),
        ))
    return out


def matches(claim: Number, found: Number) -> bool:
    """Whether `claim` states the number `found` (written in a passage)."""
    if claim.percent and found.scaled:
        return False
    scales = (1.0,) if found.scaled or found.percent or claim.percent else _IMPLICIT_SCALES
    tolerance = claim.precision / 2 if claim.significant >= 2 else 0.0
    for scale in scales:
        value = found.value * scale
        if abs(value - claim.value) <= tolerance + 1e-9 * max(abs(value), 1.0):
            return True
    return False


def holds(claim: Number, numbers: Iterable[Number]) -> bool:
    return any(matches(claim, n) for n in numbers)


def _significant(digits: str) -> int:
    whole, _, fraction = digits.partition(".")
    if fraction:
        return len((whole + fraction).lstrip("0")) or 1
    stripped = whole.lstrip("0")
    return len(stripped.rstrip("0")) or 1
