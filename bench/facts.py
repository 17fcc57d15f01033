"""Facts read from the filings corpus and the Docugami 10-Q PDFs (ingest/facts.py): how many,
the share with a vocabulary line item, the share with a period (end date; fiscal label), the
share tagged in inline XBRL, and a random sample printed beside the table row it was read from,
to be checked by eye.

Each document is loaded and given its fiscal period and company as the ingest pipeline does;
nothing is embedded or stored.

    nice .venv/bin/python -m bench.facts [--filings DIR] [--pdfs DIR] [--sample 20] [--seed 17] [--misses N]
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from pathlib import Path

from bench.common import DEFAULT_FILINGS, DEFAULT_PDFS, show
from ingest.companies import fill_main_company
from ingest.documents import Document
from ingest.facts import Fact, extract_facts
from ingest.fiscal import fill_fiscal_period
from ingest.loaders import load_documents

_SUFFIXES = (".html", ".htm", ".pdf", ".txt")
_PRIMARY = {"income_statement", "balance_sheet", "cash_flows"}


def _documents(folder: Path) -> list[Document]:
    docs: list[Document] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in _SUFFIXES:
            continue
        for doc in load_documents(str(path)):
            if doc.kind in ("pdf", "sec"):
                fill_fiscal_period(doc.meta, doc.text)
                fill_main_company(doc.meta, doc.text)
            docs.append(doc)
    return docs


def _row_line(doc: Document, fact: Fact) -> str:
    """The line of the document text that holds the fact's row and figure."""
    for line in doc.text.splitlines():
        if line.startswith(fact.line_item) and fact.text in line:
            return line
    return "(row not found)"


def measure(name: str, docs: list[Document]) -> tuple[list[object], list[tuple[Document, Fact]]]:
    facts = [(doc, fact) for doc in docs for fact in extract_facts(doc, [])]
    n = len(facts)
    share = Counter[str]()
    in_statements = [f for _, f in facts if f.statement in _PRIMARY]
    for _, f in facts:
        share["line item"] += f.line_item_id is not None
        share["period end"] += f.period_end is not None
        share["fiscal label"] += f.fiscal_period is not None
        share["unit"] += f.unit is not None
        share["scale"] += f.scale is not None
        share["statement"] += f.statement is not None
        share["ixbrl"] += f.concept is not None
    with_facts = sum(1 for d in docs if any(b.figures or d.kind == "markdown" for b in d.blocks))
    row: list[object] = [name, len(docs), with_facts, n]
    row += [f"{share[k] / n:.3f}" if n else "-" for k in
            ("line item", "period end", "fiscal label", "unit", "scale", "statement", "ixbrl")]
    known = sum(f.line_item_id is not None for f in in_statements)
    row += [len(in_statements), f"{known / len(in_statements):.3f}" if in_statements else "-"]
    return row, facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=Path, default=DEFAULT_FILINGS)
    parser.add_argument("--pdfs", type=Path, default=DEFAULT_PDFS)
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--misses", type=int, default=0,
                        help="List this many most frequent statement row labels without a line item.")
    args = parser.parse_args()
    rows, everything = [], []
    for name, folder in (("filings", args.filings), ("docugami PDFs", args.pdfs)):
        row, facts = measure(name, _documents(folder))
        rows.append(row)
        everything += facts
    print(show("Facts", ["corpus", "documents", "with tables", "facts", "line item", "period end",
                         "fiscal label", "unit", "scale", "statement", "iXBRL",
                         "in 3 statements", "their line item"], rows))
    if args.misses:
        misses = Counter(f.line_item for _, f in everything
                         if f.statement in _PRIMARY and f.line_item_id is None)
        for label, count in misses.most_common(args.misses):
            print(f"{count:5d}  {label}")
    rng = random.Random(args.seed)
    for doc, f in rng.sample(everything, min(args.sample, len(everything))):
        print(f"\n{Path(doc.meta.source).name} p.{f.page} [{f.statement}] {f.line_item!r} "
              f"{f.parents} -> {f.line_item_id}\n  {f.header!r} -> {f.period_start}..{f.period_end} "
              f"{f.fiscal_period} | {f.value} {f.unit} {f.currency} x{f.scale} {f.concept or ''}\n"
              f"  row: {_row_line(doc, f)[:220]}")


if __name__ == "__main__":
    main()
