"""The cited page: a PDF page rendered to a cached image with the quote's characters boxed, one
box per line run; the quote matched across the spelling differences between stored text and page
text; the page view's HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from assistant import page_view
from assistant.page_view import PageOutOfRangeError, PageView, PageViewError, view_pdf_page
from assistant.quote_span import find_span
from assistant.serve import page_view_html
from ingest.loaders.pdf import load_pdf
from tests.conftest import FIXTURES
from tests.fixtures.make_pdf_fixtures import lines_pdf, pdf_of

APPLE = FIXTURES / "AAPL_10-Q_2023-Q2.pdf"
LINE_1 = "Operating income rose because net sales of services"
LINE_2 = "grew faster than the cost of sales in the quarter."
HYPHENATED = ("The company expects its opera-", "tions to expand next year.")


@pytest.fixture
def two_lines(tmp_path: Path) -> Path:
    path = tmp_path / "two-lines.pdf"
    path.write_bytes(lines_pdf([[LINE_1, LINE_2], list(HYPHENATED), ["Third page."]]))
    return path


def char_boxes(path: Path, page: int, start: int, end: int) -> list[tuple[float, ...]]:
    """pdfium's boxes of the page's characters start..end that are not spaces."""
    pdf = pdfium.PdfDocument(path)
    textpage = pdf[page - 1].get_textpage()
    text = textpage.get_text_range()
    boxes = [textpage.get_charbox(i) for i in range(start, end) if not text[i].isspace()]
    pdf.close()
    return boxes


def covers(outer: tuple[float, ...], inner: tuple[float, ...], slack: float = 0.01) -> bool:
    return (outer[0] <= inner[0] + slack and outer[1] <= inner[1] + slack
            and outer[2] >= inner[2] - slack and outer[3] >= inner[3] - slack)


def assert_pixels_follow_points(view: PageView, page_size: tuple[float, float]) -> None:
    """Each box's pixel rectangle is its page rectangle scaled to the image, y flipped."""
    width, height = page_size
    sx, sy = view.width / width, view.height / height
    for box in view.boxes:
        left, bottom, right, top = box.page_rect
        expected = (left * sx, (height - top) * sy, right * sx, (height - bottom) * sy)
        assert box.pixel_rect == pytest.approx(expected, abs=0.1)


def test_a_quote_over_two_lines_gets_a_box_per_line(two_lines: Path, tmp_path: Path) -> None:
    quote = "net sales of services grew faster than the cost"
    view = view_pdf_page(two_lines, 1, quote, cache_dir=tmp_path / "cache")
    assert view.found and view.page_count == 3
    assert len(view.boxes) == 2
    first, second = view.boxes
    assert first.page_rect[1] > second.page_rect[3]  # the first line is above the second
    text = view.page_text
    assert text[first.chars[0]:first.chars[1]] == "net sales of services"
    assert text[second.chars[0]:second.chars[1]] == "grew faster than the cost"
    for box in view.boxes:
        for char in char_boxes(two_lines, 1, *box.chars):
            assert covers(box.page_rect, char)
    # nothing of the quote's lines outside it is boxed
    before = text.index("net sales") - 2
    assert not any(covers(b.page_rect, char_boxes(two_lines, 1, before, before + 1)[0])
                   for b in view.boxes)
    assert_pixels_follow_points(view, (612, 792))
    assert view.message == "The quoted passage is boxed."


def test_a_quote_over_two_columns_gets_a_box_in_each(tmp_path: Path) -> None:
    path = tmp_path / "columns.pdf"
    path.write_bytes(pdf_of([b"BT /F1 12 Tf 72 700 Td (Margins held up well) Tj 0 -16 Td "
                             b"(while freight costs fell) Tj ET BT /F1 12 Tf 330 700 Td "
                             b"(by a quarter in the period) Tj 0 -16 Td (Other news.) Tj ET"]))
    view = view_pdf_page(path, 1, "while freight costs fell by a quarter", cache_dir=tmp_path)
    assert [view.page_text[slice(*b.chars)] for b in view.boxes] == [
        "while freight costs fell", "by a quarter"]
    left_column, right_column = (b.page_rect for b in view.boxes)
    assert left_column[2] < 330 <= right_column[0] + 0.5  # each box stays in its column
    for box in view.boxes:
        for char in char_boxes(path, 1, *box.chars):
            assert covers(box.page_rect, char)


def test_hyphenated_and_respaced_quote_is_found(two_lines: Path, tmp_path: Path) -> None:
    view = view_pdf_page(two_lines, 2, "expects its  operations to\nexpand", cache_dir=tmp_path)
    assert view.found and len(view.boxes) == 2
    first = view.page_text[view.boxes[0].chars[0]:view.boxes[0].chars[1]]
    assert first[:-1] == "expects its opera"  # and the line-end hyphen (pdfium: U+FFFE)


