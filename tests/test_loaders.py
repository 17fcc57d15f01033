"""Loaders: each kind's happy path, each kind of bad input, discover(), and URLs over real HTTP.

Only tests/fixtures is read (see fixtures/MANIFEST.tsv); synthetic PDFs are built in memory.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from ingest.documents import Document, LoadError
from ingest.loaders import SUPPORTED_SUFFIXES, discover, load_bytes, load_source
from tests.fixtures.make_pdf_fixtures import text_pdf
from tests.helpers import LocalHTTPServer, QuietHandler, free_port, without_proxies

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLE = FIXTURES / "newspaper_businessweek.com2.html"
REAL_PDF = FIXTURES / "AAPL_10-Q_2023-Q2.pdf"


# --- helpers --------------------------------------------------------------------------------


def assert_blocks(doc: Document) -> None:
    """Blocks are contiguous, in order, non-empty and cover the whole text."""
    assert doc.text
    assert doc.blocks
    assert doc.blocks[0].start == 0
    assert doc.blocks[-1].end == len(doc.text)
    for before, after in zip(doc.blocks, doc.blocks[1:], strict=False):
        assert before.end == after.start
    for block in doc.blocks:
        assert block.start < block.end


def block_text(doc: Document, index: int) -> str:
    block = doc.blocks[index]
    return doc.text[block.start : block.end]


def word_f1(predicted: str, expected: str) -> float:
    got = Counter(re.findall(r"\w+", predicted.lower()))
    want = Counter(re.findall(r"\w+", expected.lower()))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def load_error(source: str | Path, **kwargs: float) -> LoadError:
    with pytest.raises(LoadError) as caught:
        load_source(str(source), **kwargs)  # type: ignore[arg-type]
    return caught.value


# --- text and Markdown ----------------------------------------------------------------------


def test_supported_suffixes() -> None:
    assert {".txt", ".md", ".markdown", ".html", ".htm", ".xhtml", ".pdf"} == SUPPORTED_SUFFIXES


def test_text_file_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "\ufeff\n  Q3 notes \r\nRevenue rose 5%.\r\n".encode())
    doc = load_source(str(path))
    assert doc.kind == "text"
    assert doc.meta.title == "Q3 notes"
    assert doc.text == "\n  Q3 notes \nRevenue rose 5%.\n"
    assert doc.meta.source == str(path.resolve())
    assert doc.meta.url == path.resolve().as_uri()
    assert len(doc.blocks) == 1
    assert_blocks(doc)


def test_text_title_falls_back_to_stem(tmp_path: Path) -> None:
    doc = load_source(str(write(tmp_path, "q3-call.txt", b"---\n\n")), max_bytes=100)
    assert doc.meta.title == "q3-call"


def test_non_utf8_text_is_decoded_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, "legacy.txt", "Caf\u00e9 \u2013 costs \u20ac5\n".encode("cp1252"))
    with caplog.at_level(logging.WARNING):
        doc = load_source(str(path))
    assert doc.text == "Caf\u00e9 \u2013 costs \u20ac5\n"
    assert "not valid UTF-8" in caplog.text and "cp1252" in caplog.text


def test_markdown_sections(tmp_path: Path) -> None:
    text = (
        "Intro line.\n\n# Apple Q3 review\n\nStrong quarter.\n\n## Risks\n\nFX.\n\n"
        "```\n# not a heading\n```\n## Outlook ##\nGrowth.\n"
    )
    doc = load_source(str(write(tmp_path, "review.md", text.encode())))
    assert doc.kind == "markdown"
    assert doc.meta.title == "Intro line."
    assert doc.text == text
    assert [b.section for b in doc.blocks] == [None, "Apple Q3 review", "Risks", "Outlook"]
    assert block_text(doc, 1).startswith("# Apple Q3 review\n")
    assert "# not a heading" in block_text(doc, 2)
    assert_blocks(doc)


def test_markdown_title_strips_hashes(tmp_path: Path) -> None:
    doc = load_source(str(write(tmp_path, "a.markdown", b"# Title here\n\nBody\n")))
    assert doc.meta.title == "Title here"
    assert doc.blocks[0].section == "Title here"


# --- HTML articles --------------------------------------------------------------------------


def test_article_metadata() -> None:
    doc = load_source(str(ARTICLE))
    assert doc.kind == "html"
    assert doc.meta.title == (
        "Cuomo's Cap on Hedge Funds in Pensions Solves Only Part of the Problem"
    )
    assert doc.meta.published == "2014-12-22"
    assert doc.meta.site == "Businessweek.com"
    assert doc.meta.author == "Allison Schrager"
    assert doc.meta.language == "en"
    assert doc.meta.source == str(ARTICLE.resolve())
    assert doc.meta.url == ARTICLE.resolve().as_uri()
    assert_blocks(doc)


@pytest.mark.parametrize(
    "name", ["newspaper_businessweek.com2", "newspaper_foxbusiness.com1"]
)
def test_article_text_matches_expected(name: str) -> None:
    doc = load_source(str(FIXTURES / f"{name}.html"))
    expected = (FIXTURES / f"{name}.expected.txt").read_text(encoding="utf-8")
    assert word_f1(doc.text, expected) >= 0.8
    assert "Subscribe" not in doc.text  # navigation boilerplate is gone


def test_xhtml_sections_from_article_headings() -> None:
    para = "<p>" + "Quarterly revenue grew across all segments of the business. " * 8 + "</p>"
    page = (
        '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml" '
        f'lang="en-GB"><head><title>Q3</title></head><body><article>{para}<h2>Outlook</h2>'
        f"{para}</article></body></html>"
    )
    doc = load_bytes(page.encode(), source="/news/q3.xhtml", suffix=".xhtml")
    assert doc.kind == "html" and doc.meta.language == "en"
    assert [b.section for b in doc.blocks] == [None, "Outlook"]
    assert block_text(doc, 1).startswith("Outlook\n\nQuarterly revenue")
    assert_blocks(doc)


def test_tiny_page_keeps_its_visible_text() -> None:
    page = b"<html><head><title>Memo</title><script>var x;</script></head>" \
        b"<body><p>Short note.</p></body></html>"
    doc = load_bytes(page, source="/tmp/memo.html", suffix=".html")
    assert doc.text == "Short note."


def test_declared_charset_is_used_when_not_utf8() -> None:
    page = "<html><head><meta charset='iso-8859-1'></head><body><p>Caf\xe9 \x80 2</p></body></html>"
    doc = load_bytes(page.encode("latin-1"), source="/tmp/cafe.html")  # no suffix: sniffed
    assert doc.kind == "html" and doc.text == "Caf\u00e9 \u20ac 2"


# --- SEC filings ----------------------------------------------------------------------------


def test_sec_8k_meta_from_dei_facts_and_items() -> None:
    doc = load_source(str(FIXTURES / "BKE_8-K_2024-11-22.html"))
    assert doc.kind == "sec"
    meta = doc.meta
    assert (meta.company, meta.ticker, meta.cik, meta.form) == (
        "BUCKLE, INC", "BKE", "0000885245", "8-K"
    )
    assert meta.period == "2024-11-22"
    assert meta.title == "BUCKLE, INC 8-K 2024-11-22"
    sections = [b.section for b in doc.blocks]
    assert "ITEM 2.02. Results of Operations and Financial Condition" in sections
    item = sections.index("ITEM 2.02. Results of Operations and Financial Condition")
    assert block_text(doc, item).startswith("ITEM 2.02. Results of Operations")
    assert "announced financial results" in block_text(doc, item)
    # the hidden inline-XBRL header is dropped, table rows are " | " lines
    assert "xbrli" not in doc.text and "http://" not in doc.text
    assert "Common Stock, $0.01 par value | BKE | New York Stock Exchange" in doc.text
    assert_blocks(doc)


def test_sec_exhibit_press_release_tables() -> None:
    doc = load_source(str(FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html"))
    assert doc.kind == "sec"
    assert doc.meta.title == "EX-99.1: THE BUCKLE, INC. REPORTS THIRD QUARTER NET INCOME"
    assert doc.meta.ticker == "BKE"  # from "(NYSE: BKE)"
    assert doc.meta.form is None  # an exhibit, not a form
    assert "<TYPE>" not in doc.text and "EX-99.1\n" not in doc.text
    # "$" cells are glued to their numbers, empty cells skipped, each figure under its column
    assert (
        "NET INCOME | Thirteen Weeks Ended November 2, 2024: $44,172 | Thirteen Weeks Ended "
        "October 28, 2023: $51,762 | Thirty-Nine Weeks Ended November 2, 2024: $118,270 | "
        "Thirty-Nine Weeks Ended October 28, 2023: $140,338"
    ) in doc.text
    assert "\n\nThe Buckle, Inc.\n2407 W. 24th St." in doc.text
    assert_blocks(doc)


def test_sec_6k_cover_without_xbrl() -> None:
    doc = load_source(str(FIXTURES / "ALC_6-K_2023-02-13.html"))
    assert doc.kind == "sec"
    assert (doc.meta.form, doc.meta.company, doc.meta.period) == ("6-K", "ALCON INC.", "2023-02-13")
    assert doc.text.startswith("UNITED STATES\n\nSECURITIES AND EXCHANGE COMMISSION")
    assert_blocks(doc)


def test_sec_sections_skip_the_table_of_contents() -> None:
    def row(cells: str) -> str:
        return "<tr>" + "".join(f"<td>{c}</td>" for c in cells.split("|")) + "</tr>"

    toc = "".join(row(r) for r in ["Part I|", "Item 1.|Business|3", "Item 1A.|Risk Factors|9",
                                   "Part II|", "Item 7.|MD&amp;A|20"])
    prose = "<p>" + "Text about it. " * 20 + "</p>"
    body = (
        f"<div>PART I</div><div>Item 1. Business</div>{prose}<div>Item 1A. Risk Factors</div>"
        f"{prose}<div>PART II</div>{prose}<div>Item 7. MD&amp;A</div>{prose}"
    )
    html = (
        "<html><body><div>UNITED STATES SECURITIES AND EXCHANGE COMMISSION</div>"
        f"<div>FORM 10-K</div><table>{toc}</table>{body}</body></html>"
    )
    doc = load_bytes(html.encode(), source="/tmp/toy-10k.html", suffix=".html")
    assert doc.kind == "sec"
    assert [b.section for b in doc.blocks] == [
        None, "Item 1. Business", "Item 1A. Risk Factors", "PART II", "Item 7. MD&A"
    ]
    assert block_text(doc, 1).startswith("PART I\n\nItem 1. Business")  # PART folds into Item
    assert_blocks(doc)


# --- PDF ------------------------------------------------------------------------------------


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


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.txt", "empty.pdf", "empty.html"])
def test_zero_byte_file(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, name, b"")
    error = load_error(path)
    assert error.source == str(path.resolve())
    assert "is empty" in error.reason


def test_binary_named_pdf(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, "report.pdf", bytes(range(256)) * 8))
    assert "cannot be opened as a PDF" in error.reason


def test_html_page_named_pdf(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, "report.pdf", b"<!DOCTYPE html><html>Sign in</html>"))
    assert "cannot be opened as a PDF" in error.reason and "HTML page" in error.reason


@pytest.mark.parametrize("name", ["page.html", "notes.txt", "notes.md"])
def test_binary_named_text(tmp_path: Path, name: str) -> None:
    error = load_error(write(tmp_path, name, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40))
    assert "is not text" in error.reason


def test_truncated_pdf(tmp_path: Path) -> None:
    data = REAL_PDF.read_bytes()
    error = load_error(write(tmp_path, "cut.pdf", data[: len(data) // 2]))
    assert "cannot be opened as a PDF" in error.reason and "corrupt or truncated" in error.reason


def test_encrypted_pdf() -> None:
    error = load_error(FIXTURES / "encrypted.pdf")
    assert "is encrypted" in error.reason and "decrypt it first" in error.reason


def test_no_text_pdf(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, "blank.pdf", text_pdf(["", ""])))
    assert "has no text layer" in error.reason and "2 page(s)" in error.reason


def test_over_the_size_cap(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, "big.txt", b"x" * 5000), max_bytes=1024)
    assert "4.9 KB" in error.reason and "1.0 KB size cap" in error.reason


def test_missing_file_folder_and_unsupported_type(tmp_path: Path) -> None:
    assert "file not found" in load_error(tmp_path / "nope.pdf").reason
    assert "is a folder" in load_error(tmp_path).reason
    error = load_error(write(tmp_path, "deck.docx", b"PK\x03\x04 not really"))
    assert "unsupported file type '.docx'" in error.reason


def test_whitespace_only_text(tmp_path: Path) -> None:
    assert "no text" in load_error(write(tmp_path, "blank.txt", b" \n\t\n")).reason


def test_unexpected_errors_are_wrapped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def boom(data: bytes, source: str) -> Document:
        raise ValueError("kaput")

    monkeypatch.setattr("ingest.loaders.load_text", boom)
    error = load_error(write(tmp_path, "a.txt", b"hello"))
    assert "unexpected ValueError" in error.reason and "kaput" in error.reason


# --- discover -------------------------------------------------------------------------------


def test_discover_expands_folders(tmp_path: Path) -> None:
    for name in ["b.pdf", "a.md", "sub/c.HTML", "sub/deep/d.txt", "skip.docx", ".hidden.txt",
                 ".git/e.txt", "sub/.cache/f.md"]:
        write(tmp_path, name, b"x")
    missing = str(tmp_path / "missing.pdf")
    url = "https://example.com/news.html"
    found = discover([tmp_path, url, missing, tmp_path / "a.md"])
    root = tmp_path.resolve()
    assert found == [
        str(root / "a.md"),
        str(root / "b.pdf"),
        str(root / "sub" / "c.HTML"),
        str(root / "sub" / "deep" / "d.txt"),
        url,
        missing,
    ]


# --- URLs -----------------------------------------------------------------------------------

PDF_BYTES = text_pdf(["Served over HTTP"])


class _Handler(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        routes = {
            "/news/article.html": (200, "text/html; charset=utf-8", ARTICLE.read_bytes()),
            "/files/report.pdf": (200, "application/pdf", PDF_BYTES),
            "/files/paywalled.pdf": (200, "text/html", b"<html><body>Log in</body></html>"),
            "/notes.md": (200, "text/plain", b"# Notes\n\nPlain markdown.\n"),
            "/big.txt": (200, "text/plain", b"y" * 50_000),
            "/logo.png": (200, "image/png", b"\x89PNG\r\n"),
        }
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path in ("/moved", "/loop"):
            target = "/news/article.html" if self.path == "/moved" else "/loop"
            self.reply(302, b"", headers={"Location": target})
            return
        status, ctype, body = routes.get(self.path, (404, "text/html", b"<p>missing</p>"))
        self.reply(status, body, ctype)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    without_proxies(monkeypatch)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with LocalHTTPServer(_Handler) as httpd:
        yield httpd.url


def test_url_article(server: str) -> None:
    url = f"{server}/news/article.html"
    doc = load_source(url)
    assert doc.kind == "html"
    assert doc.meta.source == url and doc.meta.url == url
    assert doc.meta.published == "2014-12-22"
    assert "hedge fund" in doc.text.lower()
    assert_blocks(doc)


def test_url_redirect_is_followed(server: str) -> None:
    doc = load_source(f"{server}/moved")
    assert doc.meta.source == f"{server}/moved"
    assert doc.meta.title.startswith("Cuomo's Cap on Hedge Funds")


def test_url_pdf(server: str) -> None:
    doc = load_source(f"{server}/files/report.pdf")
    assert doc.kind == "pdf"
    assert doc.text == "Served over HTTP"
    assert doc.blocks[0].page == 1
    assert doc.meta.title == "report"


def test_url_markdown_served_as_text_plain(server: str) -> None:
    doc = load_source(f"{server}/notes.md")
    assert doc.kind == "markdown" and doc.blocks[0].section == "Notes"


def test_url_404(server: str) -> None:
    error = load_error(f"{server}/nowhere")
    assert error.reason.startswith("404 Not Found")
    assert error.source == f"{server}/nowhere"


def test_url_pdf_that_is_html(server: str) -> None:
    error = load_error(f"{server}/files/paywalled.pdf")
    assert "expected a PDF but got an HTML page" in error.reason


def test_url_timeout(server: str) -> None:
    started = time.monotonic()
    error = load_error(f"{server}/slow", timeout=0.3)
    assert "timed out" in error.reason
    assert time.monotonic() - started < 1.4


def test_url_size_cap(server: str) -> None:
    error = load_error(f"{server}/big.txt", max_bytes=10_000)
    assert "size cap" in error.reason


def test_url_redirect_loop_and_unsupported_type(server: str) -> None:
    assert "redirected more than 5 times" in load_error(f"{server}/loop").reason
    assert "unsupported content type 'image/png'" in load_error(f"{server}/logo.png").reason


def test_url_connection_refused() -> None:
    port = free_port()  # nobody listens there
    error = load_error(f"http://127.0.0.1:{port}/report.html", timeout=2)
    assert "cannot connect" in error.reason
