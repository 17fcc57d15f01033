"""Tables of figures in PDF filings: each figure keeps its row label and its column header."""

from __future__ import annotations

import collections
import logging
import re
from collections.abc import Sequence

import pytest

import ingest.loaders.pdf as pdf_loader
from ingest.chunking import chunk_document
from ingest.documents import Document
from ingest.loaders import load_bytes, load_source, pdf_lines, pdf_tables
from tests.conftest import FIXTURES
from tests.fixtures.make_pdf_fixtures import pdf_of

AAPL = FIXTURES / "AAPL_10-Q_2023-Q2.pdf"

# Helvetica advance widths (1/1000 em) of what figures are made of, to set them flush right.
_WIDTHS = {**dict.fromkeys("0123456789$", 556), ",": 278, ".": 278, "(": 333, ")": 333, " ": 278,
           **dict.fromkeys("honedM", 556), "T": 611, "r": 333, "t": 278, "s": 500, "E": 667, "S": 667,
           "i": 222, "x": 500, "N": 722, "O": 778, "c": 500, "b": 556}
_WIDTHS["M"] = 833
Placed = tuple[float, float, str]  # x, y (baseline), text


def right(x_right: float, y: float, text: str, size: float = 9) -> Placed:
    """`text` (a figure or a period header) set so that it ends at x_right."""
    return x_right - sum(_WIDTHS[ch] for ch in text) * size / 1000, y, text


def placed_pdf(pages: list[list[Placed]], size: float = 9) -> bytes:
    """A valid PDF whose pages hold Helvetica text at the given positions, in that order."""
    streams = []
    for items in pages:
        ops = []
        for x, y, text in items:
            escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /F1 {size} Tf {x:.2f} {y:.2f} Td ({escaped}) Tj ET")
        streams.append("\n".join(ops).encode("latin-1"))
    return pdf_of(streams)


def statement_page() -> list[Placed]:
    """An income statement: title, units, 'Three Months Ended' over two dated columns and
    'Nine Months Ended' over two more, '$' set apart, a negative figure, a label-only line."""
    cols = [330.0, 400.0, 470.0, 540.0]  # right edges of the figure columns
    page: list[Placed] = [
        (72, 740, "Intro paragraph before the statements."),
        (200, 712, "CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS"),
        (180, 700, "(In millions, except per share amounts)"),
        (300, 680, "Three Months Ended"),
        (440, 680, "Nine Months Ended"),
    ]
    for x in cols:
        page.append((x - 40, 668, "July 1, 2023" if x in (cols[0], cols[2]) else "June 25, 2022"))
    rows = [
        ("Net sales:", None),
        ("Products", ["60,584", "63,355", "230,901", "246,666"]),
        ("Services", ["21,213", "19,604", "62,886", "58,941"]),
        ("Other income/(expense), net", ["(265)", "(10)", "(594)", "(97)"]),
        ("Total net sales", ["81,797", "82,959", "293,787", "304,182"]),
    ]
    y = 650.0
    for label, figures in rows:
        page.append((72, y, label))
        for x, figure in zip(cols, figures or [], strict=False):
            if label == "Products":
                page.append((x - 62, y, "$"))
            page.append(right(x, y, figure))
        y -= 12
    page.append((72, y - 10, "See accompanying Notes to Condensed Consolidated Financial Statements."))
    return page


def tokens(text: str) -> collections.Counter[str]:
    return collections.Counter(t for w in re.split(r"[\s|:]+", text) if (t := w.strip("$%()")))


def tables_of(doc: Document) -> list[tuple[str, str, int | None]]:
    """(head, rows, page) of each table block."""
    out = []
    for b in doc.blocks:
        if b.kind == "table":
            split = b.head_end or b.start
            out.append((doc.text[b.start:split], doc.text[split:b.end], b.page))
    return out


def load_plain(data: bytes, monkeypatch: pytest.MonkeyPatch) -> Document:
    with monkeypatch.context() as patch:
        patch.setattr(pdf_loader, "_TABLES", False)
        return load_bytes(data, source="/filings/plain.pdf", suffix=".pdf")


def test_statement_rows_carry_label_and_period_headers() -> None:
    doc = load_bytes(placed_pdf([statement_page()]), source="/filings/q3.pdf", suffix=".pdf")
    [(head, rows, page)] = tables_of(doc)
    assert page == 1
    assert head.splitlines()[:2] == [
        "CONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS", "(In millions, except per share amounts)"]
    lines = rows.strip().splitlines()
    assert lines[0] == "Net sales:"  # a label-only line stays a row of its own
    assert lines[1] == (
        "Products | Three Months Ended July 1, 2023: $60,584 | Three Months Ended June 25, 2022: $63,355"
        " | Nine Months Ended July 1, 2023: $230,901 | Nine Months Ended June 25, 2022: $246,666"
    )
    assert "Other income/(expense), net | Three Months Ended July 1, 2023: (265) |" in rows
    assert lines[-1].endswith("Nine Months Ended June 25, 2022: 304,182")
    # The text around the table is PDFium's own, in blocks of the same page.
    texts = [doc.text[b.start:b.end].strip() for b in doc.blocks if b.kind == "text"]
    assert texts == ["Intro paragraph before the statements.",
                     "See accompanying Notes to Condensed Consolidated Financial Statements."]
    assert {b.page for b in doc.blocks} == {1}


