"""The cited places in the browser: a PDF page viewed with the quote boxed (the boxes checked
against pdfium's characters), a text source viewed with the quote marked, the page view's
refusals, and identical passages in duplicate documents shown as one card."""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant import Assistant
from tests.browser.chat_page import SCREENSHOTS, ask, wait_for_whole_answer

PUMPS_PAGES = [
    ["Quayside Pumps Inc. quarterly report", "",
     "In the quarter Quayside Pumps opened fourteen new pumping stations",
     "across three coastal states, raising its capacity by a fifth."],
    ["Quayside Pumps Inc. risk factors", "Storms may close the coastal stations."],
]


@pytest.fixture(scope="module")
def pumps_pdf(chat_assistant: Assistant, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-page PDF in the chat's store, its quote wrapping over two lines of page 1."""
    from tests.fixtures.make_pdf_fixtures import lines_pdf

    pdf = tmp_path_factory.mktemp("pumps") / "Quayside Pumps 10-Q.pdf"
    pdf.write_bytes(lines_pdf(PUMPS_PAGES))
    assert chat_assistant.ingest([pdf], progress=False).ok
    return pdf


def _drawn_boxes(view_page: Any) -> list[list[float]]:
    """The highlight elements' places on the page image, in the image's own pixels."""
    return list(view_page.evaluate("""() => {
        const img = document.querySelector('#page-image');
        const at = img.getBoundingClientRect();
        const scale = img.naturalWidth / at.width;
        return [...document.querySelectorAll('.page .hl')].map((el) => {
            const r = el.getBoundingClientRect();
            return [(r.left - at.left) * scale, (r.top - at.top) * scale,
                    (r.right - at.left) * scale, (r.bottom - at.top) * scale];
        });
    }"""))


def test_view_page_boxes_the_quote_on_the_cited_pdf_page(page: Any, pumps_pdf: Path,
                                                         chat_assistant: Assistant) -> None:
    from urllib.parse import parse_qs, urlsplit

    import pypdfium2 as pdfium

    from assistant.page_view import view_pdf_page

    pdf = pumps_pdf
    page.click("#new-chat")
    page.wait_for_selector("#chat button.example")
    ask(page, "How many new pumping stations did Quayside Pumps open?")
    wait_for_whole_answer(page)
    card = page.locator("#sources .src-card:has(mark.quote:has-text('fourteen new pumping'))")
    link = card.locator("a.view-page")
    assert link.inner_text() == "View page"
    quote = parse_qs(urlsplit(link.get_attribute("href") or "").query)["q"][0]
    with page.context.expect_page() as opened:
        link.click()
    view_page = opened.value
    view_page.wait_for_function("() => document.querySelector('#page-image').naturalWidth > 0")
    assert "page 1 of 2" in view_page.inner_text("header")
    assert "boxed" in view_page.inner_text("header .status")

    # the boxes drawn are the module's, and each covers its characters on the page image
    view = view_pdf_page(pdf, 1, quote, cache_dir=chat_assistant.settings.store.cache_dir)
    drawn = _drawn_boxes(view_page)
    assert len(drawn) == len(view.boxes) == 2  # the quote wraps: a box per line
    scale = view.width / 612
    document = pdfium.PdfDocument(pdf)
    textpage = document[0].get_textpage()
    for seen, box in zip(drawn, view.boxes, strict=True):
        assert seen == pytest.approx(list(box.pixel_rect), abs=1.0)
        for index in range(*box.chars):
            left, bottom, right, top = textpage.get_charbox(index)
            if right > left:  # a character pdfium placed: inside the drawn box
                assert seen[0] - 1 <= left * scale and right * scale <= seen[2] + 1
                assert seen[1] - 1 <= (792 - top) * scale and (792 - bottom) * scale <= seen[3] + 1
    document.close()

    # next and previous page
    view_page.click("a.next")
    view_page.wait_for_selector("header :text('page 2 of 2')")
    assert view_page.locator(".page .hl").count() == 0
    assert "cited on page 1" in view_page.inner_text("header .status")
    view_page.click("a.prev")
    view_page.wait_for_selector("header :text('page 1 of 2')")
    assert len(_drawn_boxes(view_page)) == 2
    view_page.screenshot(path=str(SCREENSHOTS / "page-view.png"))
    view_page.close()


def test_view_in_text_marks_the_quote_scrolled_into_view(page: Any, server: str,
                                                         chat_assistant: Assistant) -> None:
    from assistant.serve.page_view_html import view_link

    hit = chat_assistant.search("Buckle comparable store sales", k=1)[0]
    assert not hit.source.endswith(".pdf")
    quote = max(hit.text.split(". "), key=len)  # a sentence of the passage, as a citation quotes
    view_page = page.context.browser.new_page(viewport={"width": 1000, "height": 700})
    view_page.goto(server + view_link(hit.chunk_id, quote))
    mark = view_page.locator("mark#quote")
    assert " ".join(mark.inner_text().split()) == " ".join(quote.split())
    assert view_page.evaluate("""() => {
        const r = document.querySelector('mark#quote').getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
    }""")
    view_page.close()


def test_page_view_refusals(chat_assistant: Assistant, server: str, pumps_pdf: Path) -> None:
    from assistant.serve.page_view_html import view_link

    pumps = next(d.doc_id for d in chat_assistant.documents() if Path(d.source) == pumps_pdf)
    pdf_chunk = next(c for c in chat_assistant.store.registry.iter_chunks() if c.doc_id == pumps)
    text_chunk = chat_assistant.search("Buckle comparable store sales", k=1)[0].chunk_id
    with httpx.Client(base_url=server, timeout=60) as client:
        shown = client.get(view_link(pdf_chunk.chunk_id, "fourteen new pumping stations", 1))
        assert shown.status_code == 200 and 'class="hl"' in shown.text
        assert "default-src 'none'" in shown.headers["content-security-policy"]
        image = client.get(f"page-view/image?chunk={pdf_chunk.chunk_id}&page=2")
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        for address, status, says in (
            ("page-view?chunk=no-such-chunk&q=x", 404, "no longer in the store"),
            (f"page-view?chunk={pdf_chunk.chunk_id}&page=3", 404, "has 2 page(s): there is no page 3"),
            (f"page-view?chunk={pdf_chunk.chunk_id}&page=two", 400, "page must be a number"),
            (f"page-view/image?chunk={text_chunk}", 404, "no PDF page"),
        ):
            refused = client.get(address)
            assert refused.status_code == status and html.escape(says) in refused.text, address


def test_identical_passages_share_one_card(page: Any, pumps_pdf: Path,
                                           chat_assistant: Assistant,
                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    """The same PDF in two folders (a duplicate filing): its passage is one card listing both."""
    copy = tmp_path_factory.mktemp("copies") / "Quayside Pumps 10-Q (copy).pdf"
    shutil.copyfile(pumps_pdf, copy)
    assert chat_assistant.ingest([copy], progress=False).ok
    page.click("#new-chat")
    page.wait_for_selector("#chat button.example")
    ask(page, "How many new pumping stations did Quayside Pumps open?")
    wait_for_whole_answer(page)
    cards = page.locator("#sources .src-turn.latest .src-card:has-text('fourteen new pumping')")
    assert cards.count() == 1
    places = cards.first.locator("a.src-title").all_inner_texts()
    assert len(places) == 2 and any("(copy)" in p for p in places), places
    assert "Also in:" in cards.first.inner_text()

