"""Loaders: PDFs, real and built in memory: pages, text, sniffing, a PDF with no text layer."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium

from ingest.loaders import load_bytes, load_source
from tests.fixtures.make_pdf_fixtures import text_pdf
from tests.loader_helpers import REAL_PDF, assert_blocks, block_text, load_error, write


def test_real_pdf_pages_are_one_based() -> None:
    doc = load_source(str(REAL_PDF))
    assert doc.kind == "pdf"
    pages = [b.page or 0 for b in doc.blocks]
    # pages in order, every page of the 28 there (a page with a table holds several blocks)
    assert pages[0] == 1 and pages == sorted(pages) and sorted(set(pages)) == list(range(1, 29))
    first = block_text(doc, 0)
    assert first.startswith("UNITED STATES\nSECURITIES AND EXCHANGE COMMISSION")
    assert "FORM 10-Q" in first and "Apple Inc." in first
    assert "\f" not in doc.text and "\r" not in doc.text
    assert_blocks(doc)


def test_pdf_page_text_and_numbers() -> None:
    data = text_pdf(["Revenue was 10 dollars", "", "Margin was 40 percent"])
    doc = load_bytes(data, source="/reports/q3.pdf", suffix=".pdf")
    assert doc.text == "Revenue was 10 dollars\n\nMargin was 40 percent"
    assert [(b.page, b.start, b.end) for b in doc.blocks] == [(1, 0, 24), (3, 24, 45)]
    assert block_text(doc, 1) == "Margin was 40 percent"
    assert doc.meta.title == "q3"
    assert doc.meta.url == "file:///reports/q3.pdf"


def test_pdf_is_sniffed_whatever_its_name(tmp_path: Path) -> None:
    doc = load_source(str(write(tmp_path, "download.bin", text_pdf(["Sniffed by magic"]))))
    assert doc.kind == "pdf" and doc.text == "Sniffed by magic"


def test_pdfium_made_pdf_without_text_needs_ocr(tmp_path: Path) -> None:
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(612, 792)
    pdf.new_page(612, 792)
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    error = load_error(write(tmp_path, "scan.pdf", buffer.getvalue()))
    assert "has no text layer" in error.reason and "OCR" in error.reason