def test_a_missing_quote_shows_the_page_and_says_so(two_lines: Path, tmp_path: Path) -> None:
    view = view_pdf_page(two_lines, 1, "dividends were suspended", cache_dir=tmp_path)
    assert not view.found and view.boxes == []
    assert "could not be located" in view.message
    assert view.image.startswith(b"\x89PNG") and view.width == 1100


def test_a_quote_over_a_page_break_is_boxed_in_part_on_each_page(tmp_path: Path) -> None:
    path = tmp_path / "break.pdf"
    path.write_bytes(lines_pdf([["Results", "Revenue for the quarter grew by eleven percent"],
                                ["as demand for storage products recovered.", "Page two ends."]]))
    quote = "Revenue for the quarter grew by eleven percent as demand for storage products recovered."
    first = view_pdf_page(path, 1, quote, cache_dir=tmp_path)
    second = view_pdf_page(path, 2, quote, cache_dir=tmp_path)
    for view, part in ((first, "Revenue for the quarter grew by eleven percent"),
                       (second, "as demand for storage products recovered")):
        assert view.found and view.partial and len(view.boxes) == 1
        assert view.page_text[slice(*view.boxes[0].chars)] == part
        assert view.message.startswith("Part of the quoted passage is boxed")
    # a few shared words are not taken for the quote
    assert not view_pdf_page(path, 1, "Revenue for the year fell", cache_dir=tmp_path).found


def test_a_quoted_table_row_is_boxed_cell_by_cell(tmp_path: Path) -> None:
    """A row as the store keeps it ('label | header: value') on a page that lays it out in
    columns under headers: the label and each value are boxed, the headers are not."""
    path = tmp_path / "table.pdf"
    path.write_bytes(pdf_of([
        b"BT /F1 10 Tf 300 700 Td (Three Months Ended) Tj 120 0 Td (Six Months Ended) Tj ET "
        b"BT /F1 10 Tf 72 680 Td (Services) Tj 228 0 Td ($ 20,907) Tj 120 0 Td ($ 41,673) Tj ET "
        b"BT /F1 10 Tf 72 664 Td (Products) Tj 228 0 Td ($ 73,929) Tj 120 0 Td ($ 170,317) Tj ET"]))
    row = "Products | Three Months Ended: $73,929 | Six Months Ended: $170,317"
    view = view_pdf_page(path, 1, row, cache_dir=tmp_path)
    assert view.found and view.by_cell and not view.partial
    assert [view.page_text[slice(*b.chars)] for b in view.boxes] == [
        "Products", "73,929", "170,317"]
    assert view.message == "The quoted table row is boxed cell by cell."
    for box in view.boxes:
        for char in char_boxes(path, 1, *box.chars):
            assert covers(box.page_rect, char)


def test_page_out_of_range_is_a_clear_error(two_lines: Path, tmp_path: Path) -> None:
    for page in (0, 4):
        with pytest.raises(PageOutOfRangeError, match=f"has 3 page\\(s\\): there is no page {page}"):
            view_pdf_page(two_lines, page, "x", cache_dir=tmp_path)
    with pytest.raises(PageViewError, match="encrypted.pdf cannot be opened as a PDF"):
        view_pdf_page(FIXTURES / "encrypted.pdf", 1, cache_dir=tmp_path)


def test_rendered_pages_are_cached_by_content_page_and_width(two_lines: Path,
                                                             tmp_path: Path) -> None:
    first = view_pdf_page(two_lines, 1, cache_dir=tmp_path)
    stamp = first.image_path.stat().st_mtime_ns
    again = view_pdf_page(two_lines, 1, "Operating income", cache_dir=tmp_path)
    assert again.image_path == first.image_path and again.image_path.stat().st_mtime_ns == stamp
    narrow = view_pdf_page(two_lines, 1, cache_dir=tmp_path, width=600)
    assert narrow.image_path != first.image_path and narrow.width == 600
    assert narrow.height == pytest.approx(792 * 600 / 612, abs=1)
    other_page = view_pdf_page(two_lines, 2, cache_dir=tmp_path)
    assert other_page.image_path != first.image_path
    two_lines.write_bytes(lines_pdf([["Changed text"]]))  # the same name, another content: another image
    assert view_pdf_page(two_lines, 1, cache_dir=tmp_path).image_path != first.image_path


def test_the_page_cache_keeps_the_latest_pages(two_lines: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page_view, "MAX_CACHED_PAGES", 2)
    views = [view_pdf_page(two_lines, page, cache_dir=tmp_path) for page in (1, 2, 3)]
    assert [v.image_path.is_file() for v in views] == [False, True, True]
    assert view_pdf_page(two_lines, 1, cache_dir=tmp_path).image_path.is_file()  # drawn again


