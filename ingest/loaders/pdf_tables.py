"""Tables of figures on a PDF page, rendered like the HTML ones (see `tables`):

    Total net sales | Three Months Ended April 1, 2023: 94,836 | ... March 26, 2022: 97,278

PDFium's plain text gives a statement row as 'Total net sales 94,836 97,278 211,990 221,223':
the figures lose their column headers. Here the page's words are placed by their character
boxes: a *figure row* is a text line whose words after its label fall into separate runs
(columns) that are all figures ('$ 1,234', '(329)', '—'). A run of figure rows (allowing a few
label-only lines such as 'Net sales:' between them) is a table; its columns are the x-ranges
where the figures overlap from row to row. The lines just above whose words all sit over those
columns are its header rows (regrouped by position: PDFium gives a two-line 'April 1, / 2023'
column by column), and the short lines above those (title, units, '(Unaudited)') its caption.
Header cells span the columns they overlap ('Three Months Ended' over two dates), and
`tables.render` labels each figure with the headers above its column.

The text before and after a table is PDFium's own text, unchanged. A page with fewer than two
lines ending in two numbers is never measured, so text pages cost nothing extra.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pypdfium2 as pdfium

from ingest.documents import TableFigure

from . import tables
from .pdf_lines import Line, Word, page_lines, segments
from .tables import Cell

# A line ending in two numbers: the cheap test for "this page may hold a table".
_NUMBERS_AT_END = re.compile(r"[\d)%—–-]\s+\$?\s*\(?[\d,.]*\d\)?%?\s*$", re.M)
_SECTION_HEADING = re.compile(r"^(?:part\s+[ivx]+\b|item\s+\d)", re.I)
_UNITS = re.compile(r"\b(?:in|amounts in)\s+(?:thousands|millions|billions)\b", re.I)
_MAX_LABEL_LINES = 3  # label-only lines ('Net sales:') allowed between two figure rows
_MAX_HEAD_LINES = 40  # PDFium lines above a table read as its header (one per column cell)
_MAX_HEAD_ROWS = 4  # header rows by position
_MAX_CAPTIONS = 3
_CAPTION_MAX = 200
_CAPTION_ONLY = re.compile(  # '(In millions)', '(Unaudited)' set over the columns
    r"^\(?(?:unaudited|(?:dollars |amounts )?in (?:thousands|millions|billions)\b[^)]*)\)?"
    r"(?:\s*\(unaudited\))?$", re.I)
_FLUSH = 3.0  # points: a header edge this close to its column's edge is aligned with it


@dataclass
class Piece:
    """A part of a page's text: plain text, or a table whose first head_len characters are its
    caption and header rows."""

    text: str
    table: bool = False
    head_len: int = 0
    figures: list[TableFigure] = field(default_factory=list)  # of a table, placed in text


def split_page(textpage: pdfium.PdfTextPage, text: str) -> list[Piece]:
    """The page text as pieces: the text around tables as PDFium gives it, each table of
    figures rendered row by row. `text` is `textpage.get_text_range()`."""
    if len(_NUMBERS_AT_END.findall(text)) < 2 or len(text) != textpage.count_chars():
        return [Piece(text)]
    lines = page_lines(textpage, text)
    pieces: list[Piece] = []
    done = 0  # char offset of the text not yet emitted
    floor = 0  # index of the first line not yet part of a table
    i = 0
    while i < len(lines):
        found = _table_at(lines, i, floor)
        if found is None:
            i += 1
            continue
        head_from, last, rendered = found
        i = last + 1  # a run of rows that is no table of figures is not read again row by row
        if rendered is None:
            continue
        start = lines[head_from].start
        if start > done:
            pieces.append(Piece(text[done:start]))
        pieces.append(rendered)
        done = lines[last].end
        floor = last + 1
    if done < len(text):
        pieces.append(Piece(text[done:]))
    return pieces


def _table_at(lines: list[Line], i: int, floor: int) -> tuple[int, int, Piece | None] | None:
    """The run of figure rows starting at lines[i] as (its first caption or header line, its
    last row, the rendered table or None if it is no table of figures); None if lines[i] starts
    no such run. Captions and headers are looked for down to lines[floor]."""
    if not lines[i].is_figure_row:
        return None
    rows = [i]
    j = i + 1
    gap = 0
    while j < len(lines) and gap <= _MAX_LABEL_LINES:
        line = lines[j]
        if _is_sentence(line.words):
            break  # 'See accompanying notes.': the table has ended
        if line.is_figure_row:
            rows.append(j)
            gap = 0
        elif _is_label_line(line, lines[rows[0]]):
            gap += 1
        else:
            break
        j += 1
    if len(rows) < 2:
        return None
    last = rows[-1]
    columns = _columns([f for r in rows for f in lines[r].figures])
    if not columns:
        return i, last, None
    value_left = min(c[0] for c in columns) - 2.0
    body_from = i  # label lines ('Net sales:') above the first figure row belong to the body
    while (body_from > floor and i - body_from < _MAX_LABEL_LINES
           and _is_label_line(lines[body_from - 1], lines[i])):
        body_from -= 1
    head_from, units = _head_start(lines, body_from, floor, value_left)
    caption_from = head_from
    while (caption_from > floor and head_from - caption_from < _MAX_CAPTIONS
           and _is_caption(lines[caption_from - 1])):
        caption_from -= 1
    head_words = [w for k in range(head_from, body_from) if k not in units for w in lines[k].words]
    head_rows = _head_rows(head_words, columns, value_left)
    body = _body_rows(lines[body_from:last + 1], columns)
    rendered = tables.render(head_rows + body)
    if not rendered.has_figures:
        return i, last, None
    caption_lines = [*range(caption_from, head_from), *sorted(units)]
    captions = [" ".join(w.text for w in lines[k].words) for k in caption_lines]
    text, head_len, figures = rendered.joined(captions)
    return caption_from, last, Piece(text, table=True, head_len=head_len, figures=figures)


def _head_start(lines: list[Line], body_from: int, floor: int, value_left: float) -> tuple[int, set[int]]:
    """The first header line above the body at lines[body_from], and the units lines among the
    header lines: '(In millions)' alone on its line between the column headers and the body
    is a caption, and the headers above it are still the table's."""
    head_from = body_from
    units: set[int] = set()
    while head_from > floor and body_from - head_from < _MAX_HEAD_LINES:
        line = lines[head_from - 1]
        if _is_head_line(line, value_left):
            head_from -= 1
        elif (head_from - 1 > floor and _CAPTION_ONLY.search(_text(line))
              and _is_head_line(lines[head_from - 2], value_left)):
            units.add(head_from - 1)
            head_from -= 1
        else:
            break
    return head_from, units


