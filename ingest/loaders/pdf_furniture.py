"""Page furniture of a PDF: running headers, footers and page numbers, found as lines that repeat.

A line is furniture when it sits in the top or bottom band of its page and the same line, its
digits aside ("Apple Inc. | Q3 2023 Form 10-Q | 4" and "... | 5" read alike), sits in the same
band on a good share of the document's pages. No list of companies or phrases: repetition and
position decide.

The printed page number comes from the same lines: of a repeated footer's numbers, the one that
rises with the PDF page (printed = PDF page + a fixed offset, page after page) is the page
number. Once that offset is known, a band line ending in that page's number is a footer too, though its
words change from page to page ("Financial Statements  Notes to Financial Statements  11").
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest import units  # a module: ingest.units imports the loaders

BAND = 0.06  # a running header or footer sits this share of the page's height from the text's edge
MIN_SHARE = 0.3  # furniture repeats on at least this share of the pages...
MIN_PAGES = 3  # ...and on at least this many
_MAX_LEN = 160  # a running line is short; a body line in the band is not furniture
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_LINE = re.compile(r"[^\r\n]+")
EDGE_LINES = 4  # lines read at each end of a page's text
_LAST_NUMBER = re.compile(r"(?:^|\s)(\d+)\s*$")
# A line that is a page's number: "4", "Page 4", "4 of 20", "- 4 -", "iv".
_PAGE_NUMBER = re.compile(
    r"[-–—\s]*(?:page\s+)?(?:\d{1,4}(?:\s+of\s+\d{1,4})?|(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
    r"[-–—\s]*", re.I)
# A running footer: short parts between bars or bullets, the last one its page number.
_RUNNING_LINE = re.compile(r"(?:[^|•·\n]{1,60}[|•·]\s*){2,}\d{1,4}")


@dataclass(frozen=True)
class BandLine:
    """A line of a page's text whose first word sits in the page's top or bottom band."""

    text: str
    top: bool


@dataclass
class Furniture:
    """Per page (0-based): the lines to drop, and the printed page number the footer gives, if
    any."""

    lines: list[list[BandLine]] = field(default_factory=list)
    printed: list[str | None] = field(default_factory=list)

    @property
    def pages_with_furniture(self) -> int:
        return sum(1 for lines in self.lines if lines)


def furniture_key(line: str) -> str:
    """A line as repetition sees it: digits as '#', spaces squashed, case folded."""
    return _DIGITS.sub("#", _SPACE.sub(" ", line).strip()).casefold()


def is_furniture_line(text: str) -> bool:
    """A line that is only page furniture, told without its document: a page number, or a
    running footer of short parts between bars ending in one ("Apple Inc. | Q3 2023 Form 10-Q |
    4"). For text ingested before furniture was removed, or too short to show repetition."""
    line = _SPACE.sub(" ", text).strip()
    return bool(_PAGE_NUMBER.fullmatch(line) or _RUNNING_LINE.fullmatch(line))


def band_lines(textpage: pdfium.PdfTextPage, text: str, height: float) -> list[BandLine]:
    """Of the first and last EDGE_LINES lines of `text` (the page's `get_text_range()`, where
    PDFium puts headers first and footers last), those near the top or the bottom of the group:
    within BAND of the page's height of the highest or lowest of them (a filing printed to PDF
    may sit small in the middle of its sheet). One character box per line: cheap on every page."""
    lines = [m for m in _LINE.finditer(text) if m.group().strip()]
    edges = lines if len(lines) <= 2 * EDGE_LINES else lines[:EDGE_LINES] + lines[-EDGE_LINES:]
    placed: list[tuple[float, str]] = []
    box = [ctypes.c_double() for _ in range(4)]  # left, right, bottom, top
    for line in edges:
        first = line.start() + len(line.group()) - len(line.group().lstrip())
        if pdfium_c.FPDFText_GetCharBox(textpage.raw, first, *map(ctypes.byref, box)):
            placed.append(((box[2].value + box[3].value) / 2, _SPACE.sub(" ", line.group()).strip()))
    if not placed:
        return []
    highest = max(y for y, _ in placed)
    lowest = min(y for y, _ in placed)
    out: list[BandLine] = []
    for y, clean in placed:
        if len(clean) > _MAX_LEN or units.states_units(clean):
            continue  # a body line, or the units line of a table ("(In millions)") the figures need
        if y >= highest - BAND * height:
            out.append(BandLine(clean, top=True))
        elif y <= lowest + BAND * height:
            out.append(BandLine(clean, top=False))
    return out


def find_furniture(pages: Sequence[Sequence[BandLine]]) -> Furniture:
    """The furniture of each page, from every page's band lines."""
    n = len(pages)
    counts: Counter[tuple[str, bool]] = Counter()
    for lines in pages:
        counts.update({(furniture_key(b.text), b.top) for b in lines})
    needed = max(MIN_PAGES, MIN_SHARE * n)
    repeated = {key for key, count in counts.items() if count >= needed}
    offsets = _page_number_offsets(pages, repeated)
    furniture = Furniture()
    for index, lines in enumerate(pages):
        dropped: list[BandLine] = []
        printed: str | None = None
        for b in lines:
            key = furniture_key(b.text)
            number = _LAST_NUMBER.search(b.text)
            numbered = (number is not None and not b.top
                        and int(number.group(1)) - (index + 1) in offsets)
            if (key, b.top) in repeated or numbered:
                dropped.append(b)
            if numbered and number is not None:
                printed = number.group(1)
        furniture.lines.append(dropped)
        furniture.printed.append(printed)
    return furniture


def _page_number_offsets(pages: Sequence[Sequence[BandLine]], repeated: set[tuple[str, bool]]
                         ) -> set[int]:
    """The values of printed - PDF page that the last number of a repeated footer takes on at
    least MIN_PAGES pages (a page left unnumbered shifts the rest: each run has its offset)."""
    offsets: Counter[int] = Counter()
    for index, lines in enumerate(pages):
        offsets.update({int(m.group(1)) - (index + 1)
                        for b in lines if not b.top and (furniture_key(b.text), b.top) in repeated
                        for m in [_LAST_NUMBER.search(b.text)] if m is not None})
    return {offset for offset, count in offsets.items() if count >= MIN_PAGES}


def drop_lines(text: str, lines: list[BandLine]) -> tuple[str, list[BandLine]]:
    """`text` without `lines` (spaces aside): a header's first occurrence, a footer's last; and
    the lines not found in it (left for the page's other pieces)."""
    kept = text.split("\n")
    squashed = [_SPACE.sub(" ", line).strip() for line in kept]
    left: list[BandLine] = []
    for line in lines:
        at = [i for i, s in enumerate(squashed) if s == line.text]
        if not at:
            left.append(line)
            continue
        index = at[0] if line.top else at[-1]
        squashed[index] = "\x00"  # taken: one line of the text per furniture line
    return "\n".join(k for k, s in zip(kept, squashed, strict=True) if s != "\x00"), left
