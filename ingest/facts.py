"""Facts: each figure of a financial table as a typed record, read at ingest.

The loaders lay a table out as cells before they render it to text (ingest/loaders/tables.py,
pdf_tables.py) and keep each figure cell's place in the text, its row label, the label-only row
over its group ('Net sales:') and its column header (`Block.figures`). Here each becomes a
`Fact`: the statement its table's caption names (`statement_for`), the vocabulary's line item
for its row label (`line_item_for`), the period its column header states, resolved to dates and
a fiscal label by the document's own fiscal period, its value as a Decimal (parentheses and a
leading minus are negative; a dash is nil), the unit and scale the units reader states for it
(ingest/units/), its page and the chunk that holds it. A figure tagged in inline XBRL takes its
concept, period, unit, scale and sign from the tag; its row label is kept beside. Markdown tables
in notes are read from their pipe rows.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ingest.dates import MONTH_PATTERN, MONTHS, parse_iso_day
from ingest.documents import Block, Chunk, Document, TableFigure
from ingest.finance import line_item_for, statement_for
from ingest.finance.lookup import label_key
from ingest.loaders import tables
from ingest.units import PassageUnits, Reading

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?|\.\d+")
_CURRENCY = r"(?:(?:US|C|A|HK)?[$€£¥])?"
# '(1,234)', '$(1,234)', '($1,234)', '-7', '(3)%': an opening parenthesis or a minus before the number
_NEGATIVE = re.compile(rf"^\s*{_CURRENCY}\s*[(\-–—]\s*{_CURRENCY}\s*[\d.]")
_FOOTNOTE = re.compile(r"\s*(?:\(\d\)|\*+)\s*$")
_MONTHS = re.compile(  # 'Three Months Ended', 'Thirteen Weeks Ended', '52 weeks ended'
    r"\b(three|six|nine|twelve|3|6|9|12|thirteen|thirty-nine|52|53)[- ](?:months?|weeks?)\b", re.I)
_YEAR_ENDED = re.compile(r"\b(?:fiscal\s+)?years?\s+(?:ended|ending)\b", re.I)
_YEAR = re.compile(r"(?<![\d,.])(?:FY\s?)?((?:19|20)\d\d)(?![\d,])")
_FISCAL_LABEL = re.compile(r"(?:Q([1-4])\s+)?FY(\d{4})")
_MONTH_WORDS = {"three": 3, "six": 6, "nine": 9, "twelve": 12, "3": 3, "6": 6, "9": 9, "12": 12,
                "thirteen": 3, "thirty-nine": 9, "52": 12, "53": 12}
_INSTANT_STATEMENTS = {"balance_sheet"}
_HEADER_DATE = re.compile(rf"\b({MONTH_PATTERN})\.?\s+(\d{{1,2}}),?\s+((?:19|20)\d\d)\b", re.I)
_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class Fact:
    """One figure of a financial table."""

    doc_id: str
    chunk_id: str | None
    page: int | None
    company: str | None
    statement: str | None  # vocabulary statement id: 'income_statement', 'balance_sheet' ...
    line_item: str  # the row label as written
    parents: tuple[str, ...]  # the group rows above it ('Net sales:')
    line_item_id: str | None  # vocabulary line item id, where the label is a known one
    header: str  # the column header as written
    period_start: str | None  # ISO date; None for an instant or an unknown duration
    period_end: str | None  # ISO date
    fiscal_period: str | None  # 'Q2 FY2023', '6M FY2023', 'FY2022'
    value: Decimal  # as written, signed: "(1,234)" in a table "in millions" is -1234
    text: str  # the figure as written
    unit: str | None  # a units.Kind: 'currency', 'per_share', 'percent', 'shares' ...
    currency: str | None
    scale: int | None  # 1_000_000 for a table "in millions"; None where nothing states it
    concept: str | None = None  # the inline-XBRL concept, e.g. 'us-gaap:Revenues'

    @property
    def amount(self) -> Decimal | None:
        """The value in units (dollars, shares), or None where the scale is not stated."""
        return None if self.scale is None else self.value * self.scale


@dataclass(frozen=True)
class _FiscalYear:
    """The document's fiscal calendar: a fiscal year's last day and the year it is named by, and
    the last day of the period the document reports on."""

    end: dt.date
    year: int
    report_end: dt.date

    def label(self, end: dt.date, months: int | None) -> str | None:
        back = ((self.end - end).days + 10) // 365  # whole fiscal years before the document's
        year = self.year - back
        year_end = self.end - dt.timedelta(days=round(365.25 * back))
        quarter = 4 - round((year_end - end).days / 91.3)
        if not 1 <= quarter <= 4:
            return None
        if months in (None, 12) and quarter == 4:
            return f"FY{year}"
        if months is None or months == 3:
            return f"Q{quarter} FY{year}"
        return f"{months}M FY{year}" if months == quarter * 3 else None


def fiscal_year_of(doc: Document) -> _FiscalYear | None:
    """From the document's fiscal label and period end ('Q2 FY2023' ending 2023-04-01); an
    inline-XBRL document that states no period end ends with its latest tagged table figure."""
    found = _FISCAL_LABEL.fullmatch((doc.meta.period or "").strip())
    end = parse_iso_day(doc.meta.period_end) or max(
        (day for b in doc.blocks for f in b.figures
         if f.xbrl and (day := parse_iso_day(f.xbrl.get("period_end")))), default=None)
    if not found or end is None:
        return None
    quarters_left = 4 - int(found.group(1)) if found.group(1) else 0
    return _FiscalYear(end + dt.timedelta(days=round(91.3 * quarters_left)), int(found.group(2)), end)


def parse_value(text: str) -> Decimal | None:
    """'$(1,234)' -> -1234, '12.5%' -> 12.5, '—' -> 0; None when no number is written."""
    text = _FOOTNOTE.sub("", text)
    found = _NUMBER.search(text)
    if not found:
        return Decimal(0) if text.strip(" -–—$") == "" and text.strip() else None
    try:
        value = Decimal(found.group().replace(",", ""))
    except InvalidOperation:
        return None
    return -value if _NEGATIVE.search(text) else value


@dataclass(frozen=True)
class Period:
    start: str | None
    end: str | None
    fiscal: str | None


def period_of(header: str, head: str, statement: str | None, fiscal: _FiscalYear | None,
              annual: bool) -> Period:
    """A column header ('Three Months Ended April 1, 2023', 'December 31, 2023', '2024') as
    dates and a fiscal label. `head` is the table's whole head (a 'Years ended' title over all
    columns), `annual` whether the document covers a fiscal year."""
    months = _months(header) or _months(head)
    end = _header_date(header)
    if end is None:
        years = _YEAR.findall(header)
        if len(years) != 1:
            return Period(None, None, None)
        year = int(years[0])
        if fiscal is None:  # a bare year over a column is that fiscal year (or its end)
            return Period(None, None, f"FY{year}" if months in (None, 12) else None)
        # the same period as the document's in that year ('2022' over 'Three Months Ended
        # September 30' in a 10-Q for that quarter; '2023' in a 10-K for fiscal 2024)
        report = fiscal.report_end
        if year > report.year:
            return Period(None, None, None)  # a year after the report's: a schedule ('Debt maturing in')
        end = report.replace(year=year, day=min(report.day, 28 if report.month == 2 else 31))
    instant = statement in _INSTANT_STATEMENTS
    if months is None and not instant and annual:
        months = 12
    if instant:
        months = None
    start = None
    if months:
        start = (end - dt.timedelta(days=round(30.44 * months)) + dt.timedelta(days=1)).isoformat()
    label = fiscal.label(end, months) if fiscal else None
    return Period(start, end.isoformat(), label)


def _header_date(text: str) -> dt.date | None:
    """The first 'April 1, 2023' / 'Sep 25, 2021' / 'June 30 2023' of a column header."""
    found = _HEADER_DATE.search(text)
    if not found:
        return None
    try:
        return dt.date(int(found.group(3)), MONTHS[found.group(1).lower()], int(found.group(2)))
    except ValueError:
        return None


def _months(text: str) -> int | None:
    found = {_MONTH_WORDS[m.lower()] for m in _MONTHS.findall(text)}
    if len(found) == 1:
        return found.pop()
    return 12 if not found and _YEAR_ENDED.search(text) else None


def _xbrl_period(tag: dict[str, str], fiscal: _FiscalYear | None) -> Period:
    start, end = parse_iso_day(tag.get("period_start")), parse_iso_day(tag.get("period_end"))
    if end is None:
        return Period(None, None, None)
    months = round((end - start).days / 30.44) if start else None
    label = fiscal.label(end, months) if fiscal else None
    return Period(start.isoformat() if start else None, end.isoformat(), label)


def line_item_id(label: str, parents: Sequence[str]) -> str | None:
    """The vocabulary's line item for a row label; a label that names several ('Basic' under
    'Earnings per share:' or under 'Weighted-average shares used in computation:') is the one
    whose own labels are most alike the group row above it (words in common over words in all)."""
    items = line_item_for(label)
    if len(items) > 1 and parents:
        words = set(label_key(parents[-1]).split())
        overlap = {item.id: max(_jaccard(words, set(label_key(name).split()))
                                for name in (*item.labels, *item.aliases, item.label))
                   for item in items}
        best = max(overlap.values())
        items = [item for item in items if overlap[item.id] == best]
    return items[0].id if len(items) == 1 else None


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


class _Chunks:
    """The chunk that holds a character offset of the document text."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = sorted(chunks, key=lambda c: c.start)
        self.starts = [c.start for c in self.chunks]

    def at(self, offset: int) -> str | None:
        i = bisect.bisect_right(self.starts, offset) - 1
        while i >= 0:
            chunk = self.chunks[i]
            if chunk.start <= offset < chunk.end:
                return chunk.chunk_id
            i -= 1
            if i >= 0 and self.chunks[i].end <= offset:
                break
        return None


