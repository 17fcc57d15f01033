"""PDF with a text layer, via pypdfium2: one block per page, pages 1-based; a table of figures
on a page becomes a table block of its own (see `pdf_tables`). Running headers, footers and page
numbers are left out, and each block carries the page's printed number, from the PDF's page
labels or else its footer (see `pdf_furniture`)."""

from __future__ import annotations

import re
import threading

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.documents import Document, LoadError

from ._common import Segment, base_meta, build, log, stem_title
from ._decoding import squash
from .pdf_cover import apply_cover
from .pdf_furniture import BandLine, band_lines, drop_lines, find_furniture
from .pdf_tables import Piece, split_page

# PDFium is not thread-safe: every call into it in the process (this loader, the cited page view
# in assistant/page_view.py) goes through this lock.
PDFIUM_LOCK = threading.Lock()
# Form feeds, the NUL/soft-hyphen markers PDFium emits, other controls except tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
# Tables of figures become table blocks, each figure labelled with its column header (pdf_tables).
_TABLES = True


def load_pdf(data: bytes, source: str) -> Document:
    if b"%PDF-" not in data[:1024]:  # the header may follow up to 1 KB of junk
        raise LoadError(source, f"cannot be opened as a PDF: {_what_instead(data)}")
    with PDFIUM_LOCK:
        pages, pieces, title, bands, labels = _extract(data, source)
    furniture = find_furniture(bands)
    printed = labels if any(labels) else furniture.printed
    segments: list[Segment] = []
    tables: list[Piece | None] = []  # per non-empty segment: its table piece, if it is one
    for number, (page_pieces, dropped) in enumerate(zip(pieces, furniture.lines, strict=True), 1):
        for piece in page_pieces:
            if dropped and piece.table:  # a running header set above a table became its caption
                piece, dropped = _without_furniture(piece, dropped)
            part = piece.text if piece.table else _clean(piece.text)
            if dropped and not piece.table:
                part, dropped = drop_lines(part, dropped)
                part = part.strip()
            if part:
                segments.append((part, number, None))
                tables.append(piece if piece.table else None)
    if not any(pages):
        raise LoadError(
            source,
            f"has no text layer in any of its {len(pages)} page(s) (a scan or images); "
            "it needs OCR first (e.g. `ocrmypdf in.pdf out.pdf`), then load the OCR'd file",
        )
    text, blocks = build(segments, sep="\n\n")
    for block, table in zip(blocks, tables, strict=True):
        block.printed_page = printed[block.page - 1] if block.page else None
        if table is not None:
            block.kind = "table"
            block.head_end = block.start + table.head_len if table.head_len else None
            block.figures = [f.model_copy(update={"start": f.start + block.start})
                             for f in table.figures]
    meta = base_meta(source)
    meta.title = title or stem_title(source)
    apply_cover(meta, pages, title)  # an SEC filing printed to PDF: company, form, period...
    return Document(text=text, kind="pdf", meta=meta, blocks=blocks)


def _extract(data: bytes, source: str
             ) -> tuple[list[str], list[list[Piece]], str, list[list[BandLine]], list[str | None]]:
    """Each page's plain text, the same text split into text and table pieces, the title, each
    page's lines at the top and bottom of its text, and each page's label (None without one)."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise LoadError(
                source,
                "is encrypted (password-protected); decrypt it first, e.g. "
                "`qpdf --decrypt --password=PASSWORD in.pdf out.pdf`, then load out.pdf",
            ) from None
        raise LoadError(
            source,
            f"cannot be opened as a PDF ({exc}); it is corrupt or truncated - "
            "re-download or re-export it",
        ) from None
    try:
        pages: list[str] = []
        pieces: list[list[Piece]] = []
        bands: list[list[BandLine]] = []
        labels: list[str | None] = []
        for index in range(len(pdf)):
            labels.append(pdf.get_page_label(index) or None)
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    raw = textpage.get_text_range()
                    pages.append(_clean(raw))
                    pieces.append(_pieces(textpage, raw, source, index + 1))
                    bands.append(_bands(textpage, raw, page.get_height(), source, index + 1))
                finally:
                    textpage.close()
            except pdfium.PdfiumError as exc:
                log.warning("%s: page %d has unreadable text (%s); skipped", source, index + 1, exc)
                pages.append("")
                pieces.append([])
                bands.append([])
            finally:
                page.close()
        title = squash(str(pdf.get_metadata_value("Title") or ""))
        return pages, pieces, title if _useful_title(title) else "", bands, labels
    finally:
        pdf.close()


def _pieces(textpage: pdfium.PdfTextPage, raw: str, source: str, page: int) -> list[Piece]:
    if not _TABLES:
        return [Piece(raw)]
    try:
        return split_page(textpage, raw)
    except Exception as exc:  # a layout the table reader trips on must not lose the page
        log.warning("%s: page %d: tables not read (%s: %s); kept as plain text",
                    source, page, type(exc).__name__, exc)
        return [Piece(raw)]


def _without_furniture(table: Piece, lines: list[BandLine]) -> tuple[Piece, list[BandLine]]:
    """The table without the furniture lines of its caption, and the lines still to find."""
    head, left = drop_lines(table.text[: table.head_len], lines)
    head = head.strip("\n")
    rows = table.text[table.head_len :]
    text = head + rows if head else rows.lstrip("\n")
    shift = len(text) - len(table.text)  # the figures sit in the rows, after the head
    figures = [f.model_copy(update={"start": f.start + shift}) for f in table.figures]
    return Piece(text, table=True, head_len=len(head), figures=figures), left


def _bands(textpage: pdfium.PdfTextPage, raw: str, height: float, source: str, page: int
           ) -> list[BandLine]:
    try:
        return band_lines(textpage, raw, height)
    except Exception as exc:  # a layout the line reader trips on keeps its furniture, not fails
        log.warning("%s: page %d: header and footer not read (%s: %s)",
                    source, page, type(exc).__name__, exc)
        return []


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # PDFium marks a hyphen at a line break as U+FFFE (older builds: \x02); keep it as "-".
    text = _CONTROL.sub(lambda m: "-" if m.group() in "\x02\ufffe" else "", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def _useful_title(title: str) -> bool:
    """Producers often leave 'Untitled', 'Microsoft Word - x.docx' or a file name as the title."""
    lowered = title.lower()
    return (
        len(re.findall(r"[^\W\d_]", title)) >= 3  # not an accession number or a date
        and not lowered.startswith(("untitled", "microsoft word -", "document"))
        and not re.search(r"\.(docx?|pdf|indd|qxd|tmp)$", lowered)
    )


def _what_instead(data: bytes) -> str:
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head:
        return (
            "it is an HTML page saved under a .pdf name (often a login, paywall or error page); "
            "download the PDF itself in a browser"
        )
    return "the data does not start with %PDF; re-download it or check the file type"
