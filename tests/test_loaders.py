"""Loaders: text and Markdown, each kind of bad input, and discover(); HTML and SEC filings,
PDFs and URLs over real HTTP have their own files (test_loaders_html.py, test_loaders_pdf.py,
test_loaders_url.py).

Only tests/fixtures is read (see fixtures/MANIFEST.tsv); synthetic PDFs are built in memory.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ingest.documents import Document
from ingest.loaders import SUPPORTED_SUFFIXES, discover, load_source
from tests.fixtures.make_pdf_fixtures import text_pdf
from tests.loader_helpers import FIXTURES, REAL_PDF, assert_blocks, block_text, load_error, write

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