def extract_facts(doc: Document, chunks: Sequence[Chunk]) -> list[Fact]:
    """Every figure of the document's financial tables as a Fact."""
    fiscal = fiscal_year_of(doc)
    annual = bool(doc.meta.period and doc.meta.period.startswith("FY"))
    where = _Chunks(chunks)
    out: list[Fact] = []
    for block in doc.blocks:
        if block.figures:
            reader = PassageUnits(doc.text[block.start:block.end])
            read = [(f, _reading(reader, f, f.start - block.start)) for f in block.figures]
        elif doc.kind == "markdown":
            read = _markdown_figures(doc.text, block)
        else:
            continue
        head = doc.text[block.start:block.head_end] if block.head_end else ""
        statement = statement_for(head) if head else None
        if statement is None and block.section:
            statement = statement_for(block.section)
        statement_id = statement.id if statement else None
        for figure, reading in read:
            fact = _fact(doc, block, figure, reading, statement_id, head, fiscal, annual, where)
            if fact is not None:
                out.append(fact)
    return out


def _reading(reader: PassageUnits, figure: TableFigure, start: int) -> Reading:
    """What the units reader says of a figure whose text starts at `start` of its text."""
    number = _NUMBER.search(figure.text)
    if number is None:
        return reader.at(start, start + len(figure.text))
    return reader.at(start + number.start(), start + number.end())


