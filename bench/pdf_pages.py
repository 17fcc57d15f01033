"""How many PDF pages lose running headers, footers and page numbers at ingest, and how many get a
printed page number (from the PDF's page labels or its footer).

    nice .venv/bin/python -m bench.pdf_pages                  # the MSFT 10-K PDFs + 20 docugami 10-Qs
    nice .venv/bin/python -m bench.pdf_pages --pdfs DIR ...   # other folders

Furniture is found with the functions the loader calls (`ingest.loaders.pdf_furniture`); a page
counts as cleaned when none of its furniture lines is left in the text the real loader
(`ingest.loaders.load_source`) returns (a line inside a table's caption is kept); printed page
numbers are read from that loader's blocks.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium

from bench.common import DEFAULT_FILINGS, DEFAULT_PDFS, show
from ingest.loaders import load_source
from ingest.loaders.pdf_furniture import BandLine, Furniture, band_lines, find_furniture, furniture_key


def furniture_of(path: Path) -> tuple[int, Furniture]:
    """The PDF's page count and the furniture found on its pages."""
    pdf = pdfium.PdfDocument(path)
    try:
        bands: list[list[BandLine]] = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            bands.append(band_lines(textpage, textpage.get_text_range(), page.get_height()))
            textpage.close()
            page.close()
        return len(pdf), find_furniture(bands)
    finally:
        pdf.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdfs", type=Path, nargs="*", default=[DEFAULT_FILINGS, DEFAULT_PDFS])
    args = parser.parse_args()
    files = sorted(p for folder in args.pdfs for p in folder.glob("*.pdf"))
    rows: list[list[object]] = []
    totals = Counter[str]()
    for path in files:
        pages, furniture = furniture_of(path)
        doc = load_source(str(path))
        printed = {b.page for b in doc.blocks if b.printed_page}
        differs = {b.page for b in doc.blocks if b.printed_page and b.printed_page != str(b.page)}
        page_lines: dict[int, set[str]] = {}
        for b in doc.blocks:
            lines = doc.text[b.start : b.end].split("\n")
            page_lines.setdefault(b.page or 0, set()).update(" ".join(line.split()) for line in lines)
        kept = sum(1 for index, lines in enumerate(furniture.lines)
                   if {line.text for line in lines} & page_lines.get(index + 1, set()))
        kinds = Counter(furniture_key(line.text) for lines in furniture.lines for line in lines)
        common = ", ".join(f"'{key}' x{n}" for key, n in kinds.most_common(2))
        found = furniture.pages_with_furniture
        rows.append([path.name, pages, found, found - kept, len(printed), len(differs), common])
        totals.update(pages=pages, found=found, removed=found - kept, printed=len(printed),
                      differs=len(differs))
    rows.append([f"all {len(files)} PDFs", totals["pages"], totals["found"], totals["removed"],
                 totals["printed"], totals["differs"], ""])
    show("PDF page furniture and printed page numbers",
         ["PDF", "pages", "furniture found", "all of it removed", "printed page",
          "printed ≠ PDF page", "most found (digits as #)"], rows)


if __name__ == "__main__":
    main()
