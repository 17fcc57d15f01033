"""Page furniture (running headers, footers, page numbers) left out of PDF text at ingest, and
the printed page number read from page labels or the footer, carried to chunks and citations."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer.extractive import extractive_answer
from assistant.models import Citation, Passage, page_label
from assistant.question import read_question
from ingest.chunking import chunk_document
from ingest.documents import Document
from ingest.embeddings import LocalMiniLM
from ingest.loaders import load_bytes
from ingest.loaders.pdf_furniture import BandLine, find_furniture, is_furniture_line
from ingest.registry import Registry
from tests.fixtures.make_pdf_fixtures import placed_lines_pdf
from tests.test_pdf_tables import placed_pdf, statement_page

HEADER, BODY, FOOTER = 760, 600, 40  # heights on a 792-point page


Page = list[tuple[int, str]]


def filing_pages(n: int, footer: str = "Acme Corp. | Q3 2023 Form 10-Q | {printed}") -> list[Page]:
    """A cover without furniture, then pages with a running header and a footer whose printed
    number is the PDF page minus one."""
    pages = [[(HEADER, "ACME CORP FORM 10-Q"), (BODY, "Quarterly report for the period ended July 1, 2023.")]]
    for number in range(2, n + 1):
        pages.append([
            (HEADER, "Acme Corp. Quarterly Report"),
            (BODY, f"Net sales on page {number} were {number * 100} dollars in the quarter."),
            (BODY - 20, "The company sells anvils."),
            (FOOTER, footer.format(printed=number - 1)),
        ])
    return pages


def load(pages: list[Page], catalog: str = "") -> Document:
    return load_bytes(placed_lines_pdf(pages, catalog), source="/x/acme.pdf", suffix=".pdf")


def test_running_header_and_footer_are_left_out_and_the_body_kept() -> None:
    doc = load(filing_pages(6))
    assert "Form 10-Q |" not in doc.text and "Quarterly Report" not in doc.text
    assert "Net sales on page 4 were 400 dollars" in doc.text
    # a line repeated on every page but in the body, not at the edge of the text, is kept
    assert doc.text.count("The company sells anvils.") == 5
    assert "ACME CORP FORM 10-Q" in doc.text  # the cover's own first line is no running header
    # blocks still tile the text, each on its page
    assert doc.blocks[0].start == 0 and doc.blocks[-1].end == len(doc.text)
    for before, after in zip(doc.blocks, doc.blocks[1:], strict=False):
        assert before.end == after.start
    for block in doc.blocks[1:]:
        assert f"page {block.page} were" in doc.text[block.start : block.end]


def test_printed_page_read_from_the_footer() -> None:
    doc = load(filing_pages(6))
    assert [(b.page, b.printed_page) for b in doc.blocks] == [
        (1, None), (2, "1"), (3, "2"), (4, "3"), (5, "4"), (6, "5")]


def test_a_short_document_keeps_its_lines() -> None:
    """Two pages show no repetition to go by: nothing is removed, no page number guessed."""
    doc = load(filing_pages(2) + [[(BODY, "Signatures follow on this page.")]])
    assert "Acme Corp. | Q3 2023 Form 10-Q | 1" in doc.text
    assert all(b.printed_page is None for b in doc.blocks)


def test_a_footer_whose_words_change_is_known_by_its_page_number() -> None:
    """'Notes to Financial Statements 11' repeats; 'Income Statement 4' does not, but it ends
    in that page's printed number, so it is the footer too."""
    pages = filing_pages(7, footer="Notes to Financial Statements {printed}")
    pages[3][-1] = (FOOTER, "Income Statement 3")
    doc = load(pages)
    assert "Income Statement" not in doc.text and "Notes to Financial" not in doc.text
    assert next(b.printed_page for b in doc.blocks if b.page == 4) == "3"


def test_page_labels_win_over_the_footer() -> None:
    """A PDF's own page labels: roman numerals for the cover, then 1, 2, ..."""
    labels = "/PageLabels << /Nums [0 << /S /r >> 1 << /S /D /St 1 >>] >>"
    doc = load(filing_pages(4, footer="Acme Corp. | page {printed}"), labels)
    assert [(b.page, b.printed_page) for b in doc.blocks] == [(1, "i"), (2, "1"), (3, "2"), (4, "3")]


