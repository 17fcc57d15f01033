"""A PDF page's text lines with their words placed by PDFium's character boxes, and a line read
as a figure row: its label and its figures (see `pdf_tables`)."""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass
from functools import cached_property

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from . import tables

_LINE = re.compile(r"[^\r\n]+")
_TOKEN = re.compile(r"\S+")
_ENDS_IN_VALUE = re.compile(r"[\d)%—–-]\s*$")
_GLUE = tables._PREFIX | tables._SUFFIX  # '$' and ')' words join their figure
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ufffe\uffff]")  # PDFium's U+FFFE / \x02: a hyphen


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


def page_lines(textpage: pdfium.PdfTextPage, text: str) -> list[Line]:
    boxes = _Boxes(textpage, text)
    return [Line(boxes, m.start(), m.end()) for m in _LINE.finditer(text)]


def segments(words: list[Word]) -> list[Word]:
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
    for run in segments(words):
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
