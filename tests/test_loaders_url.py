"""Loaders: URLs over real HTTP, from a local server on 127.0.0.1: articles, PDFs, Markdown,
redirects, and each way a fetch fails."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ingest.loaders import load_source
from tests.fixtures.make_pdf_fixtures import text_pdf
from tests.helpers import LocalHTTPServer, QuietHandler, free_port, without_proxies
from tests.loader_helpers import ARTICLE, assert_blocks, load_error

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