def _text(line: Line) -> str:
    return " ".join(w.text for w in line.words)


def _is_label_line(line: Line, first_row: Line) -> bool:
    """'Net sales:' or the first half of a wrapped label: words only left of the figures."""
    if not line.words or not first_row.figures:
        return False
    if _UNITS.search(" ".join(w.text for w in line.words)):
        return False  # '(In millions)': a caption
    return max(w.right for w in line.words) < first_row.figures[0].left


def _is_head_line(line: Line, value_left: float) -> bool:
    """Header text over the value columns, no figures ('April 1,' / '2023' / 'Six Months'),
    perhaps after a short left part ('(In millions)  Shares  Amount'), not a caption."""
    if not line.words or line.is_figure_row or _is_prose(line.words, value_left):
        return False
    if _CAPTION_ONLY.search(" ".join(w.text for w in line.words)) and line.words[0].left >= value_left:
        return False  # '(In millions)' or '(Unaudited)' set over the columns: a caption
    if line.words[0].left >= value_left:
        return True
    runs = segments(line.words)
    return len(runs) > 1 and runs[0].right < value_left and len(runs[0].text) <= _CAPTION_MAX // 2


def _is_sentence(words: list[Word]) -> bool:
    """Three words or more ending with a full stop: 'See accompanying notes.' (not 'Apple Inc.')."""
    return len(words) >= 3 and words[-1].text.endswith(".") and words[-1].text[-2:-1].islower()


def _is_prose(words: list[Word], value_left: float) -> bool:
    """A line of running text from the label side: 'The following table summarizes ... we
    serve:' (six words or more ending with a colon or a full stop)."""
    return len(words) >= 6 and words[0].left < value_left and words[-1].text.endswith((":", "."))


def _is_caption(line: Line) -> bool:
    text = " ".join(w.text for w in line.words)
    if not text or len(text) > _CAPTION_MAX or _SECTION_HEADING.match(text) or _is_sentence(line.words):
        return False
    return text.endswith(":") or not text.endswith(".") or len(text.split()) <= 8 or bool(_UNITS.search(text))


def _columns(figures: list[Word]) -> list[tuple[float, float]]:
    """x-ranges where figures overlap from row to row, left to right."""
    spans: list[list[float]] = []
    for f in sorted(figures, key=lambda w: w.left):
        if spans and f.left < spans[-1][1] - 0.5:
            spans[-1][1] = max(spans[-1][1], f.right)
        else:
            spans.append([f.left, f.right])
    return [(lo, hi) for lo, hi in spans]


def _column_of(word: Word, columns: list[tuple[float, float]]) -> int:
    best, best_overlap = 0, -1e9
    for k, (lo, hi) in enumerate(columns):
        overlap = min(hi, word.right) - max(lo, word.left)
        if overlap > best_overlap:
            best, best_overlap = k, overlap
    return best


