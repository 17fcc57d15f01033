"""Numbers as values, so a generated sentence and a passage can be compared however each writes
them: "1,577", "1577.0", "$1.6 billion", "1.6bn", "12%" / "12 percent".

A claimed number matches a passage's number when the values are equal, or when the claim is the
passage's number rounded to the claim's own precision and the claim keeps at least two
significant digits ("$1.6 billion" for "$1,577 million"; never "$2 billion" for it).

Scale and unit count too (`read_passage`, with ingest/units/): a passage figure is read in the
scale its passage states ("(In millions, ...)" over a table: 81,797 is $81.797 billion, so
"$81.8 billion" matches and "$81.8 million" does not), and a claim matches only a figure of the
same unit: a per-share amount or a percentage never matches a currency amount, nor "81,797
shares" a currency 81,797. A claim that copies a figure's digits as printed, without a scale
word, matches it as written. A passage figure whose scale nobody states may be read in
thousands, millions or billions (the lenient reading); such a match is `Match.assumed`, and
the answer says "scale not stated in the source".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ingest.units import (
    SCALE_NAMES,
    Kind,
    PassageUnits,
    currency_before,
    currency_of,
    per_share_context,
    unit_after,
)

_SCALES = {
    "thousand": 1e3, "k": 1e3,
    "million": 1e6, "mn": 1e6, "mln": 1e6, "m": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9,
    "trillion": 1e12, "tn": 1e12, "t": 1e12,
}
_IMPLICIT_SCALES = (1.0, 1e3, 1e6, 1e9)
_DIGITS = re.compile(r"[\d.,]*\d")

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
    kinds: frozenset[Kind] = frozenset()  # its unit, as far as stated: empty when not said
    currency: str | None = None  # ISO code where its sign or words say
    stated_scale: float | None = None  # of an unscaled passage figure: the scale its source
    # states (1.0: as written, e.g. a date); None: not stated (the lenient reading)
    start: int = 0  # offset in the text it was found in

    @property
    def is_year(self) -> bool:
        return (not self.scaled and not self.percent and self.precision == 1.0
                and 1900 <= self.value <= 2100 and "," not in self.text and "$" not in self.text)


def find_numbers(text: str) -> list[Number]:
    """Every number in `text`, in order, with the unit its own words state ("$", "%", "81,797
    shares", "$1.26 per share"); identifiers such as "10-K", "Q3" and "3rd" are not numbers."""
    out = []
    for m in _NUMBER.finditer(text):
        digits = m.group("digits").replace(",", "")
        scale_word = (m.group("scale") or "").lower()
        scale = _SCALES.get(scale_word, 1.0)
        decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
        percent = bool(m.group("percent"))
        kinds, currency = _written_unit(text, m, percent, bool(scale_word))
        out.append(Number(
            text=m.group(0).strip(),
            value=float(digits) * scale,
            precision=10.0 ** -decimals * scale,
            significant=_significant(digits),
            scaled=bool(scale_word),
            percent=percent,
            kinds=kinds,
            currency=currency,
            start=m.start("digits"),
        ))
    return out


def _written_unit(text: str, m: re.Match[str], percent: bool,
                  scaled: bool) -> tuple[frozenset[Kind], str | None]:
    if percent:
        return frozenset({"percent"}), None
    sign = (m.group("currency") or "").strip()
    kind, currency = unit_after(text, m.end())
    code = None if sign else currency_before(text, m.start())
    if sign or code:
        currency = currency_of(sign) if sign else code
        if kind == "per_share" or (kind is None and not scaled and per_share_context(text, m.start())):
            # "$1.26 per share"; "diluted EPS was $1.26" may be either
            return frozenset({"per_share"} if kind else {"currency", "per_share"}), currency
        return frozenset({"currency"}), currency
    return (frozenset({kind}) if kind else frozenset()), currency


def read_passage(text: str) -> list[Number]:
    """The numbers of a passage, each with the scale and unit the passage states for it: a
    table's units line and labels (ingest/units/), or its own words."""
    units = PassageUnits(text)
    out = []
    for num in find_numbers(text):
        if num.scaled or num.percent:
            out.append(replace(num, stated_scale=1.0))
            continue
        digits = _DIGITS.match(text, num.start)
        reading = units.at(num.start, digits.end() if digits else num.start, num.kinds)
        kinds = reading.kinds or num.kinds
        out.append(replace(num, kinds=kinds, currency=reading.currency or num.currency,
                           stated_scale=reading.scale))
    return out


def within(numbers: Iterable[Number], start: int, end: int) -> list[Number]:
    """The numbers found at text[start:end] (by their offsets)."""
    return [n for n in numbers if start <= n.start < end]


def scale_stated_elsewhere(numbers: Iterable[Number]) -> str | None:
    """For figures printed without their scale, the one their source states elsewhere (a
    table's units line), as a reader needs it: "in millions of USD; shares in thousands"."""
    parts: list[str] = []
    for n in numbers:
        name = SCALE_NAMES.get(n.stated_scale or 1.0)
        if n.scaled or name is None:
            continue
        counted = next((k for k in ("shares", "employees") if k in n.kinds), None)
        part = (f"{counted} in {name}s" if counted else
                f"in {name}s of {n.currency}" if n.currency else f"in {name}s")
        if part not in parts:
            parts.append(part)
    return "; ".join(parts) or None


def scale_unknown(numbers: Iterable[Number]) -> list[str]:
    """Amounts of money printed without a scale that their source does not state either."""
    return [n.text for n in numbers
            if "currency" in n.kinds and not n.scaled and n.stated_scale is None]


def literal(numbers: Iterable[Number]) -> list[Number]:
    """Numbers read exactly as written (a passage's title, period and dates)."""
    return [replace(n, stated_scale=1.0) for n in numbers]


@dataclass(frozen=True)
class Match:
    assumed: bool  # the passage states no scale: one was assumed (the lenient reading)


def match(claim: Number, found: Number) -> Match | None:
    """How `claim` states the number `found` (read from a passage), or None if it does not."""
    if not same_unit(claim, found):
        return None
    tolerance = claim.precision / 2 if claim.significant >= 2 else 0.0
    for scale in _scales(claim, found):
        value = found.value * scale
        if abs(value - claim.value) <= tolerance + 1e-9 * max(abs(value), 1.0):
            return Match(assumed=scale != 1.0 and found.stated_scale is None)
    return None


def _scales(claim: Number, found: Number) -> tuple[float, ...]:
    if found.scaled or found.percent or claim.percent:
        return (1.0,)
    if found.stated_scale is None:
        return _IMPLICIT_SCALES
    if claim.scaled or found.stated_scale == 1.0:
        return (found.stated_scale,)
    return (found.stated_scale, 1.0)  # "81,797" copied from a table in millions, as printed


def same_unit(claim: Number, found: Number) -> bool:
    """Units that do not contradict each other: kinds or currencies stated on both sides must
    agree; a percentage never matches a scaled amount."""
    if claim.kinds and found.kinds and not claim.kinds & found.kinds:
        return False
    if claim.currency and found.currency and claim.currency != found.currency:
        return False
    return not (claim.percent and (found.scaled or (found.stated_scale or 1.0) != 1.0))


def matches(claim: Number, found: Number) -> bool:
    """Whether `claim` states the number `found` (written in a passage)."""
    return match(claim, found) is not None


def support(claim: Number, numbers: Iterable[Number]) -> Match | None:
    """The best match of `claim` among `numbers`: one in a stated scale if any."""
    best = None
    for n in numbers:
        found = match(claim, n)
        if found is not None and not found.assumed:
            return found
        best = best or found
    return best


def holds(claim: Number, numbers: Iterable[Number]) -> bool:
    return support(claim, numbers) is not None


def operand(value: float, *, scale: float | None, kind: Kind | None = None,
            currency: str | None = None, text: str = "") -> Number:
    """A figure computed from facts (a sum, a change, a ratio), as a passage number: `value` as
    its fact writes it, in the `scale` its fact states (None: not stated), so a claim about it
    is checked by `match` with the same rule as a figure read from a passage."""
    digits = f"{value:.10g}"
    decimals = len(digits.split(".", 1)[1]) if "." in digits and "e" not in digits else 0
    return Number(text=text or digits, value=value, precision=10.0 ** -decimals,
                  significant=_significant(digits.lstrip("-")), scaled=False,
                  percent=kind == "percent", kinds=frozenset({kind}) if kind else frozenset(),
                  currency=currency, stated_scale=scale)


def _significant(digits: str) -> int:
    whole, _, fraction = digits.partition(".")
    if fraction:
        return len((whole + fraction).lstrip("0")) or 1
    stripped = whole.lstrip("0")
    return len(stripped.rstrip("0")) or 1