def _fact(doc: Document, block: Block, figure: TableFigure, reading: Reading,
          statement: str | None, head: str, fiscal: _FiscalYear | None, annual: bool,
          where: _Chunks) -> Fact | None:
    value = parse_value(figure.text)
    if value is None:
        return None
    tag = figure.xbrl
    unit: str | None = next(iter(reading.kinds)) if len(reading.kinds) == 1 else None
    currency, scale = reading.currency, None if reading.scale is None else int(reading.scale)
    concept = None
    if tag and tag.get("period_end"):
        period = _xbrl_period(tag, fiscal)
        concept = tag.get("name")
        value = abs(value) * (-1 if tag.get("sign") == "-" else 1)
        if tag.get("unit_kind"):
            unit, currency = tag["unit_kind"], tag.get("currency") or None
        power = tag.get("scale", "0").strip()
        if re.fullmatch(r"-?\d{1,2}", power) and int(power) >= 0:
            scale = 10 ** int(power)
    else:
        period = period_of(figure.header, head, statement, fiscal, annual)
    return Fact(
        doc_id=doc.doc_id, chunk_id=where.at(figure.start), page=block.page,
        company=doc.meta.company, statement=statement, line_item=figure.label,
        parents=tuple(figure.parents), line_item_id=line_item_id(figure.label, figure.parents),
        header=figure.header, period_start=period.start, period_end=period.end,
        fiscal_period=period.fiscal, value=value, text=figure.text, unit=unit, currency=currency,
        scale=scale, concept=concept,
    )


def _markdown_figures(text: str, block: Block) -> list[tuple[TableFigure, Reading]]:
    """The figure cells of the pipe tables in a Markdown block, placed in the text, each with
    what the units reader says of it: read from the table rendered as the loaders render
    theirs, under the text above it (its units line)."""
    out: list[tuple[TableFigure, Reading]] = []
    rows: list[list[tables.Cell]] = []
    starts: dict[tuple[int, int], int] = {}  # (row, col) -> offset of the cell text
    pos = table_start = block.start
    for line in [*text[block.start:block.end].splitlines(keepends=True), ""]:
        stripped = line.strip()
        if stripped and _MD_SEPARATOR.match(stripped):
            pass  # |---|---:| under the header row
        elif stripped.startswith("|"):
            if not rows:
                table_start = pos
            row: list[tables.Cell] = []
            offset = pos + line.index("|") + 1
            for col, raw in enumerate(stripped.strip("|").split("|")):
                cell = raw.strip()
                if cell:
                    starts[(len(rows), col)] = offset + raw.index(cell)
                    row.append(tables.Cell(cell, col))
                offset += len(raw) + 1
            if row:
                rows.append(row)
        else:
            out += _placed(rows, starts, text[block.start:table_start])
            rows, starts = [], {}
        pos += len(line)
    return out


def _placed(rows: list[list[tables.Cell]], starts: dict[tuple[int, int], int],
            before: str) -> list[tuple[TableFigure, Reading]]:
    if len(rows) < 2:
        return []
    rendered = tables.render(rows)
    n_head = len(rendered.head)
    rendered_text, _, placed = rendered.joined([])
    reader = PassageUnits(f"{before}{rendered_text}")
    out = []
    for figure, in_rendered in zip(rendered.figures, placed, strict=True):
        start = starts.get((figure.row + n_head, figure.col))
        if start is not None:
            out.append((in_rendered.model_copy(update={"start": start}),
                        _reading(reader, in_rendered, len(before) + in_rendered.start)))
    return out
