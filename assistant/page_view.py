"""A PDF page as an image with a quoted passage boxed on it: the page rendered by pypdfium2 at a
readable width (cached on disk, keyed by the file's content, the page and the width), and the
quote's characters found on the page's text layer, boxed one rectangle per line run, so a quote
that wraps over lines or jumps columns gets a box on each piece.

    view = view_pdf_page(Path("10-Q.pdf"), 12, "Net sales decreased 3%...", cache_dir=cache)
    view.image            # the PNG
    view.boxes            # [QuoteBox(page_rect=(l, b, r, t) in points, pixel_rect=(x0, y0, x1, y1))]
    view.found            # False: the page is shown and `message` says the quote was not located
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from assistant.quote_span import find_cells, find_part, find_span
from ingest.errors import DossierError
from ingest.loaders.pdf import PDFIUM_LOCK

DEFAULT_WIDTH = 1100  # pixels: a US-letter page at 1.8x, small print still readable
MAX_CACHED_PAGES = 2000  # about 400 MB of PNGs at the default width; the oldest go first
SUBPIXEL = 64  # page-to-pixel mapping is asked of pdfium at 64x, for fractional pixels

Rect = tuple[float, float, float, float]


class PageViewError(DossierError, ValueError):
    """A page that cannot be shown: not in the PDF, or the PDF cannot be opened."""


class PageOutOfRangeError(PageViewError):
    """The page asked for is not in the PDF."""


@dataclass(frozen=True)
class QuoteBox:
    """One line run of the quote: `page_rect` in PDF points (left, bottom, right, top, origin at
    the bottom left, as pdfium reports character boxes); `pixel_rect` on the rendered image
    (left, top, right, bottom, origin at the top left); `chars` the page-text offsets it covers."""

    page_rect: Rect
    pixel_rect: Rect
    chars: tuple[int, int]


@dataclass
class PageView:
    source: Path
    page: int  # 1-based
    page_count: int
    width: int  # the image's size in pixels
    height: int
    image_path: Path
    quote: str
    found: bool
    boxes: list[QuoteBox] = field(default_factory=list)
    page_text: str = ""
    partial: bool = False  # only a head or tail of the quote is on the page (a page break)
    by_cell: bool = False  # a quoted table row, boxed cell by cell

    @property
    def image(self) -> bytes:
        return self.image_path.read_bytes()

    @property
    def message(self) -> str:
        if not self.quote.strip():
            return ""
        if self.found and self.by_cell:
            return "The quoted table row is boxed cell by cell."
        if self.found and self.partial:
            return "Part of the quoted passage is boxed; the rest is not on this page."
        if self.found:
            return "The quoted passage is boxed."
        return "The quoted passage could not be located on this page."


def content_hash(path: Path) -> str:
    """The file's SHA-256, remembered while its size and modification time stay the same (a
    10-Q of a few MB takes some 20 ms to hash)."""
    stat = path.stat()
    return _hash_of(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _hash_of(path: str, _size: int, _mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def view_pdf_page(path: Path, page: int, quote: str = "", *, cache_dir: Path,
                  width: int = DEFAULT_WIDTH) -> PageView:
    """Page `page` (1-based) of the PDF at `path`, rendered `width` pixels wide (from the cache
    under `cache_dir` when it was rendered before), with `quote` boxed where it is found."""
    with PDFIUM_LOCK:
        return _view(path, page, quote, cache_dir, width)


def _view(path: Path, page: int, quote: str, cache_dir: Path, width: int) -> PageView:
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise PageViewError(f"{path.name} cannot be opened as a PDF ({exc}); its page cannot "
                            "be shown") from None
    try:
        count = len(pdf)
        if not 1 <= page <= count:
            raise PageOutOfRangeError(f"{path.name} has {count} page(s): there is no page {page}")
        pdf_page = pdf[page - 1]
        try:
            image_path = _rendered(pdf_page, cache_dir / "pages"
                                   / f"{content_hash(path)}-p{page}-w{width}.png", width)
            with Image.open(image_path) as image:
                width, height = image.size
            text, boxes, how = _quote_boxes(pdf_page, quote, width, height)
        finally:
            pdf_page.close()
    finally:
        pdf.close()
    return PageView(path, page, count, width, height, image_path, quote, bool(boxes), boxes, text,
                    partial=how == "part", by_cell=how == "cells")


# ----------------------------------------------------------------------------------------------
# the image


def _scale(pdf_page: pdfium.PdfPage, width: int) -> float:
    return width / pdf_page.get_width()


def _rendered(pdf_page: pdfium.PdfPage, target: Path, width: int) -> Path:
    """The page as a PNG at `target`, rendered unless it is there already; written to a temporary
    name first, so a reader never sees half a file."""
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    bitmap = pdf_page.render(scale=_scale(pdf_page, width), may_draw_forms=True)
    image = bitmap.to_pil()
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".png.part", delete=False) as tmp:
        image.save(tmp, format="PNG")
    os.replace(tmp.name, target)
    _prune(target.parent, keep=target)
    return target


def _prune(folder: Path, keep: Path) -> None:
    """Delete the least recently written pages beyond MAX_CACHED_PAGES (never `keep`)."""
    pages = list(folder.glob("*.png"))
    if len(pages) <= MAX_CACHED_PAGES:
        return
    pages.sort(key=lambda p: p.stat().st_mtime_ns)
    for old in pages[: len(pages) - MAX_CACHED_PAGES]:
        if old != keep:
            old.unlink(missing_ok=True)


# ----------------------------------------------------------------------------------------------
# the quote's boxes


def _quote_boxes(pdf_page: pdfium.PdfPage, quote: str, width: int,
                 height: int) -> tuple[str, list[QuoteBox], str]:
    """The page's text, the quote's boxes on it, and how the quote was found: "whole", "cells"
    (a table row, cell by cell), "part" (its head or tail: a page break) or "" (not found)."""
    textpage = pdf_page.get_textpage()
    try:
        text = _page_text(textpage)
        spans, how = _quote_spans(text, quote)
        to_pixels = _PageToPixels(pdf_page, width, height)
        boxes = [QuoteBox(rect, to_pixels.rect(rect), chars)
                 for span in spans for rect, chars in line_runs(textpage, text, *span)]
        return text, boxes, how
    finally:
        textpage.close()


def _quote_spans(text: str, quote: str) -> tuple[list[tuple[int, int]], str]:
    if not quote.strip():
        return [], ""
    whole = find_span(text, quote)
    if whole is not None:
        return [whole], "whole"
    cells = find_cells(text, quote)
    if cells:
        return cells, "cells"
    part = find_part(text, quote)
    return ([part], "part") if part is not None else ([], "")


def _page_text(textpage: pdfium.PdfTextPage) -> str:
    """The page's text, one character per pdfium character index (the boxes are looked up by
    index, so the two must agree)."""
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count) if count else ""
    if len(text) == count:
        return text
    return "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i) or 0xFFFD) for i in range(count))


def line_runs(textpage: pdfium.PdfTextPage, text: str, start: int,
              end: int) -> list[tuple[Rect, tuple[int, int]]]:
    """The characters `start`..`end` of the page grouped into runs on one line: a run ends where
    the next character sits on another line (its box does not share half its height with the
    run's) or jumps back or far ahead on the same line (another column). Each run: the union of
    its characters' boxes in page points, and its first and last character offsets + 1."""
    runs: list[tuple[Rect, tuple[int, int]]] = []
    box: list[float] | None = None
    first = last = start
    previous_right = 0.0
    for index in range(start, end):
        if text[index].isspace():
            continue
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        if right <= left or top <= bottom:
            continue  # a generated character without a place
        if box is not None and _same_line(box, left, bottom, right, top, previous_right):
            box = [min(box[0], left), min(box[1], bottom), max(box[2], right), max(box[3], top)]
            last = index
        else:
            if box is not None:
                runs.append(((box[0], box[1], box[2], box[3]), (first, last + 1)))
            box, first, last = [left, bottom, right, top], index, index
        previous_right = right
    if box is not None:
        runs.append(((box[0], box[1], box[2], box[3]), (first, last + 1)))
    return runs


def _same_line(box: list[float], left: float, bottom: float, right: float, top: float,
               previous_right: float) -> bool:
    height = min(box[3] - box[1], top - bottom)
    shared = min(box[3], top) - max(box[1], bottom)
    if shared < height / 2:
        return False
    line_height = max(box[3] - box[1], top - bottom)
    return previous_right - line_height <= left <= previous_right + 3 * line_height


class _PageToPixels:
    """Page points to image pixels by pdfium's own mapping (the page's rotation and crop box
    included), asked at SUBPIXEL times the size for fractional pixels."""

    def __init__(self, pdf_page: pdfium.PdfPage, width: int, height: int) -> None:
        self.page = pdf_page
        self.size = (width * SUBPIXEL, height * SUBPIXEL)

    def point(self, x: float, y: float) -> tuple[float, float]:
        device_x, device_y = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDF_PageToDevice(self.page, 0, 0, self.size[0], self.size[1], 0, x, y,
                                   device_x, device_y)
        return device_x.value / SUBPIXEL, device_y.value / SUBPIXEL

    def rect(self, rect: Rect) -> Rect:
        left, bottom, right, top = rect
        xs, ys = zip(self.point(left, bottom), self.point(right, top), strict=True)
        return min(xs), min(ys), max(xs), max(ys)