def _body_rows(lines: list[Line], columns: list[tuple[float, float]]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    pending = ""  # the first half of a wrapped label
    for line in lines:
        if not line.is_figure_row:
            text = " ".join(w.text for w in line.words)
            if pending:
                rows.append([Cell(pending, 0)])
            pending = text
            continue
        label = " ".join(w.text for w in line.label)
        if pending and (not label or label[:1].islower()):
            label = f"{pending} {label}".strip()
        elif pending:
            rows.append([Cell(pending, 0)])
        pending = ""
        row = [Cell(label, 0)] if label else []
        for figure in line.figures:
            col = _column_of(figure, columns) + 1
            if row and row[-1].col == col:
                row[-1].text += " " + figure.text
            else:
                row.append(Cell(figure.text, col))
        rows.append(row)
    if pending:
        rows.append([Cell(pending, 0)])
    return rows


def _head_rows(words: list[Word], columns: list[tuple[float, float]], value_left: float) -> list[list[Cell]]:
    """Header words regrouped into visual lines (top to bottom), each run a cell spanning the
    columns it overlaps."""
    visual: list[list[Word]] = []
    for word in sorted(words, key=lambda w: -(w.top + w.bottom)):
        centre = (word.top + word.bottom) / 2
        if visual:
            ref = visual[-1][0]
            if abs((ref.top + ref.bottom) / 2 - centre) < max(ref.height, word.height) / 2:
                visual[-1].append(word)
                continue
        visual.append([word])
    rows: list[list[Cell]] = []
    for group in visual:
        spans: list[tuple[Word, int, int]] = []  # run, first column, last column
        left: list[Cell] = []  # text over the labels ('(In millions)'): in the head line only
        for run in segments(group):
            if run.right < value_left:
                left.append(Cell(run.text, 0))
                continue
            width = run.right - run.left
            cols = [k for k, (lo, hi) in enumerate(columns)  # overlapped by a quarter or more
                    if min(hi, run.right) - max(lo, run.left) > max(2.0, min(hi - lo, width) / 4)]
            if not cols:
                cols = [_column_of(run, columns)]
            spans.append((run, cols[0], cols[-1]))
        rows.append(left + [Cell(run.text, lo + 1, hi - lo + 1) for run, lo, hi in _widen(spans, columns)])
    k = 0
    while k + 1 < len(rows):  # 'April 1,' over '2023', 'Cash' over 'and Cash': one header each
        if _stacked(rows[k], rows[k + 1]):
            rows[k:k + 2] = [_fold(rows[k], rows[k + 1])]
        else:
            k += 1
    while len(rows) > _MAX_HEAD_ROWS:  # a header taller than tables.render reads: fold the top
        rows[:2] = [_fold(rows[0], rows[1])]
    return rows


def _stacked(upper: list[Cell], lower: list[Cell]) -> bool:
    """Every header cell of `upper` sits over a cell of `lower` of the very same columns."""
    spans = {(c.col, c.span) for c in lower if c.col > 0}
    cells = [c for c in upper if c.col > 0]
    return bool(cells) and all((c.col, c.span) in spans for c in cells)


def _fold(upper: list[Cell], lower: list[Cell]) -> list[Cell]:
    """Two header rows as one: a lower cell under an upper cell of the same columns joins it."""
    out = [Cell(c.text, c.col, c.span) for c in upper]
    for cell in lower:
        same = next((c for c in out if c.col == cell.col and c.span == cell.span), None)
        if same is not None:
            same.text += " " + cell.text
        else:
            out.append(Cell(cell.text, cell.col, cell.span))
    return sorted(out, key=lambda c: c.col)


Span = tuple[Word, int, int]  # a header run, its first and last column


def _widen(spans: list[Span], columns: list[tuple[float, float]]) -> list[Span]:
    """Two or more headers all flush with their columns' right edges ('Three Months Ended' and
    'Six Months Ended', each set right over two columns) span leftwards over the columns no
    header covers; all flush left, rightwards. Anything else is left as found."""
    if len(spans) < 2:
        return spans
    right = all(abs(run.right - columns[hi][1]) < _FLUSH for run, _, hi in spans)
    left = all(abs(run.left - columns[lo][0]) < _FLUSH for run, lo, _ in spans)
    if not (right or left):
        return spans
    left = not right  # both: figures are set right, so are the headers spanning them
    taken = {k for _, lo, hi in spans for k in range(lo, hi + 1)}
    out: list[tuple[Word, int, int]] = []
    for run, lo, hi in spans:
        while right and lo > 0 and lo - 1 not in taken:
            lo -= 1
            taken.add(lo)
        while left and hi + 1 < len(columns) and hi + 1 not in taken:
            hi += 1
            taken.add(hi)
        out.append((run, lo, hi))
    return out
