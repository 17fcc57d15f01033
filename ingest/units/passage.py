"""What a passage (a chunk's text) states about the scale and unit of each number in it.

`PassageUnits(text).at(start, end)` says what a passage states about the number written at
text[start:end]: its kind of unit, currency, and the scale it is written in (None where the
passage states none: the number check then keeps its lenient reading and says so). It reads the
passage's units lines (lines.py), a table row's column header, row label and group label, and
the scale a table's head writes (labels.py).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.dates import MONTH_PATTERN
from ingest.loaders import tables
from ingest.units.labels import label_scale, wholly_scale
from ingest.units.lines import Units, statements
from ingest.units.vocabulary import CURRENCIES, UNSCALED_KINDS, Kind, currency_of, kind_of

_MONTH_BEFORE = re.compile(rf"\b(?:{MONTH_PATTERN})\.?\s+$", re.I)  # "July 1": a day
_YEAR = re.compile(r"^(?:19|20)\d\d$")


@dataclass(frozen=True)
class Reading:
    """What a passage states about one number written in it."""

    kinds: frozenset[Kind] = frozenset()  # empty: its unit is not stated
    currency: str | None = None
    scale: float | None = None  # the scale it is written in; None: not stated


LITERAL = Reading(scale=1.0)  # a date, a year, a label's or a header's number: as written


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
            scaled = [c for i, c in enumerate(cells) if wholly_scale(c) or (
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

