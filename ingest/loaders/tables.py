"""HTML tables (SEC style) as text in which every number keeps its row label and column header.

    Total net sales | 2024: 391,035 | 2023: 383,285

SEC tables spread one figure over several cells ("$" | "391,035" | ")"), pad with empty spacer
cells, and stack header rows whose cells span several columns ("Three Months Ended" over two
dates). The table is laid out on a grid (colspan / rowspan expanded), prefix and suffix cells are
glued to their number, the leading rows without figures are the header rows, and each figure is
labelled with the text of the header cells above its column.

A table without figures (a cover-page layout, a list of names) keeps plain " | " rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from ingest.documents import TableFigure

_HIDDEN = re.compile(r"display\s*:\s*none", re.I)
_PREFIX = {"$", "€", "£", "¥", "(", "($", "$(", "US$", "C$", "A$"}
_BULLETS = {"•", "●", "◦", "▪"}  # a dash cell is a nil figure, not a bullet
_SUFFIX = {")", "%", ")%", "%)", "pts", "bps", "x", "bp"}
_NUMBER = re.compile(
    r"^\(?[-–—]?\s*(?:US|C|A)?[$€£¥]?\s*\(?\s*\d[\d,]*(?:\.\d+)?\s*\)?\s*(?:%|pts|bps|x)?\)?\s*(?:\(\d\)|\*+)?$"
)
_DASH = re.compile(r"^[-–—]+$")
# a year heading a column: "2019", "FY2019", "2019 (1)" (a footnote), "2 0 1 9" (letter-spaced)
_YEAR = re.compile(r"^(?:FY\s?)?(?:(?:19|20)\d\d[A-Z]?|[12] [09] \d \d)(?:\s*\(\d\)|\*+)?$")
_CONTENTS_ENTRY = re.compile(r"^(?:item|part|note|section)\s+[\dIVX]", re.I)
_MAX_SPAN = 60
_MAX_HEADER_ROWS = 5

CellText = Callable[[HtmlElement], str]


@dataclass
class Cell:
    text: str
    col: int
    span: int = 1
    xbrl: dict[str, str] | None = None  # the inline-XBRL fact the cell holds: its attributes

    def covers(self, col: int) -> bool:
        return self.col <= col < self.col + self.span


@dataclass(frozen=True)
class _Figure:
    """A figure cell of a rendered body row: rows[row][start:start + len(text)] is its text."""

    row: int
    col: int
    start: int
    text: str
    label: str
    parents: tuple[str, ...]
    header: str
    xbrl: dict[str, str] | None


@dataclass
class RenderedTable:
    head: list[str] = field(default_factory=list)  # header rows, as " | " lines
    rows: list[str] = field(default_factory=list)  # body rows, figures labelled
    has_figures: bool = False
    figures: list[_Figure] = field(default_factory=list)

    def joined(self, captions: list[str]) -> tuple[str, int, list[TableFigure]]:
        """The table's text (captions, header rows, body rows, one a line), the length of its
        head, and its figures placed in that text."""
        head = "\n".join(captions + self.head)
        text = "\n".join([head, *self.rows]) if head else "\n".join(self.rows)
        row_starts: list[int] = []
        pos = len(head) + 1 if head else 0
        for row in self.rows:
            row_starts.append(pos)
            pos += len(row) + 1
        placed = [TableFigure(start=row_starts[f.row] + f.start, text=f.text, label=f.label,
                              parents=list(f.parents), header=f.header, xbrl=f.xbrl)
                  for f in self.figures]
        return text, len(head), placed


def is_figure(text: str) -> bool:
    """'391,035', '$(1,234)', '12.5%', '—' (a nil figure): a value, not a label or a year."""
    return bool(_NUMBER.match(text) or _DASH.match(text)) and not _YEAR.match(text)


def _has_digits(text: str) -> bool:
    """A figure with digits: dashes alone (nil) do not make a table a table of figures."""
    return is_figure(text) and any(ch.isdigit() for ch in text)


def grid_rows(table: HtmlElement, cell_text: CellText) -> list[list[Cell]]:
    """Each row of this table (not of nested ones) as its non-empty cells at grid positions,
    with '$' / ')' / '%' cells glued to their figure."""
    rows: list[list[Cell]] = []
    carried: dict[int, tuple[int, Cell]] = {}  # col -> (rows left, cell) for rowspans
    for tr in table.iter("tr"):
        if _owner_table(tr) is not table or _HIDDEN.search(tr.get("style", "")):
            continue
        row: list[Cell] = []
        col = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            while col in carried:
                col = _take_carried(carried, col, row)
            span = _int_attr(td, "colspan")
            cell = Cell(cell_text(td), col, span, _xbrl_fact(td))
            rowspan = _int_attr(td, "rowspan")
            if rowspan > 1:
                carried[col] = (rowspan - 1, cell)
            row.append(cell)
            col += span
        while carried and col <= max(carried):
            col = _take_carried(carried, col, row) if col in carried else col + 1
        merged = _glue([c for c in row if c.text])
        if merged:
            rows.append(merged)
    return rows


def _xbrl_fact(td: HtmlElement) -> dict[str, str] | None:
    """The attributes of the inline-XBRL numeric fact inside a cell, if it holds one."""
    fact = next(td.iter("ix:nonfraction"), None)
    return None if fact is None else {k: str(v) for k, v in fact.attrib.items()}


def _take_carried(carried: dict[int, tuple[int, Cell]], col: int, row: list[Cell]) -> int:
    left, cell = carried[col]
    row.append(cell)
    if left <= 1:
        del carried[col]
    else:
        carried[col] = (left - 1, cell)
    return col + cell.span


def _int_attr(td: HtmlElement, name: str) -> int:
    value = (td.get(name) or "1").strip()
    return max(1, min(_MAX_SPAN, int(value))) if value.isdigit() else 1


def _glue(cells: list[Cell]) -> list[Cell]:
    """'$' joins the cell after it; ')' and '%' join the cell before it."""
    out: list[Cell] = []
    carry: Cell | None = None
    for cell in cells:
        text = cell.text
        if text in _SUFFIX and out and carry is None:
            out[-1].text += text
            out[-1].xbrl = out[-1].xbrl or cell.xbrl
            out[-1].span = cell.col + cell.span - out[-1].col
        elif text in _PREFIX or text in _BULLETS:
            glue = text + " " if text in _BULLETS else text
            carry = Cell(carry.text + glue, carry.col, carry.span) if carry else Cell(glue, cell.col)
        else:
            if carry is not None:
                cell = Cell(carry.text + text, cell.col, cell.span, cell.xbrl)
                carry = None
            out.append(Cell(cell.text, cell.col, cell.span, cell.xbrl))
    if carry is not None and carry.text.strip():
        out.append(Cell(carry.text.strip(), carry.col, carry.span))
    return out


def _owner_table(el: HtmlElement) -> HtmlElement | None:
    parent = el.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def plain(row: list[Cell]) -> str:
    return " | ".join(c.text for c in row)


def render(rows: list[list[Cell]]) -> RenderedTable:
    """Header rows kept as plain lines; each body figure prefixed by its column's header."""
    n_head = _header_count(rows)
    head, body = rows[:n_head], rows[n_head:]
    figure_cols = {c.col for row in body for c in row if _has_digits(c.text)}
    figure_rows = sum(1 for row in body if any(_has_digits(c.text) for c in row))
    contents = sum(1 for row in body if _CONTENTS_ENTRY.match(row[0].text))
    numbered = sum(1 for row in body if is_figure(row[0].text))  # exhibit or page numbers
    if (figure_rows < 2 or (len(figure_cols) < 2 and not head) or contents * 2 >= len(body)
            or numbered * 2 > len(body)):
        return RenderedTable(rows=[plain(r) for r in rows])  # layout, list, table of contents
    value_cols = {c.col for row in body for c in row[1:]}
    out = RenderedTable(head=[plain(r) for r in head], has_figures=True)
    headers: dict[int, str] = {}
    group: tuple[str, ...] = ()  # the label-only row over a group of rows ('Net sales:')
    if head and len(head[-1]) == 1 and head[-1][0].col == 0 and head[-1][0].text.endswith(":"):
        group = (head[-1][0].text,)  # a full-width 'Net sales:' read as the last header row
    for row in body:
        label_first = not is_figure(row[0].text)
        label = row[0].text if label_first else ""
        parts = [label] if label_first else []
        pos = len(label) + 3 if label_first else 0
        if label_first and len(row) == 1:
            group = (label,)
        for cell in row[1:] if label_first else row:
            if cell.col not in headers:
                headers[cell.col] = _column_header(head, cell, value_cols)
            name = headers[cell.col]
            part = f"{name}: {cell.text}" if name and name != cell.text else cell.text
            if _has_digits(cell.text) or _DASH.match(cell.text):
                start = pos + len(part) - len(cell.text)
                out.figures.append(_Figure(len(out.rows), cell.col, start, cell.text, label, group,
                                           name, cell.xbrl))
            parts.append(part)
            pos += len(part) + 3
        out.rows.append(" | ".join(parts))
        if label.lower().startswith("total"):
            group = ()  # 'Total net sales' closes the 'Net sales:' group
    return out


