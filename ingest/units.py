"""The scale and unit a document states for its figures, read from the text a chunk keeps.

A filing states its scale once per table or statement, in a units line kept with the table's
head on every chunk of it ("(In millions, except number of shares, which are reflected in
thousands, and per-share amounts)", "(dollars in millions)", "(in thousands)"); a figure's unit
comes from its own cell ("$", "%"), its column header ("%", "Per Share", "Shares"), its row
label or the label line above a group of rows ("Earnings per share:"); prose states both with
the figure ("$3.3 billion", "161,000 employees", "$1.26 per diluted share"). Inline XBRL states
them as attributes (`scale`, `unitRef`); a table whose text states no units gets a units line
read from them (`xbrl_units_line`), so one reader serves PDF, HTML and iXBRL alike.

`PassageUnits(text).at(start, end)` says what a passage states about the number written at
text[start:end]: its kind of unit, currency, and the scale it is written in (None where the
passage states none: the number check then keeps its lenient reading and says so).

Units recognised (`KINDS`): currency amounts (signs and codes in `CURRENCIES`), per-share
amounts, percentages (and percentage points), basis points, shares, employees.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from lxml.html import HtmlElement

from ingest.dates import MONTH_PATTERN
from ingest.loaders import tables

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
# A scale written in a column header, row label or a table's corner cell: "2019 €m", "$'000",
# "USD ‘000", "RMB’Million", "$ MILLION", "(in million)", "Number of Shares (thousands)",
# "(Shares in thousands)".
_LABEL_SCALE = re.compile(
    r"(?P<currency>US\$|C\$|A\$|HK\$|[$€£¥]|\b(?:USD|EUR|GBP|RMB|CNY|JPY|CAD|AUD|HKD|CHF|INR))"
    r"\s?['’‘]?\s?(?P<word>m|mn|mm|bn|k|thousands?|millions?|billions?|000s?)(?![\w'’])"
    r"|['’‘](?P<quoted>000)s?\b"
    r"|\(\s*(?:in\s+)?(?P<bracketed>thousands?|millions?|billions?)\b[^()]*\)"
    r"|\bin\s+(?P<inside>thousands?|millions?|billions?)\b",
    re.I,
)
_LABEL_SCALE_WORDS = {"m": 1e6, "mn": 1e6, "mm": 1e6, "bn": 1e9, "k": 1e3, "000": 1e3, "000s": 1e3}
_CLAUSES = re.compile(r"\s*(?:[,;]|\band\b|\bwhich\b)\s*", re.I)
_MONTH_BEFORE = re.compile(rf"\b(?:{MONTH_PATTERN})\.?\s+$", re.I)  # "July 1": a day
_YEAR = re.compile(r"^(?:19|20)\d\d$")


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


@dataclass(frozen=True)
class Reading:
    """What a passage states about one number written in it."""

    kinds: frozenset[Kind] = frozenset()  # empty: its unit is not stated
    currency: str | None = None
    scale: float | None = None  # the scale it is written in; None: not stated


LITERAL = Reading(scale=1.0)  # a date, a year, a label's or a header's number: as written


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


_CODE_BEFORE = re.compile(r"(?:(?<![\w$])(us|c|a|hk)\$|\b([a-z]{3}))\s?$", re.I)


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


def _wholly_scale(cell: str) -> bool:
    """A cell that says nothing but a scale ("£m", "$'000", "USDm", "(in millions)")."""
    m = _LABEL_SCALE.search(cell)
    return m is not None and not cell[: m.start()].strip(" (") and not cell[m.end() :].strip(" )")


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


@dataclass
class _Region:
    """The text a units line governs: from its end to the next units line."""

    start: int
    units: Units
    currency: str | None  # named by the line, or the one sign its figures carry


@dataclass
class PassageUnits:
    """What a passage (a chunk's text) states about the scale and unit of its numbers."""

    text: str
    _statements: list[tuple[int, int]] = field(init=False)
    _regions: list[_Region] = field(init=False)
    _lines: list[tuple[int, int]] = field(init=False)
    _head_scales: dict[int, tuple[float, str | None] | None] = field(init=False)

    def __post_init__(self) -> None:
        found = statements(self.text)
        self._statements = [(s, e) for s, e, _ in found]
        self._regions = []
        for i, (_, end, units) in enumerate(found):
            stop = found[i + 1][0] if i + 1 < len(found) else len(self.text)
            self._regions.append(_Region(end, units, units.currency or _one_sign(self.text[end:stop])))
        self._lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", self.text)]
        self._head_scales = {}

    def at(self, start: int, end: int, written: frozenset[Kind] = frozenset()) -> Reading:
        """The number at text[start:end]; `written`: the kinds its own words state ("$", "%",
        "shares" after it)."""
        if any(s <= start < e for s, e in self._statements) or self._is_date(start, end):
            return LITERAL
        region = next((r for r in reversed(self._regions) if r.start <= start), None)
        line_start, line_end = next(((s, e) for s, e in self._lines if s <= start < e),
                                    (start, end))
        line = self.text[line_start:line_end]
        stated: tuple[float, str | None] | None = None  # the scale its header or table writes
        own = False  # written in its own column header or row label (else the table's corner)
        if " | " in line:
            labels = self._cell_labels(line_start, line, start)
            if labels is None:
                return LITERAL  # a row label's or a column header's number
            value, names = labels
            stated = next((s for n in names[:2] if n and (s := label_scale(n))), None)
            own = stated is not None
            stated = stated or self._table_scale(line_start)
        else:
            value, names = self.text[start:end], []
            if written & {"shares", "employees"}:
                return Reading(written, None, 1.0)  # prose: "161,000 employees" as written
        kinds = self._kinds(value, names, written, region)
        if stated is not None and stated[1] and not kinds:
            kinds = frozenset({"currency"})  # "2019 €m" over a column of figures
        currency = None
        if kinds & {"currency", "per_share"}:
            currency = (currency_of(value) or (stated[1] if stated else None)
                        or (region.currency if region else None))
        kind = next(iter(kinds)) if len(kinds) == 1 else None
        if kind in UNSCALED_KINDS:
            return Reading(kinds, currency, 1.0)
        if stated is not None and (own or kind not in ("shares", "employees")):
            return Reading(kinds, currency, stated[0])
        return Reading(kinds, currency, region.units.scale_of(kind) if region else None)

    def _table_scale(self, line_start: int) -> tuple[float, str | None] | None:
        """The scale a table's head writes for all its figures: a head row's cell that is only
        a scale ("£m" over each column, "$ million" in the corner, "(in million)" on its own
        line), or the corner cell of a head row that begins with one ("All figures in USD '000,
        except ..."); the nearest above the row, within the table."""
        index = bisect.bisect_left(self._lines, (line_start, -1))
        passed: list[int] = []
        found: tuple[float, str | None] | None = None
        while index > 0 and index not in self._head_scales:
            passed.append(index)
            s, e = self._lines[index - 1]
            cells = [c.strip() for c in self.text[s:e].split(" | ")]
            head = not any(tables.is_figure(c.rpartition(": ")[2]) for c in cells)
            scaled = [c for i, c in enumerate(cells) if _wholly_scale(c) or (
                i == 0 and head and len(cells) > 1 and label_scale(c) and not self._heads_a_column(c, e))]
            if scaled:
                found = label_scale(scaled[0])
                break
            if len(cells) == 1:
                break  # above the table
            index -= 1
        else:
            found = self._head_scales.get(index)
        for i in passed:
            self._head_scales[i] = found
        return found

    def _heads_a_column(self, cell: str, end: int) -> bool:
        """Whether a head cell names a column of the table's figures below it ("Number of Shares
        (thousands): 3,288"), rather than standing in its corner ("$ million")."""
        for s, e in self._lines[bisect.bisect_left(self._lines, (end, -1)):]:
            line = self.text[s:e]
            if " | " not in line:
                return False
            if f"{cell}: " in line or f"{cell} " in line:
                return True
        return False

    def _cell_labels(self, line_start: int, line: str, start: int) -> tuple[str, list[str]] | None:
        """(the figure, [its column header, row label, group label]) for a number in a figure
        cell of a rendered table row ("Label | Header: figure"); None for a label's or a
        header's own number."""
        offset = line_start
        cells = line.split(" | ")
        i = 0
        while offset + len(cells[i]) <= start:
            offset += len(cells[i]) + 3
            i += 1
            if i == len(cells):
                return None
        cell = cells[i]
        header, colon, value = cell.rpartition(": ")
        if start < offset + len(header) + len(colon):
            return None
        if not tables.is_figure(value.strip()):
            return None
        row_label = cells[0] if i > 0 and not tables.is_figure(cells[0]) else ""
        return value, [header, row_label, self._group_label(line_start)]

    def _group_label(self, line_start: int) -> str:
        """'Earnings per share:' over the rows 'Basic' and 'Diluted'."""
        before = [ln for ln in self._lines if ln[1] < line_start]
        for s, e in reversed(before):
            line = self.text[s:e].strip()
            if " | " in line:
                continue
            in_statement = any(a < e and s < b for a, b in self._statements)
            return line if line.endswith(":") and not in_statement else ""
        return ""

    @staticmethod
    def _kinds(value: str, names: list[str], written: frozenset[Kind],
               region: _Region | None) -> frozenset[Kind]:
        if "%" in value:
            return frozenset({"percent"})
        for name in names:
            kind = kind_of(name) if name else None
            if kind:
                return frozenset({kind})
        if (names and not names[-1] and region and "per_share" in dict(region.units.exceptions)
                and currency_of(value)):
            # no group label above the row: "Earnings per share:" may be on an earlier piece
            return frozenset({"currency", "per_share"})
        if written:
            return written
        if currency_of(value) or (region and (region.units.money or region.currency)):
            return frozenset({"currency"})
        return frozenset()

    def _is_date(self, start: int, end: int) -> bool:
        digits = self.text[start:end]
        return bool(_YEAR.match(digits)) or bool(_MONTH_BEFORE.search(self.text, max(0, start - 12), start))


def _one_sign(text: str) -> str | None:
    signs = Counter(CURRENCIES[s] for s in re.findall(r"(?:US\$|C\$|A\$|HK\$|[$€£¥])(?=\s?\(?\d)", text))
    return next(iter(signs)) if len(signs) == 1 else None


# --- inline XBRL ------------------------------------------------------------------------------

_PERCENT_SCALE = -2  # a pure fact shown as "12.5" for 0.125


class XbrlUnits:
    """The units an inline-XBRL document defines (<xbrli:unit id=...>), read once."""

    def __init__(self, root: HtmlElement) -> None:
        self.kinds: dict[str, tuple[Kind | None, str | None]] = {}
        for unit in root.iter("xbrli:unit"):
            measures = [(m.text or "").strip().lower() for m in unit.iter("xbrli:measure")]
            self.kinds[unit.get("id", "")] = _unit_kind(measures)

    def __bool__(self) -> bool:
        return bool(self.kinds)


def _unit_kind(measures: list[str]) -> tuple[Kind | None, str | None]:
    if len(measures) == 2 and measures[0].startswith("iso4217:") and measures[1].endswith(":shares"):
        return "per_share", measures[0].split(":", 1)[1].upper()
    if len(measures) == 1:
        measure = measures[0]
        if measure.startswith("iso4217:"):
            return "currency", measure.split(":", 1)[1].upper()
        if measure.endswith(":shares"):
            return "shares", None
        if measure.endswith(":pure"):
            return "percent", None
    return None, None


def xbrl_units_line(table: HtmlElement, defined: XbrlUnits) -> str | None:
    """A units line for a table from its facts' `scale` and `unitRef` attributes: "(Inline XBRL:
    in millions of USD, except shares in thousands and per-share amounts)"; None when the table
    holds no facts or its amounts disagree on their scale."""
    seen: dict[Kind, Counter[tuple[int, str | None]]] = {kind: Counter() for kind in KINDS}
    for fact in table.iter("ix:nonfraction"):
        kind, code = defined.kinds.get(fact.get("unitref", ""), (None, None))
        scale = fact.get("scale", "0").strip()
        if kind is None or not re.fullmatch(r"-?\d{1,2}", scale):
            continue
        seen[kind][(int(scale), code)] += 1
    money = seen["currency"]
    if len(money) != 1:
        return None
    (power, code), = money
    if power not in (0, 3, 6, 9, 12):
        return None
    amounts = f"in {SCALE_NAMES[10.0 ** power]}s of {code}" if power else f"in {code}"
    excepted = []
    excepted_kinds: tuple[tuple[Kind, str], ...] = (
        ("shares", "shares"), ("per_share", "per-share amounts"), ("percent", "percentages"))
    for kind, name in excepted_kinds:
        scales = {p for p, _ in seen[kind]}
        if not scales:
            continue
        power = max(scales) if kind == "shares" else 0
        excepted.append(f"{name} in {SCALE_NAMES[10.0 ** power]}s" if power in (3, 6, 9) else name)
    tail = f", except {' and '.join(excepted)}" if excepted else ""
    return f"(Inline XBRL: {amounts}{tail})"
