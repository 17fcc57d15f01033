"""PDF with a text layer, via pypdfium2: one block per page, pages 1-based."""

from __future__ import annotations

import re
import threading

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.documents import Document, LoadError

from ._common import Segment, base_meta, build, log, squash, stem_title
from .pdf_cover import apply_cover

# PDFium is not thread-safe: every call into it, across all documents, goes through this lock.
_PDFIUM_LOCK = threading.Lock()
# Form feeds, the NUL/soft-hyphen markers PDFium emits, other controls except tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


def load_pdf(data: bytes, source: str) -> Document:
    if b"%PDF-" not in data[:1024]:  # the header may follow up to 1 KB of junk
        raise LoadError(source, f"cannot be opened as a PDF: {_what_instead(data)}")
    with _PDFIUM_LOCK:
        pages, title = _extract(data, source)
    segments: list[Segment] = [(text, number, None) for number, text in enumerate(pages, 1)]
    if not any(text for text, _, _ in segments):
        raise LoadError(
            source,
            f"has no text layer in any of its {len(pages)} page(s) (a scan or images); "
            "it needs OCR first (e.g. `ocrmypdf in.pdf out.pdf`), then load the OCR'd file",
        )
    text, blocks = build(segments, sep="\n\n")
    meta = base_meta(source)
    meta.title = title or stem_title(source)
    apply_cover(meta, pages, title)  # an SEC filing printed to PDF: company, form, period...
    return Document(text=text, kind="pdf", meta=meta, blocks=blocks)


def _extract(data: bytes, source: str) -> tuple[list[str], str]:
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
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                textpage = page.get_textpage()
                try:
                    pages.append(_clean(textpage.get_text_range()))
                finally:
                    textpage.close()
            except pdfium.PdfiumError as exc:
                log.warning("%s: page %d has unreadable text (%s); skipped", source, index + 1, exc)
                pages.append("")
            finally:
                page.close()
        title = squash(str(pdf.get_metadata_value("Title") or ""))
        return pages, title if _useful_title(title) else ""
    finally:
        pdf.close()


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