def _sentences_by_page(path: Path) -> dict[int, list[str]]:
    """Sentences of the PDF's stored text (as the loader keeps it), by page."""
    doc = load_pdf(path.read_bytes(), str(path))
    out: dict[int, list[str]] = {}
    for block in doc.blocks:
        if block.kind == "table" or block.page is None:
            continue
        text = doc.text[block.start:block.end]
        out.setdefault(block.page, []).extend(
            s for s in re.split(r"(?<=[.;])\s+", text) if len(s) >= 60)
    return {page: found for page, found in out.items() if found}


def test_apple_10q_stored_sentences_are_boxed_on_their_pages(tmp_path: Path) -> None:
    """Sentences as the store keeps them (line breaks cleaned up) are located on their PDF page,
    each box covering exactly the characters of one line of the page."""
    sentences = _sentences_by_page(APPLE)
    assert len(sentences) > 10
    multi_line = 0
    for page, found in sentences.items():
        quote = found[0]
        view = view_pdf_page(APPLE, page, quote, cache_dir=tmp_path)
        assert view.found and not view.partial, (page, quote)
        start, end = view.boxes[0].chars[0], view.boxes[-1].chars[1]
        lines = [line for line in re.split(r"\r?\n", view.page_text[start:end]) if line.strip()]
        assert len(view.boxes) == len(lines), (page, quote, lines)
        for box in view.boxes:
            for char in char_boxes(APPLE, page, *box.chars):
                assert covers(box.page_rect, char)
        multi_line += len(view.boxes) > 1
    assert multi_line >= 3  # quotes that wrap are among them


def test_find_span_tolerates_spelling_differences() -> None:
    page = "Total net sales de-\r\ncreased 3% to $94,836 million; the ﬁrst quarter"
    start, end = find_span(page, "net sales decreased 3% to $94,836") or (0, 0)
    assert page[start:end] == "net sales de-\r\ncreased 3% to $94,836"
    assert find_span(page, "the first quarter") is not None  # the 'ﬁ' ligature
    start, end = find_span(page, "“sales de-creased 3%.”") or (0, 0)
    assert page[start:end] == "sales de-\r\ncreased 3%"  # the text has neither quotation mark
    said = "He said: “Sales rose.” Then"
    assert find_span(said, "“Sales rose.”") == (9, 22)  # the text's own punctuation included
    assert find_span(page, "net sales rose") is None and find_span(page, "…") is None
    twice = "Revenue grew. Later: revenue grew."
    assert find_span(twice, "revenue grew", near=10) == (21, 33)
    assert find_span(twice, "revenue grew", near=30) == (0, 12)  # none after: the first


def test_pdf_view_html_draws_boxes_where_the_view_puts_them(two_lines: Path,
                                                            tmp_path: Path) -> None:
    view = view_pdf_page(two_lines, 1, "net sales of services grew", cache_dir=tmp_path)
    page = page_view_html.pdf_page_html(view, "Filing <1>", "chunk-9", cited_page=1)
    drawn = re.findall(r'class="hl" data-px="([^"]+)" style="left:([\d.]+)%;top:([\d.]+)%', page)
    assert len(drawn) == len(view.boxes) == 2
    for (px, left, top), box in zip(drawn, view.boxes, strict=True):
        assert [float(v) for v in px.split(",")] == pytest.approx(box.pixel_rect, abs=0.01)
        assert float(left) == pytest.approx(100 * box.pixel_rect[0] / view.width, abs=1e-3)
        assert float(top) == pytest.approx(100 * box.pixel_rect[1] / view.height, abs=1e-3)
    assert "Filing &lt;1&gt;" in page and "<1>" not in page
    assert "<span>← Previous page</span>" in page  # page 1: no previous page
    assert 'class="next" href="page-view?chunk=chunk-9&amp;q=net+sales' in page
    assert "&amp;page=2" in page and "page-view/image?chunk=chunk-9&amp;page=1" in page
    elsewhere = view_pdf_page(two_lines, 2, "net sales of services grew", cache_dir=tmp_path)
    assert "cited on page 1" in page_view_html.pdf_page_html(elsewhere, "F", "c", cited_page=1)


def test_text_view_marks_the_quote() -> None:
    text = "Intro.\n\nSales rose 5%\nto $3 <billion>.\n\nOutro."
    shown = page_view_html.text_html("Note", text, find_span(text, "Sales rose 5% to $3"))
    assert '<mark id="quote">Sales rose 5%\nto $3</mark> &lt;billion&gt;' in shown
    missing = page_view_html.text_html("Note", text, None)
    assert "could not be located" in missing and "<mark" not in missing
    assert page_view_html.view_link("c1", "a b").endswith("#quote")
