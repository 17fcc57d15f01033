"""How well the PDF cover-page reader fills company / ticker / form / period end.

    .venv/bin/python -m bench.pdf_cover            # the 20 docugami 10-Q PDFs + the MSFT 10-K PDFs
    .venv/bin/python -m bench.pdf_cover --pdfs DIR # another folder (files must be in EXPECTED)

Each PDF goes through the real loader (`ingest.loaders.load_source`, which calls
`ingest.loaders.pdf_cover.apply_cover`); its metadata is compared with the expected values below.
The `filed` column comes from EDGAR-style PDF titles, `label` from the pipeline's next step
(`ingest.fiscal.fill_fiscal_period`), both shown, not scored.
Expected period ends are the companies' fiscal quarter / year ends (Apple: last Saturday of the
quarter, Intel: Saturday nearest the quarter end, NVIDIA: last Sunday of the quarter, Amazon and
Microsoft: calendar month ends). Company names compare case-insensitively (covers print
'AMAZON.COM, INC.', the registrant's exact name in capitals).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.table import Table

from bench.common import DEFAULT_FILINGS, DEFAULT_PDFS, console
from ingest.fiscal import fill_fiscal_period
from ingest.loaders import load_source

NAMES = {
    "AAPL": "Apple Inc.",
    "AMZN": "Amazon.com, Inc.",
    "INTC": "Intel Corporation",
    "MSFT": "Microsoft Corporation",
    "NVDA": "NVIDIA Corporation",
}
PERIOD_ENDS = {
    "AAPL": {"2022 Q3": "2022-06-25", "2023 Q1": "2022-12-31", "2023 Q2": "2023-04-01",
             "2023 Q3": "2023-07-01"},
    "AMZN": {"2022 Q3": "2022-09-30", "2023 Q1": "2023-03-31", "2023 Q2": "2023-06-30",
             "2023 Q3": "2023-09-30"},
    "INTC": {"2022 Q3": "2022-10-01", "2023 Q1": "2023-04-01", "2023 Q2": "2023-07-01",
             "2023 Q3": "2023-09-30"},
    "MSFT": {"2022 Q3": "2022-09-30", "2023 Q1": "2022-12-31", "2023 Q2": "2023-03-31",
             "2023 Q3": "2023-09-30"},
    "NVDA": {"2022 Q3": "2022-10-30", "2023 Q1": "2023-04-30", "2023 Q2": "2023-07-30",
             "2023 Q3": "2023-10-29"},
}
# file name -> (company, ticker, form, period_end)
EXPECTED: dict[str, tuple[str, str, str, str]] = {
    f"{label} {ticker}.pdf": (NAMES[ticker], ticker, "10-Q", end)
    for ticker, ends in PERIOD_ENDS.items()
    for label, end in ends.items()
}
EXPECTED["MSFT_10-K_FY2022.pdf"] = (NAMES["MSFT"], "MSFT", "10-K", "2022-06-30")
EXPECTED["MSFT_10-K_FY2023.pdf"] = (NAMES["MSFT"], "MSFT", "10-K", "2023-06-30")
FIELDS = ("company", "ticker", "form", "period_end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--pdfs", type=Path, nargs="*", default=[DEFAULT_PDFS, DEFAULT_FILINGS])
    args = parser.parse_args()
    files = sorted(p for folder in args.pdfs for p in folder.glob("*.pdf") if p.name in EXPECTED)
    if not files:
        sys.exit(f"no known PDFs under {', '.join(map(str, args.pdfs))}")
    table = Table("file", *FIELDS, "filed", "label", title="PDF cover metadata (x = wrong or missing)")
    right = dict.fromkeys(FIELDS, 0)
    for path in files:
        doc = load_source(str(path))
        meta = doc.meta
        cells = []
        for name, want in zip(FIELDS, EXPECTED[path.name], strict=True):
            got = getattr(meta, name) or ""
            ok = got.casefold() == want.casefold()
            right[name] += ok
            cells.append(got if ok else f"[red]x {got or '-'}[/red] (want {want})")
        fill_fiscal_period(meta, doc.text)  # what the pipeline does next: the fiscal label
        table.add_row(path.name, *cells, meta.filed or "-", meta.period or "-")
    console.print(table)
    n = len(files)
    console.print("  ".join(f"{name} {right[name]}/{n}" for name in FIELDS))


if __name__ == "__main__":
    main()
