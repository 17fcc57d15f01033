"""Hostile and broken input through the whole `dossier ingest`: each bad input gets one line
naming it and the reason, the good inputs of the same batch are stored, and the exit status says
some failed. Plus property tests: random bytes and random HTML never make a loader fail other
than with a LoadError that explains the input (never the "likely a bug" kind).

The loaders' single-input errors are tested in tests/test_loaders.py; this file covers what it
does not: the batch through the CLI, corrupt (not just cut) PDFs, script/iframe-laden and
20,000-deep HTML, uploads with traversal names, and fuzzing."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest.documents import Document, LoadError
from ingest.loaders import load_bytes
from ingest.registry import Registry
from tests.conftest import FIXTURES
from tests.fixtures.make_pdf_fixtures import text_pdf
from tests.helpers import PROXY_VARIABLES, LocalHTTPServer, QuietHandler, without_proxies

REPO = Path(__file__).resolve().parent.parent
DEEP_HTML = (b"<html><body>" + b"<div>" * 20_000 + b"Deep text about Oracle." + b"</div>" * 20_000
             + b"<p>A paragraph after the deep part.</p></body></html>")
SCRIPTED_HTML = (
    b"<html><head><script>var stolen = document.cookie;</script></head><body>"
    + b"<script>document.write('INJECTED')</script><iframe src='javascript:alert(1)'></iframe>"
    b"<img src=x onerror=alert(1)><style>p{color:red}</style>" * 2000
    + b"<p>The Oracle board approved a quarterly dividend of 40 cents per share.</p></body></html>"
)


def blank_pdf(pages: int) -> bytes:
    """Pages with no text layer, like a scan without OCR."""
    pdf = pdfium.PdfDocument.new()
    for _ in range(pages):
        pdf.new_page(612, 792)
    buffer = io.BytesIO()
    pdf.save(buffer)
    pdf.close()
    return buffer.getvalue()


def corrupt_pdf() -> bytes:
    """A real PDF's header, then its middle overwritten with noise: a damaged, not a cut, file."""
    data = bytearray((FIXTURES / "AAPL_10-Q_2023-Q2.pdf").read_bytes())
    data[20:] = bytes((i * 7919) % 251 for i in range(len(data) - 20))
    return bytes(data)