def _header_count(rows: list[list[Cell]]) -> int:
    """Leading rows without figures that have text over the value columns (a lone label such
    as 'Net sales:' starts the body). At most _MAX_HEADER_ROWS, and never the whole table."""
    n = 0
    width = max(c.col + c.span for row in rows for c in row)
    for row in rows[: min(_MAX_HEADER_ROWS, len(rows) - 1)]:
        if any(is_figure(c.text) for c in row):
            break
        if len(row) == 1 and row[0].col == 0 and row[0].span * 2 < width:
            break  # a lone label such as 'Net sales:' starts the body
        n += 1
    return n


def _column_header(head: list[list[Cell]], cell: Cell, value_cols: set[int]) -> str:
    """Texts of the header cells above `cell`'s columns, top to bottom; a header cell that spans
    every value column (a title such as 'Years ended') stays in the head line only. A header
    row with nothing right above the cell lends its nearest cell (misaligned '$' columns)."""
    parts: list[str] = []
    lo, hi = min(value_cols, default=0), max(value_cols, default=0)

    def spans_all(h: Cell) -> bool:
        return len(value_cols) > 1 and h.col <= lo and h.col + h.span > hi

    for row in head:
        cells = [h for h in row if not spans_all(h) and (h.col > 0 or h.span > 1)]
        over = [h for h in cells if _overlaps(h, cell)]
        if not over:
            near = [h for h in cells if abs(h.col - cell.col) <= 2 and h.col + h.span > lo]
            over = near[:1]
        parts.extend(h.text for h in over if h.text not in parts)  # rowspans repeat a cell
    return " ".join(parts)


def _overlaps(h: Cell, cell: Cell) -> bool:
    return h.col < cell.col + cell.span and cell.col < h.col + h.span


