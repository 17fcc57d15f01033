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

import ctypes
import re
from dataclasses import dataclass
from functools import cached_property

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from . import tables
from .tables import Cell

# A line ending in two numbers: the cheap test for "this page may hold a table".
_NUMBERS_AT_END = re.compile(r"[\d)%—–-]\s+\$?\s*\(?[\d,.]*\d\)?%?\s*$", re.M)
_LINE = re.compile(r"[^\r\n]+")
_TOKEN = re.compile(r"\S+")
_ENDS_IN_VALUE = re.compile(r"[\d)%—–-]\s*$")
_GLUE = tables._PREFIX | tables._SUFFIX  # '$' and ')' words join their figure
_SECTION_HEADING = re.compile(r"^(?:part\s+[ivx]+\b|item\s+\d)", re.I)
_UNITS = re.compile(r"\b(?:in|amounts in)\s+(?:thousands|millions|billions)\b", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff]")  # PDFium's U+FFFE / \x02: a hyphen
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
class Word:
    text: str
    left: float
    bottom: float
    right: float
    top: float

    @property
    def height(self) -> float:
        return self.top - self.bottom


class Line:
    """One PDFium text line: its char range in the page text and, measured only when asked,
    its words by position."""

    def __init__(self, boxes: _Boxes, start: int, end: int) -> None:
        self.boxes, self.start, self.end = boxes, start, end
        # Only a line ending in a figure or a dash can be a figure row.
        self.may_be_row = bool(_ENDS_IN_VALUE.search(boxes.text, start, end))

    @cached_property
    def words(self) -> list[Word]:
        return self.boxes.words(self.start, self.end)

    @cached_property
    def row(self) -> tuple[list[Word], list[Word]]:
        """(label, figures) of a figure row, the figures with '$' / ')' glued on; ([], [])."""
        return _split_row(self.words) if self.may_be_row else ([], [])

    @property
    def label(self) -> list[Word]:
        return self.row[0]

    @property
    def figures(self) -> list[Word]:
        return self.row[1]

    @property
    def is_figure_row(self) -> bool:
        return bool(self.figures)


@dataclass
class Piece:
    """A part of a page's text: plain text, or a table whose first head_len characters are its
    caption and header rows."""

    text: str
    table: bool = False
    head_len: int = 0


def split_page(textpage: pdfium.PdfTextPage, text: str) -> list[Piece]:
    """The page text as pieces: the text around tables as PDFium gives it, each table of
    figures rendered row by row. `text` is `textpage.get_text_range()`."""
    if len(_NUMBERS_AT_END.findall(text)) < 2 or len(text) != textpage.count_chars():
        return [Piece(text)]
    lines = _lines(textpage, text)
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


class _Boxes:
    """Word boxes of a page, from the boxes of each word's first and last characters (one box
    per character would double the cost for nothing: a word does not change line half-way)."""

    def __init__(self, textpage: pdfium.PdfTextPage, text: str) -> None:
        self.raw, self.text = textpage.raw, text
        self.first = [ctypes.c_double() for _ in range(4)]  # left, right, bottom, top
        self.last = [ctypes.c_double() for _ in range(4)]
        self.first_refs = [ctypes.byref(d) for d in self.first]
        self.last_refs = [ctypes.byref(d) for d in self.last]

    def words(self, start: int, end: int) -> list[Word]:
        get_box, raw = pdfium_c.FPDFText_GetCharBox, self.raw
        left, _, bottom, top = self.first
        _, right, bottom2, top2 = self.last
        first_refs, last_refs = self.first_refs, self.last_refs
        words: list[Word] = []
        for token in _TOKEN.finditer(self.text, start, end):
            if not (get_box(raw, token.start(), *first_refs) and get_box(raw, token.end() - 1, *last_refs)):
                continue
            clean = token.group()
            if not clean.isprintable():  # PDFium's U+FFFE / \x02 hyphen, controls
                clean = _CONTROL.sub(lambda m: "-" if m.group() in "\x02\ufffe" else "", clean)
            x0, x1 = left.value, right.value
            if clean and x1 >= x0:
                b0, b1, t0, t1 = bottom.value, bottom2.value, top.value, top2.value
                words.append(Word(clean, x0, b0 if b0 < b1 else b1, x1, t0 if t0 > t1 else t1))
        return words


def _lines(textpage: pdfium.PdfTextPage, text: str) -> list[Line]:
    boxes = _Boxes(textpage, text)
    return [Line(boxes, m.start(), m.end()) for m in _LINE.finditer(text)]


