"""How long the cited page takes to show: `assistant.page_view.view_pdf_page` on every page of a
few PDFs, cold (rendered into an empty cache, the quote located and boxed) and cached (the same
call again: the PNG is read back, the quote located again), at the chat's width; wall time, and
in brackets the CPU time, which a busy machine inflates less.

    nice python -m bench.page_view                       # the Apple 10-Q fixture + the largest
                                                         # Docugami 10-Q PDF
    nice python -m bench.page_view --pdfs a.pdf b.pdf    # other PDFs
    nice python -m bench.page_view --width 800 --write   # another width; into docs/benchmarks.md

The quote on each page is 200 characters from the middle of the page's text, so each call also
pays for finding and boxing a quote of a few lines.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pypdfium2 as pdfium

from assistant.page_view import DEFAULT_WIDTH, PageView, view_pdf_page
from bench.common import DEFAULT_PDFS, REPO, machine_lines, percentile, show, write_section

APPLE = REPO / "tests" / "fixtures" / "AAPL_10-Q_2023-Q2.pdf"


def default_pdfs() -> list[Path]:
    """The Apple 10-Q fixture and the largest Docugami 10-Q (the most pages to render)."""
    docugami = sorted(DEFAULT_PDFS.glob("*.pdf"), key=lambda p: p.stat().st_size)[-1:] if (
        DEFAULT_PDFS.is_dir()) else []
    return [APPLE, *docugami]


def page_quotes(path: Path) -> list[str]:
    """Per page, 200 characters from the middle of its text ('' for a page without text)."""
    pdf = pdfium.PdfDocument(path)
    quotes = []
    for index in range(len(pdf)):
        text = " ".join(pdf[index].get_textpage().get_text_range().split())
        middle = len(text) // 2
        quotes.append(text[max(0, middle - 100): middle + 100])
    pdf.close()
    return quotes


def timed(call: Callable[[], PageView]) -> tuple[PageView, float, float]:
    """`call`'s result, wall seconds and CPU seconds (which a busy machine inflates less)."""
    wall, cpu = time.perf_counter(), time.process_time()
    view = call()
    return view, time.perf_counter() - wall, time.process_time() - cpu


def measure(path: Path, width: int) -> dict[str, object]:
    cold: list[float] = []
    cold_cpu: list[float] = []
    cached: list[float] = []
    cached_cpu: list[float] = []
    found = sizes = 0
    with tempfile.TemporaryDirectory(prefix="dossier-page-view-") as cache:
        for page, quote in enumerate(page_quotes(path), 1):
            call = partial(view_pdf_page, path, page, quote, cache_dir=Path(cache), width=width)
            view, wall, cpu = timed(call)
            cold.append(wall)
            cold_cpu.append(cpu)
            _, wall, cpu = timed(call)
            cached.append(wall)
            cached_cpu.append(cpu)
            found += (view.found and not view.partial) or not quote
            sizes += view.image_path.stat().st_size
    ms = 1000.0
    return {
        "pdf": path.name, "pages": len(cold),
        "cold median ms (CPU)": f"{statistics.median(cold) * ms:.0f} "
                                f"({statistics.median(cold_cpu) * ms:.0f})",
        "cold p90 ms": f"{percentile(cold, 90) * ms:.0f}",
        "cold max ms": f"{max(cold) * ms:.0f}",
        "cached median ms (CPU)": f"{statistics.median(cached) * ms:.1f} "
                                  f"({statistics.median(cached_cpu) * ms:.1f})",
        "cached p90 ms": f"{percentile(cached, 90) * ms:.1f}",
        "quote found": f"{found}/{len(cold)}",
        "PNG KB/page": f"{sizes / len(cold) / 1024:.0f}",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdfs", nargs="+", type=Path, default=None)
    parser.add_argument("--width", type=int, default=DEFAULT_WIDTH, help="image width, pixels")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md's section")
    args = parser.parse_args(argv)
    rows = [measure(path, args.width) for path in args.pdfs or default_pdfs()]
    headers = list(rows[0])
    table = show(f"Cited page view at {args.width} px, per page", headers,
                 [[row[h] for h in headers] for row in rows])
    if args.write:
        body = "\n".join(["## Cited page view", "", "`nice python -m bench.page_view`", "",
                          table, "", *machine_lines()])
        write_section("page_view", body)


if __name__ == "__main__":
    main()