def test_no_word_of_the_page_is_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    data = placed_pdf([statement_page()])
    plain = load_plain(data, monkeypatch)
    doc = load_bytes(data, source="/filings/q3.pdf", suffix=".pdf")
    assert not tables_of(plain)
    assert not tokens(plain.text) - tokens(doc.text)


def test_flush_right_headers_span_the_columns_to_their_left() -> None:
    """Headers set flush right over the second of two columns (Microsoft's layout)."""
    cols = [330.0, 400.0, 470.0, 540.0]
    page: list[Placed] = [(150, 700, "INCOME STATEMENTS"), (72, 690, "(In millions)")]
    page += [right(cols[1], 678, "Three Months Ended"), right(cols[3], 678, "Six Months Ended")]
    page += [right(x, 666, year) for x, year in zip(cols, ["2022", "2021", "2022", "2021"], strict=True)]
    for y, label, figures in [(650, "Revenue", ["52,747", "51,728", "102,869", "97,045"]),
                              (638, "Cost of revenue", ["17,488", "16,960", "32,940", "30,606"])]:
        page.append((72, y, label))
        page += [right(x, y, f) for x, f in zip(cols, figures, strict=True)]
    doc = load_bytes(placed_pdf([page]), source="/filings/msft.pdf", suffix=".pdf")
    [(_, rows, _)] = tables_of(doc)
    assert rows.strip().splitlines()[0] == (
        "Revenue | Three Months Ended 2022: 52,747 | Three Months Ended 2021: 51,728"
        " | Six Months Ended 2022: 102,869 | Six Months Ended 2021: 97,045"
    )


def test_units_line_under_the_headers_leaves_them_the_tables() -> None:
    """'(In millions)' on its own line between the period headers and the body (NVIDIA's
    notes), under a sentence that introduces the table: the headers still label the figures,
    the units line is a caption and the sentence no header."""
    cols = [330.0, 400.0, 470.0, 540.0]
    page: list[Placed] = [
        (72, 712, "The following table summarizes our revenue by"),  # justified: two runs
        (300, 712, "each of the markets we serve:"),
        right(cols[1], 700, "Three Months Ended"), right(cols[3], 700, "Nine Months Ended")]
    page += [right(x, 688, "October 29," if k % 2 == 0 else "October 30,") for k, x in enumerate(cols)]
    page += [right(x, 676, "2023" if k % 2 == 0 else "2022") for k, x in enumerate(cols)]
    page += [(300, 664, "(In millions)"), (72, 652, "Revenue:")]
    for y, label, figures in [(640, "Data Center", ["14,514", "3,833", "29,121", "11,389"]),
                              (628, "Gaming", ["2,856", "1,574", "7,582", "7,236"])]:
        page.append((72, y, label))
        page += [(x - 62, y, "$") for x in cols if label == "Data Center"]
        page += [right(x, y, f) for x, f in zip(cols, figures, strict=True)]
    doc = load_bytes(placed_pdf([page]), source="/filings/nvda.pdf", suffix=".pdf")
    [(head, rows, _)] = tables_of(doc)
    assert "(In millions)" in head.splitlines()
    assert "Three Months Ended | Nine Months Ended" in head.splitlines()
    assert rows.strip().splitlines()[1] == (
        "Data Center | Three Months Ended October 29, 2023: $14,514"
        " | Three Months Ended October 30, 2022: $3,833 | Nine Months Ended October 29, 2023: $29,121"
        " | Nine Months Ended October 30, 2022: $11,389")


def test_two_tables_on_a_page_share_no_line() -> None:
    first = [item for item in statement_page() if not item[2].startswith("See accompanying")]
    cols = [330.0, 400.0]
    second: list[Placed] = [(72, 560, "Segment operating income"), (72, 548, "(In millions)")]
    second += [right(cols[0], 536, "2023"), right(cols[1], 536, "2022")]
    for y, label, figures in [(524, "Americas", ["37,472", "35,687"]), (512, "Europe", ["22,066", "21,012"])]:
        second.append((72, y, label))
        second += [right(x, y, f) for x, f in zip(cols, figures, strict=True)]
    doc = load_bytes(placed_pdf([first + second]), source="/filings/two.pdf", suffix=".pdf")
    found = tables_of(doc)
    assert len(found) == 2
    assert found[1][0] == "Segment operating income\n(In millions)\n2023 | 2022"
    assert found[1][1].strip().splitlines() == ["Americas | 2023: 37,472 | 2022: 35,687",
                                                "Europe | 2023: 22,066 | 2022: 21,012"]
    assert doc.text.count("Total net sales") == 1 and "Segment" not in found[0][1]


