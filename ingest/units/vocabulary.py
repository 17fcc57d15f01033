"""The units figures are written in, as data: kinds, scales, currencies, and the words that name
them beside a number ("$1.26 per diluted share", "RMB 380 billion", "161,000 employees")."""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["currency", "per_share", "percent", "basis_points", "shares", "employees"]
KINDS: tuple[Kind, ...] = ("currency", "per_share", "percent", "basis_points", "shares", "employees")
# Kinds never written in a table's scale: "$1.27" of earnings per share is $1.27 in a table "in millions".
UNSCALED_KINDS = frozenset({"per_share", "percent", "basis_points"})

SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
SCALE_NAMES = {v: k for k, v in SCALES.items()}
CURRENCIES = {
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "u.s. dollar": "USD",
    "€": "EUR", "eur": "EUR", "euro": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "sterling": "GBP",
    "¥": "JPY", "jpy": "JPY", "yen": "JPY",
    "rmb": "CNY", "cny": "CNY", "yuan": "CNY", "renminbi": "CNY",
    "c$": "CAD", "cad": "CAD", "a$": "AUD", "aud": "AUD", "hk$": "HKD", "hkd": "HKD",
    "chf": "CHF", "swiss franc": "CHF", "inr": "INR", "rupee": "INR",
}
_SIGNS = ("us$", "c$", "a$", "hk$", "$", "€", "£", "¥")
_CURRENCY_NAMES = "|".join(re.escape(k) for k in sorted(CURRENCIES, key=len, reverse=True)
                           if k not in _SIGNS)
_CURRENCY_WORD = re.compile(rf"(?<![\w$])({_CURRENCY_NAMES})(?:e?s)?(?![\w$])", re.I)

# A unit in a label or units line; the earliest one names the row ("Shares used in computing
# earnings per share" counts shares; "Earnings per share" is a per-share amount).
_KIND_WORDS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("per_share", re.compile(r"\bper[- ](?:(?:common|ordinary|diluted|basic)\s+)?share\b|\beps\b",
                             re.I)),
    ("shares", re.compile(r"^(?:[\w-]+\s+){0,3}shares\b|^\s*shares?\s*$|\bnumber of shares\b|"
                          r"\bshares? (?:outstanding|issued|used|data|amounts|counts?)\b", re.I)),
    ("percent", re.compile(r"%|\bpercent(?:age)?s?\b|\bper cent\b|\bpercentage points?\b", re.I)),
    ("basis_points", re.compile(r"\bbasis points?\b|\bbps\b", re.I)),
    ("employees", re.compile(r"\bemployees\b|\bheadcount\b", re.I)),
)
# The unit written right after a number: "81,797 shares", "$1.26 per diluted share", "12 bps".
_AFTER = re.compile(
    r"\s*(?:(?P<per_share>(?:per|a)\s+(?:(?:common|ordinary|diluted|basic)\s+)?share\b)"
    r"|(?P<shares>(?:of\s+)?(?:(?:its|the|common|ordinary|class\s+[a-c]|outstanding)\s+){0,3}"
    r"(?:shares|share\s+units)\b)"
    r"|(?P<employees>(?:(?:full-time|part-time|full-time\s+equivalent)\s+)?employees\b)"
    r"|(?P<basis_points>basis\s+points?\b|bps\b)"
    r"|(?P<percent>percentage\s+points?\b|pts\b|ppts?\b)"
    rf"|(?P<currency>(?:{_CURRENCY_NAMES})(?:e?s)?(?![\w$])))",
    re.I,
)
# Per-share talk before a figure in the same sentence: "diluted EPS was $1.26", "earnings per
# share rose to $1.26 from $1.20".
_PER_SHARE_BEFORE = re.compile(r"\bper[- ]share\b|\bper (?:common |diluted |basic )?share\b|"
                               r"\beps\b|\bdividends? of\b", re.I)
_CODE_BEFORE = re.compile(r"(?:(?<![\w$])(us|c|a|hk)\$|\b([a-z]{3}))\s?$", re.I)


def kind_of(text: str) -> Kind | None:
    """The unit a label, header or units clause names (the earliest one), or None."""
    found = [(m.start(), kind) for kind, pattern in _KIND_WORDS if (m := pattern.search(text))]
    return min(found)[1] if found else None


def currency_of(text: str) -> str | None:
    """ISO code of the first currency sign or word in `text`: "$" -> "USD", "euros" -> "EUR"."""
    lowered = text.lower()
    for sign in _SIGNS:
        if sign in lowered:
            return CURRENCIES[sign]
    m = _CURRENCY_WORD.search(lowered)
    return CURRENCIES[m.group(1).lower()] if m else None


def unit_after(text: str, end: int) -> tuple[Kind | None, str | None]:
    """The unit written right after a number ending at `end`: (kind, currency code)."""
    m = _AFTER.match(text, end)
    if not m:
        return None, None
    kind = next(k for k in KINDS if m.group(k) is not None)
    return kind, currency_of(m.group(kind)) if kind == "currency" else None


def currency_before(text: str, start: int) -> str | None:
    """A currency code or sign written just before a number: "RMB 380 billion", "US$5"."""
    m = _CODE_BEFORE.search(text, max(0, start - 6), start)
    if not m:
        return None
    code = f"{m.group(1)}$" if m.group(1) else m.group(2)
    return CURRENCIES.get(code.lower())


def per_share_context(text: str, start: int) -> bool:
    """Whether the sentence before a figure at `start` talks of per-share amounts."""
    sentence_start = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start)) + 1
    return bool(_PER_SHARE_BEFORE.search(text, sentence_start, start))
