"""The scale a table writes in a column header, row label or its corner cell, rather than in a
units line: "2019 €m", "$'000", "USD ‘000", "RMB’Million", "$ MILLION", "(in million)",
"Number of Shares (thousands)", "(Shares in thousands)"."""

from __future__ import annotations

import re

from ingest.units.vocabulary import SCALES, currency_of

_LABEL_SCALE = re.compile(
    r"(?P<currency>US\$|C\$|A\$|HK\$|[$€£¥]|\b(?:USD|EUR|GBP|RMB|CNY|JPY|CAD|AUD|HKD|CHF|INR))"
    r"\s?['’‘]?\s?(?P<word>m|mn|mm|bn|k|thousands?|millions?|billions?|000s?)(?![\w'’])"
    r"|['’‘](?P<quoted>000)s?\b"
    r"|\(\s*(?:in\s+)?(?P<bracketed>thousands?|millions?|billions?)\b[^()]*\)"
    r"|\bin\s+(?P<inside>thousands?|millions?|billions?)\b",
    re.I,
)
_LABEL_SCALE_WORDS = {"m": 1e6, "mn": 1e6, "mm": 1e6, "bn": 1e9, "k": 1e3, "000": 1e3, "000s": 1e3}


def label_scale(text: str) -> tuple[float, str | None] | None:
    """The scale (and currency) a header or label writes for the figures under or beside it:
    "2019 €m" -> (1e6, "EUR"), "$'000" -> (1e3, "USD"), "(in millions)" -> (1e6, None)."""
    m = _LABEL_SCALE.search(text)
    if not m:
        return None
    word = next(g for g in (m.group("word"), m.group("quoted"), m.group("bracketed"), m.group("inside")) if g)
    word = word.lower()
    scale = _LABEL_SCALE_WORDS.get(word) or SCALES[word.rstrip("s")]
    return scale, currency_of(m.group("currency")) if m.group("currency") else None


def wholly_scale(cell: str) -> bool:
    """A cell that says nothing but a scale ("£m", "$'000", "USDm", "(in millions)")."""
    m = _LABEL_SCALE.search(cell)
    return m is not None and not cell[: m.start()].strip(" (") and not cell[m.end() :].strip(" )")