# --- a local web server -------------------------------------------------------------------------
class _Handler(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        routes = {
            "/news/good.txt": (200, "text/plain", b"Apple raised its dividend by 4% in May 2024."),
            "/files/report.pdf": (200, "text/html; charset=utf-8",
                                  b"<html><body><h1>500 Internal Server Error</h1></body></html>"),
        }
        if self.path == "/slow.html":
            time.sleep(3)
        status, ctype, body = routes.get(self.path, (404, "text/html", b"<p>Not Found</p>"))
        self.reply(status, body, ctype)


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    with LocalHTTPServer(_Handler) as server:
        yield server.url


# --- the batch -----------------------------------------------------------------------------------
# file name -> (bytes, what the failure line must say; None: stored)
def batch() -> dict[str, tuple[bytes, str | None]]:
    data = (FIXTURES / "AAPL_10-Q_2023-Q2.pdf").read_bytes()
    return {
        "good.md": (b"# Oracle\n\nOracle stockholders elected all twelve director nominees.\n",
                    None),
        "cp1252.txt": ("Nestl\u00e9 said the caf\u00e9 unit\u2019s sales rose 5%.".encode("cp1252"),
                       None),
        "scripted.html": (SCRIPTED_HTML, None),
        "empty.txt": (b"", "is empty (0 bytes)"),
        "noise.pdf": (os.urandom(4096), "cannot be opened as a PDF"),
        "noise.html": (b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(4096), "is not text"),
        "login.pdf": (b"<!DOCTYPE html><html><body>Sign in</body></html>", "HTML page"),
        "truncated.pdf": (data[: len(data) // 3], "corrupt or truncated"),
        "corrupt.pdf": (corrupt_pdf(), "corrupt or truncated"),
        "encrypted.pdf": ((FIXTURES / "encrypted.pdf").read_bytes(), "is encrypted"),
        "scan.pdf": (blank_pdf(2), "no text layer"),
        "big.txt": (b"Revenue grew. " * 40_000, "size cap"),  # 547 KB; the cap is set to 500 KB
        "deep.html": (DEEP_HTML, "nested 20,002 elements deep"),
    }


def test_hostile_batch_through_the_cli(tmp_path: Path, web: str) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    files = batch()
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    urls = {  # URL -> what its failure line must say (None: stored)
        f"{web}/news/good.txt": None,
        f"{web}/slow.html": "timed out",
        f"{web}/gone.html": "404 Not Found",
        f"{web}/files/report.pdf": "expected a PDF but got an HTML page",
    }
    env = {**os.environ, "DOSSIER_HOME": str(tmp_path / "home"), "DOSSIER_MAX_FILE_MB": "0.49",
           "DOSSIER_URL_TIMEOUT_S": "0.5", "COLUMNS": "2000"}  # COLUMNS: rich must not wrap
    for name in ("OPENAI_API_KEY", "DOSSIER_CHROMA_URL", *PROXY_VARIABLES):
        env.pop(name, None)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ingest", str(folder), *urls, "-q"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert time.monotonic() - started < 300
    assert result.returncode == 1, result.stderr  # some failed
    assert "Traceback" not in result.stderr
    expected = {str((folder / n).resolve()): why for n, (_, why) in files.items()} | urls
    failed = {s: w for s, w in expected.items() if w}
    lines = [line for line in result.stderr.splitlines() if line.startswith("failed ")]
    assert len(lines) == len(failed), result.stderr
    for source, why in failed.items():
        mine = [line for line in lines if line.startswith(f"failed {source}: ")]
        assert len(mine) == 1 and why in mine[0], (source, result.stderr)
    stored = len(expected) - len(failed)
    assert f"{stored} added, 0 unchanged, 0 replaced, {len(failed)} failed" in result.stdout

    registry = Registry(tmp_path / "home" / "registry.sqlite3")
    try:
        docs = {d.source: d for d in registry.documents()}
        assert set(docs) == {s for s, w in expected.items() if w is None}
        scripted = registry.document_text(docs[str((folder / "scripted.html").resolve())].doc_id)
        assert scripted is not None and "40 cents per share" in scripted
        for hostile in ("INJECTED", "document.cookie", "alert(", "javascript:", "color:red"):
            assert hostile not in scripted
        cafe = registry.document_text(docs[str((folder / "cp1252.txt").resolve())].doc_id)
        assert cafe == "Nestl\u00e9 said the caf\u00e9 unit\u2019s sales rose 5%."
    finally:
        registry.close()


def test_upload_names_cannot_escape_the_uploads_folder(tmp_path: Path) -> None:
    """A browser sends the file name it likes; on Linux a name may hold backslashes and dots.
    The chat copies uploads only into DOSSIER_HOME/uploads under a sanitised name."""
    from assistant.ui.safety import sanitize_filename

    home = tmp_path / "home"
    uploads = home / "uploads"
    for name in ["..\\..\\..\\evil.txt", "..", "...", ".env", "%2e%2e%2fevil.md",
                 "\u2025\u2215evil.md", "con.txt\x00.pdf"]:
        safe = sanitize_filename(name)
        target = (uploads / safe).resolve()
        assert target.parent == uploads.resolve(), (name, safe)
        assert not safe.startswith(".") and "/" not in safe and "\\" not in safe


def test_chat_upload_with_a_traversal_name_lands_in_uploads(tmp_path: Path, minilm: object) -> None:
    """The real ChatApp.add, given a temp file whose name climbs out with backslashes."""
    pytest.importorskip("gradio")
    from assistant import Assistant
    from assistant.ui.app import ChatApp

    temp = tmp_path / "gradio-temp"
    temp.mkdir()
    upload = temp / "..\\..\\..\\evil.txt"
    upload.write_text("Oracle stockholders elected all twelve director nominees.")
    with Assistant(home=tmp_path / "home", embedder=minilm) as assistant:  # type: ignore[arg-type]
        app = ChatApp(assistant)
        html = app.add([str(upload)], None)[0]
        assert "evil.txt" in html
        written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*evil*"))
        assert written == [Path("gradio-temp") / upload.name, Path("home/uploads/evil.txt")]
        assert [d.source for d in assistant.documents()] == [
            str((tmp_path / "home" / "uploads" / "evil.txt").resolve())]


# --- property tests ------------------------------------------------------------------------------
def check_loaded(data: bytes, suffix: str | None) -> None:
    source = f"/fuzz/input{suffix or ''}"
    try:
        doc = load_bytes(data, source=source, suffix=suffix)
    except LoadError as exc:
        assert exc.source == source and exc.reason
        assert "likely a bug" not in exc.reason, exc.reason  # a loader crash, wrapped
        return
    assert isinstance(doc, Document) and doc.text.strip()
    assert doc.blocks and doc.blocks[0].start == 0 and doc.blocks[-1].end == len(doc.text)
    for before, after in zip(doc.blocks, doc.blocks[1:], strict=False):
        assert before.end == after.start


SUFFIXES = st.sampled_from([".pdf", ".html", ".txt", ".md", ".htm", None])
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(data=st.binary(max_size=3000), suffix=SUFFIXES)
@example(data=b"<html", suffix=".html")  # found by this test: lxml's "Document is empty"
def test_random_bytes_never_crash_a_loader(data: bytes, suffix: str | None) -> None:
    check_loaded(data, suffix)


@FUZZ
@given(tail=st.binary(max_size=3000))
def test_random_bytes_after_a_pdf_header_never_crash(tail: bytes) -> None:
    check_loaded(b"%PDF-1.7\n" + tail, ".pdf")


TAGS = ["html", "body", "head", "div", "p", "span", "table", "tr", "td", "th", "script", "style",
        "iframe", "a", "b", "ul", "li", "h1", "h2", "title", "meta", "br", "img", "noscript",
        "svg", "ix:nonfraction", "form", "pre"]
ATTRS = ["", ' class="x"', ' style="display:none"', ' onerror="alert(1)"', ' src="javascript:1"',
         ' charset="koi8-r"', ' lang="de"', ' href="http://127.0.0.1:9/"']
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


def _element(tag: str, attrs: str, children: list[str], closed: bool) -> str:
    return f"<{tag}{attrs}>" + "".join(children) + (f"</{tag}>" if closed else "")


HTML = st.recursive(
    TEXT,
    lambda inner: st.builds(_element, st.sampled_from(TAGS), st.sampled_from(ATTRS),
                            st.lists(inner, max_size=5), st.booleans()),
    max_leaves=60,
)


@FUZZ
@given(page=HTML, doctype=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
@example(page="<IFRAME>HTML", doctype=False, encoding="utf-8")  # found by this test: htmldate
def test_random_html_never_crashes_a_loader(page: str, doctype: bool, encoding: str) -> None:
    text = ("<!DOCTYPE html>" if doctype else "") + page
    check_loaded(text.encode(encoding, errors="replace"), ".html")


def test_deep_html_is_explained() -> None:
    with pytest.raises(LoadError, match="nested 20,002 elements deep.*save the page as text or PDF"):
        load_bytes(DEEP_HTML, source="/x/deep.html", suffix=".html")


def test_text_pdf_fixture_still_loads() -> None:
    """Guards the helpers above: a PDF with text is not refused by the same code paths."""
    doc = load_bytes(text_pdf(["Net sales rose."]), source="/x/ok.pdf", suffix=".pdf")
    assert doc.text == "Net sales rose."


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    without_proxies(monkeypatch)