def test_page_number_offset_runs_restart_after_an_unnumbered_page() -> None:
    bands = [[BandLine(str(n), top=False)] for n in range(1, 6)]
    bands += [[BandLine("Exhibit index", top=False)]]
    bands += [[BandLine(str(n), top=False)] for n in range(6, 10)]  # PDF page 7 shows 6
    furniture = find_furniture(bands)
    assert furniture.printed == ["1", "2", "3", "4", "5", None, "6", "7", "8", "9"]
    assert furniture.pages_with_furniture == 9


@pytest.mark.parametrize(("line", "furniture"), [
    ("Apple Inc. | Q3 2023 Form 10-Q | 4", True),
    ("12", True),
    ("Page 3 of 40", True),
    ("xiv", True),
    ("Civic", False),
    ("Products | Services | 4,000", False),
    ("Net sales were $81.8 billion | up 2%.", False),
    ("Total net sales 81,797", False),
])
def test_is_furniture_line(line: str, furniture: bool) -> None:
    assert is_furniture_line(line) is furniture


def test_printed_page_travels_to_chunks_the_registry_and_citations(tmp_path: Path) -> None:
    doc = load(filing_pages(5))
    chunks = chunk_document(doc, lambda texts: [len(t.split()) for t in texts], 200, 0)
    on_page_3 = next(c for c in chunks if c.page == 3)
    assert on_page_3.printed_page == "2" and on_page_3.metadata(doc.meta)["printed_page"] == "2"
    registry = Registry(tmp_path / "registry.sqlite")
    try:
        registry.put_document(doc, chunks)
        stored = registry.chunks_by_id([on_page_3.chunk_id])[on_page_3.chunk_id]
        assert (stored.page, stored.printed_page) == (3, "2")
        assert [r.printed_page for r in registry.iter_chunks()] == [c.printed_page for c in chunks]
    finally:
        registry.close()
    passage = Passage(rank=1, score=1.0, chunk_id="c", doc_id="d", title="Acme 10-Q", source="s",
                      page=3, printed_page="2", text="Net sales")
    citation = Citation(n=1, chunk_id="c", doc_id="d", title="Acme 10-Q", source="s", page=3,
                        printed_page="2", quote="Net sales")
    assert passage.place() == citation.place() == "Acme 10-Q, p. 2 (PDF 3)"
    assert passage.json_contract()["printed_page"] == citation.json_contract()["printed_page"] == "2"
    assert passage.json_contract()["page"] == 3


def test_page_label_shows_both_only_where_they_differ() -> None:
    assert page_label(10, "7") == "p. 7 (PDF 10)"
    assert page_label(10, "10") == "p. 10"
    assert page_label(10) == "p. 10"


def test_a_running_header_read_as_a_tables_caption_is_left_out_too() -> None:
    """'Table of Contents' (a link atop every page) sits right above a statement, so the table
    reader takes it for the statement's caption; the units line under it stays."""
    pages = [[(72.0, 760.0, "Table of Contents"), *statement_page()[1:], (300.0, 40.0, str(n))]
             for n in range(1, 5)]
    doc = load_bytes(placed_pdf(pages), source="/x/statements.pdf", suffix=".pdf")
    assert "Table of Contents" not in doc.text
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 4 and all(b.printed_page == str(b.page) for b in tables)
    for b in tables:
        assert b.head_end is not None
        head = doc.text[b.start : b.head_end]
        assert head.startswith("CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS\n(In millions")
        assert doc.text[b.head_end :].startswith("\nNet sales:\nProducts |")
        assert len(b.figures) == 16  # each figure still points at its own text
        for figure in b.figures:
            assert doc.text[figure.start : figure.start + len(figure.text)] == figure.text


def test_the_offline_answer_never_quotes_a_footer(minilm: LocalMiniLM) -> None:
    """A store ingested before furniture was left out still holds footers: never quoted."""
    text = ("Apple Inc. | Q3 2023 Form 10-Q | 4\n"
            "Apple's total net sales for the third quarter of 2023 were $81.8 billion.")
    passage = Passage(rank=1, score=1.0, chunk_id="c1", doc_id="d", title="Apple Inc. 10-Q Q3 FY2023",
                      source="s", text=text)
    question = "What were total net sales in the Apple Inc. Q3 2023 Form 10-Q?"
    answer = extractive_answer(read_question(question), [passage], minilm)
    assert [c.quote for c in answer.citations] == [
        "Apple's total net sales for the third quarter of 2023 were $81.8 billion."]