def test_prose_with_numbers_is_not_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    page: list[Placed] = [
        (72, 700, "Net sales rose to 81,797 in the quarter from 82,959"),
        (72, 688, "and services sales were 21,213 against 19,604"),
        (72, 676, "a year earlier, the company said in its filing."),
    ]
    data = placed_pdf([page])
    doc = load_bytes(data, source="/filings/note.pdf", suffix=".pdf")
    assert not tables_of(doc)
    assert doc.text == load_plain(data, monkeypatch).text


def test_pages_without_figures_are_never_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    measured: list[int] = []
    words = pdf_lines._Boxes.words

    def counting(self: pdf_lines._Boxes, start: int, end: int) -> list[pdf_lines.Word]:
        measured.append(start)
        return words(self, start, end)

    monkeypatch.setattr(pdf_lines._Boxes, "words", counting)
    load_bytes(placed_pdf([[(72, 700, "Risk factors"), (72, 688, "We face competition.")]]),
               source="/filings/risk.pdf", suffix=".pdf")
    assert measured == []
    load_bytes(placed_pdf([statement_page()]), source="/filings/q3.pdf", suffix=".pdf")
    assert measured


def test_a_failing_table_reader_keeps_the_page_text(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> list[pdf_tables.Piece]:
        raise ValueError("odd layout")

    data = placed_pdf([statement_page()])
    expected = load_plain(data, monkeypatch).text
    monkeypatch.setattr(pdf_loader, "split_page", broken)
    with caplog.at_level(logging.WARNING, logger="ingest.loaders"):
        doc = load_bytes(data, source="/filings/q3.pdf", suffix=".pdf")
    assert doc.text == expected and not tables_of(doc)
    assert "/filings/q3.pdf: page 1: tables not read (ValueError: odd layout)" in caplog.text


# --- the real Apple 10-Q ------------------------------------------------------------------


@pytest.fixture(scope="module")
def aapl() -> Document:
    return load_source(str(AAPL))


def test_aapl_income_statement(aapl: Document) -> None:
    statement = [t for t in tables_of(aapl) if "STATEMENTS OF OPERATIONS" in t[0]]
    head, rows, page = statement[0]
    assert page == 4
    assert "(In millions, except number of shares" in head
    assert "Three Months Ended | Six Months Ended" in head
    assert (
        "Total net sales | Three Months Ended April 1, 2023: 94,836 | Three Months Ended March 26, 2022: "
        "97,278 | Six Months Ended April 1, 2023: 211,990 | Six Months Ended March 26, 2022: 221,223"
    ) in rows
    assert "Net income | Three Months Ended April 1, 2023: $24,160 |" in rows
    assert "Other income/(expense), net | Three Months Ended April 1, 2023: 64 |" in rows


def test_aapl_balance_sheet_wrapped_label(aapl: Document) -> None:
    [(_, rows, page)] = [t for t in tables_of(aapl) if "BALANCE SHEETS" in t[0]]
    assert page == 6
    assert ("Common stock and additional paid-in capital, $0.00001 par value: 50,400,000 shares "
            "authorized; 15,723,406 and 15,943,425 shares issued and outstanding, respectively | "
            "April 1, 2023: 69,568 | September 24, 2022: 64,849") in rows


def test_aapl_pages_words_and_text_outside_tables(aapl: Document, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = load_plain(AAPL.read_bytes(), monkeypatch)
    assert {b.page for b in aapl.blocks} == {b.page for b in plain.blocks} == set(range(1, 29))
    pages = [b.page or 0 for b in aapl.blocks]
    assert pages == sorted(pages)
    assert aapl.blocks[0].start == 0 and aapl.blocks[-1].end == len(aapl.text)
    assert all(a.end == b.start for a, b in zip(aapl.blocks, aapl.blocks[1:], strict=False))
    assert not tokens(plain.text) - tokens(aapl.text)
    page4 = [aapl.text[b.start:b.end].strip() for b in aapl.blocks if b.page == 4 and b.kind == "text"]
    assert page4 == ["PART I — FINANCIAL INFORMATION\nItem 1. Financial Statements",
                     "See accompanying Notes to Condensed Consolidated Financial Statements."]
    # the running footer "Apple Inc. | Q2 2023 Form 10-Q | 1" is left out; its number is kept
    assert "Form 10-Q |" not in aapl.text
    assert {b.printed_page for b in aapl.blocks if b.page == 4} == {"1"}
    assert aapl.meta.company == plain.meta.company and aapl.meta.period_end == plain.meta.period_end


def test_aapl_split_table_repeats_its_head(aapl: Document) -> None:
    def words(texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    chunks = chunk_document(aapl, words, max_tokens=120, overlap_tokens=0)
    pieces = [c for c in chunks if c.page == 4 and "Months Ended" in c.text]
    assert len(pieces) > 2
    for piece in pieces:
        assert piece.text.startswith("Apple Inc.\nCONDENSED CONSOLIDATED STATEMENTS OF OPERATIONS")