def _segments(words: list[Word]) -> list[Word]:
    """Words of one visual line joined into runs separated by column gutters: a gap wider than
    the font is high, or than half of it after a figure or a '$' (figure columns sit closer;
    a figure inside a label, '... authorized; 15,723,406', follows a mere word space)."""
    out: list[Word] = []
    last = ""  # the text of the last word added to out[-1]
    for word in sorted(words, key=lambda w: w.left):
        prev = out[-1] if out else None
        if prev is not None:
            height = max(word.height, prev.height, 4.0)
            gutter = height / 2 if _numeric(last) else height
            if word.left - prev.right < gutter:
                prev.text += " " + word.text
                prev.right = max(prev.right, word.right)
                prev.bottom, prev.top = min(prev.bottom, word.bottom), max(prev.top, word.top)
                last = word.text
                continue
        out.append(Word(word.text, word.left, word.bottom, word.right, word.top))
        last = word.text
    return out


def _is_value(text: str) -> bool:
    """A figure; not the end of a wrapped label such as '... as of December 25, 2021)'."""
    return tables.is_figure(text) and text.count(")") <= text.count("(")


def _numeric(text: str) -> bool:
    return text in _GLUE or tables.is_figure(text)


def _split_row(words: list[Word]) -> tuple[list[Word], list[Word]]:
    """A figure row's label (one run, possibly empty) and its trailing figures ('$' and ')'
    glued on); ([], []) if the line does not end in figures."""
    glued: list[Word] = []
    prefix: Word | None = None
    for run in _segments(words):
        if run.text in tables._PREFIX:
            if prefix is not None:
                glued.append(prefix)
            prefix = run
            continue
        if run.text in tables._SUFFIX and glued and tables.is_figure(glued[-1].text):
            glued[-1].text += run.text
            glued[-1].right = run.right
            continue
        if prefix is not None:
            run = Word(prefix.text + run.text.lstrip(), prefix.left, run.bottom, run.right, run.top)
            prefix = None
        glued.append(run)
    if prefix is not None:
        glued.append(prefix)
    n_label = len(glued)
    while n_label > 0 and _is_value(glued[n_label - 1].text):
        n_label -= 1
    figures = glued[n_label:]
    if not figures or (n_label == 0 and not any(ch.isdigit() for f in figures for ch in f.text)):
        return [], []  # 'Preferred stock  —  —' is a row; a line of dashes is not
    if n_label == 0 and len(figures) < 2:
        return [], []  # a lone number: a page number, a footnote
    label = glued[:n_label]
    if len(label) > 1:
        first, end = label[0], label[-1]
        label = [Word(" ".join(w.text for w in label), first.left, min(w.bottom for w in label),
                      end.right, max(w.top for w in label))]
    return label, figures


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
    head_from = body_from
    while (head_from > floor and body_from - head_from < _MAX_HEAD_LINES
           and _is_head_line(lines[head_from - 1], value_left)):
        head_from -= 1
    caption_from = head_from
    while (caption_from > floor and head_from - caption_from < _MAX_CAPTIONS
           and _is_caption(lines[caption_from - 1])):
        caption_from -= 1
    head_words = [w for line in lines[head_from:body_from] for w in line.words]
    head_rows = _head_rows(head_words, columns, value_left)
    body = _body_rows(lines[body_from:last + 1], columns)
    rendered = tables.render(head_rows + body)
    if not rendered.has_figures:
        return i, last, None
    captions = [" ".join(w.text for w in line.words) for line in lines[caption_from:head_from]]
    head = "\n".join(captions + rendered.head)
    text = "\n".join([head, *rendered.rows]) if head else "\n".join(rendered.rows)
    return caption_from, last, Piece(text, table=True, head_len=len(head))


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
    if not line.words or line.is_figure_row:
        return False
    if _CAPTION_ONLY.search(" ".join(w.text for w in line.words)) and line.words[0].left >= value_left:
        return False  # '(In millions)' or '(Unaudited)' set over the columns: a caption
    if line.words[0].left >= value_left:
        return True
    runs = _segments(line.words)
    return len(runs) > 1 and runs[0].right < value_left and len(runs[0].text) <= _CAPTION_MAX // 2


def _is_sentence(words: list[Word]) -> bool:
    """Three words or more ending with a full stop: 'See accompanying notes.' (not 'Apple Inc.')."""
    return len(words) >= 3 and words[-1].text.endswith(".") and words[-1].text[-2:-1].islower()


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
        for run in _segments(group):
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
