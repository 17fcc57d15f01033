"""Tables: SEC HTML tables rendered so each figure keeps its row label and column header, and
table-aware chunking (whole when it fits, else by rows with the head repeated)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ingest.chunking import chunk_document
from ingest.documents import Document
from ingest.loaders import load_bytes, load_source

FIXTURES = Path(__file__).parent / "fixtures"


def word_counter(texts: Sequence[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def _cells(*cells: str) -> str:
    return "".join(cells)


def sec_table(n_rows: int = 3) -> str:
    """Laid out as EDGAR filers do: '$' and ')' in cells of their own, empty spacer cells, a
    two-row header whose top cell spans both years."""
    pad = "<td></td>"
    head1 = f"<tr><td></td>{pad}<td colspan='6'>Years ended</td></tr>"
    head2 = (f"<tr><td></td>{pad}<td colspan='2'>September 28, 2024</td>{pad}"
             f"<td colspan='2'>September 30, 2023</td>{pad}</tr>")
    rows = [
        f"<tr><td>Total net sales</td>{pad}<td>$</td><td>391,035</td>{pad}<td>$</td>"
        f"<td>383,285</td>{pad}</tr>",
        f"<tr><td>Other income/(expense), net</td>{pad}<td></td><td>(565</td><td>)</td>"
        f"<td></td><td>(382</td><td>)</td></tr>",
        "<tr><td>Operating expenses:</td></tr>",
    ]
    rows += [
        f"<tr><td>Line item {i}</td>{pad}<td></td><td>{1000 + i:,}</td>{pad}<td></td>"
        f"<td>{2000 + i:,}</td>{pad}</tr>"
        for i in range(n_rows)
    ]
    return f"<table>{head1}{head2}{''.join(rows)}</table>"


def filing(table: str) -> Document:
    html = (
        "<html><body><div>UNITED STATES SECURITIES AND EXCHANGE COMMISSION</div>"
        "<div>FORM 10-K</div><div>Item 8. Financial Statements</div>"
        "<p>" + "Our results were described at length in the discussion above. " * 3 + "</p>"
        "<div>CONSOLIDATED STATEMENTS OF OPERATIONS</div><div>(In millions)</div>"
        f"{table}<p>The notes are an integral part of these statements.</p></body></html>"
    )
    return load_bytes(html.encode(), source="/x/toy-10k.html", suffix=".html")


def test_each_figure_keeps_its_row_label_and_column_header() -> None:
    doc = filing(sec_table())
    [table] = [b for b in doc.blocks if b.kind == "table"]
    assert table.section == "Item 8. Financial Statements"
    text = doc.text[table.start : table.end]
    assert (
        "Total net sales | September 28, 2024: $391,035 | September 30, 2023: $383,285" in text
    )
    assert "Other income/(expense), net | September 28, 2024: (565) | September 30, 2023: (382)" in text
    assert "\nOperating expenses:\n" in text  # a label-only row stays as it is
    # the title and units above the table, and its header rows, are its head
    assert table.head_end is not None
    head = doc.text[table.start : table.head_end]
    assert head.split("\n") == [
        "CONSOLIDATED STATEMENTS OF OPERATIONS", "(In millions)", "Years ended",
        "September 28, 2024 | September 30, 2023",
    ]
    assert "integral part" not in text


def test_a_small_table_is_one_chunk() -> None:
    doc = filing(sec_table(n_rows=2))
    [table] = [b for b in doc.blocks if b.kind == "table"]
    chunks = chunk_document(doc, word_counter, max_tokens=200, overlap_tokens=10)
    inside = [c for c in chunks if table.start <= c.start < table.end]
    assert len(inside) == 1
    assert inside[0].text == doc.text[table.start : table.end].strip()


def test_a_long_table_is_split_by_rows_with_its_head_repeated() -> None:
    doc = filing(sec_table(n_rows=40))
    [table] = [b for b in doc.blocks if b.kind == "table"]
    assert table.head_end is not None
    head = doc.text[table.start : table.head_end]
    chunks = chunk_document(doc, word_counter, max_tokens=60, overlap_tokens=10)
    pieces = [c for c in chunks if table.start <= c.start < table.end]
    assert len(pieces) > 3
    assert all(n <= 60 for n in word_counter([c.text for c in pieces]))
    assert pieces[0].text.startswith(head) and pieces[0].start == table.start
    for piece in pieces[1:]:
        assert piece.text == head + "\n" + doc.text[piece.start : piece.end]
    rows = doc.text[table.head_end : table.end].strip().split("\n")
    got = [line for c in pieces for line in c.text.split("\n") if line not in head.split("\n")]
    assert got == rows  # every row once, in order, never cut
    # text around the table is chunked as before, never mixed with table rows
    others = [c for c in chunks if c not in pieces]
    assert others and not any("|" in c.text for c in others)


def test_an_over_long_row_is_split_between_cells_with_its_label() -> None:
    pad = "<td></td>"
    header = "<tr><td></td>" + "".join(f"<td>FY{2000 + i}</td>" for i in range(30)) + "</tr>"
    row = "<tr><td>Revenue</td>" + "".join(f"<td>{100 + i}</td>" for i in range(30)) + "</tr>"
    other = "<tr><td>Costs</td>" + "".join(f"<td>{50 + i}</td>{pad}" for i in range(30)) + "</tr>"
    doc = filing(f"<table>{header}{row}{other}</table>")
    chunks = chunk_document(doc, word_counter, max_tokens=40, overlap_tokens=0)
    revenue = [c for c in chunks if "Revenue |" in c.text]
    assert len(revenue) > 1 and all(n <= 40 for n in word_counter([c.text for c in revenue]))
    assert "FY2029: 129" in "".join(c.text for c in revenue)


def test_press_release_statements_render_with_periods() -> None:
    doc = load_source(str(FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html"))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 2
    income = doc.text[tables[0].start : tables[0].head_end or tables[0].start]
    assert income.startswith("THE BUCKLE, INC.\nCONSOLIDATED STATEMENTS OF INCOME\n"
                             "(Amounts in Thousands Except Per Share Amounts)")
    assert ("Cash and cash equivalents | November 2, 2024: $301,958 | February 3, 2024 (1): "
            "$268,213 | October 28, 2023: $311,657") in doc.text


def test_layout_tables_stay_plain_rows() -> None:
    doc = load_source(str(FIXTURES / "BKE_8-K_2024-11-22.html"))
    assert not any(b.kind == "table" for b in doc.blocks)  # the cover page's grid
    assert "Common Stock, $0.01 par value | BKE | New York Stock Exchange" in doc.text
