"""Units lines: the scale (and the exceptions to it) a text states once for the figures after
it, "(In millions, except number of shares, which are reflected in thousands, and per-share
amounts)", "(dollars in millions)", "(in thousands)"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.units.vocabulary import SCALES, UNSCALED_KINDS, Kind, currency_of, kind_of

_SCALE_WORD = r"(?:thousands|millions|billions|trillions|000s|000's)"
# "(In millions, except ...)", "(dollars in millions)", "($ in thousands)", "(in\nmillions):"
_STATEMENT = re.compile(
    r"\(([^()]{0,200}?\bin\s+(?:(?:u\.?s\.?\s+)?[$€£¥]\s*|[a-z]{3}\s+)?" + _SCALE_WORD
    + r"\b[^()]{0,200})\)"
    r"|^[ \t]*((?:[^\n()]{0,40}?\s)?in\s+(?:[$€£¥]\s*)?" + _SCALE_WORD + r"\b[^\n()]{0,120})$"
    r"|\((\s*[$€£¥]?\s*(?:000s|000's)(?:\s+omitted)?\s*)\)",
    re.I | re.M,
)
_SCALE_IN = re.compile(r"\b(thousand|million|billion|trillion)s?\b|\b000'?s\b", re.I)
_CLAUSES = re.compile(r"\s*(?:[,;]|\band\b|\bwhich\b)\s*", re.I)


@dataclass(frozen=True)
class Units:
    """A units line: the scale of its amounts and the exceptions it names."""

    scale: float | None  # of the amounts; None where the line names only exceptions
    currency: str | None = None  # "USD" where it names one ("dollars in millions")
    money: bool = False  # the amounts are money: a currency named, or per-share amounts excepted
    exceptions: tuple[tuple[Kind, float], ...] = ()

    def scale_of(self, kind: Kind | None) -> float | None:
        if kind in UNSCALED_KINDS:
            return 1.0
        return dict(self.exceptions).get(kind, self.scale) if kind else self.scale


def parse_units(line: str) -> Units | None:
    """A units line read: "(In millions, except number of shares, which are reflected in
    thousands, and per-share amounts)" -> millions; shares in thousands; per-share as written."""
    text = " ".join(line.lower().replace("per-share", "per share").split())
    head, _, tail = text.partition("except")
    scale: float | None = None
    currency = currency_of(head)
    exceptions: dict[Kind, float] = {}
    for clause in _CLAUSES.split(head.strip(" ()")):
        kind, clause_scale = kind_of(clause), _scale_in(clause)
        if kind in ("shares", "employees") and clause_scale:
            exceptions[kind] = clause_scale  # "shares in thousands"
        elif clause_scale and scale is None:
            scale = clause_scale
    last: Kind | None = None
    for clause in _CLAUSES.split(tail.strip(" ()")):
        kind, clause_scale = kind_of(clause), _scale_in(clause)
        if kind:
            exceptions[kind] = clause_scale or 1.0  # excepted, no scale: as written
            last = kind
        elif clause_scale and last:
            exceptions[last] = clause_scale  # "..., which are reflected in thousands"
    if scale is None and not exceptions:
        return None
    money = currency is not None or "per_share" in exceptions
    return Units(scale, currency, money, tuple(sorted(exceptions.items())))


def _scale_in(text: str) -> float | None:
    m = _SCALE_IN.search(text)
    if not m:
        return None
    return SCALES[m.group(1).lower()] if m.group(1) else 1e3


def statements(text: str) -> list[tuple[int, int, Units]]:
    """The units lines of a text: (start, end, Units), in order."""
    out = []
    for m in _STATEMENT.finditer(text):
        units = parse_units(next(g for g in m.groups() if g is not None))
        if units is not None:
            out.append((m.start(), m.end(), units))
    return out


def states_units(text: str) -> bool:
    return bool(statements(text))
