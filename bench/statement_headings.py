"""Statement/section labels (ingest.finance.statement_for) against hand-labelled headings.

Headings are found in each filing's extracted text with no help from the vocabulary: a line of
at most 16 words that does not end like a sentence, with most of its longer words capitalised,
that mentions a statement, notes, segments, MD&A, risk factors, market risk, cash flows or
financial data. Table-of-contents page numbers are dropped and each heading is counted once
across the corpus. Gold: bench/data/statement_headings.tsv, one label per heading ("-" where the
heading names no statement or section of the vocabulary), labelled by hand from what the heading
names. A heading found but missing from the gold is listed and not counted.

    .venv/bin/python -m bench.statement_headings [--filings DIR] [--misses]
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

from bench.common import DEFAULT_FILINGS
from ingest.finance import statement_for
from ingest.loaders import load_documents

GOLD = Path(__file__).resolve().parent / "data" / "statement_headings.tsv"
_TOPIC = re.compile(
    r"statements?\b|balance sheets?|notes? to|segments?\b|discussion and analysis|risk factors|market risk|"
    r"financial data|cash flows?\b|financial position|financial condition|operating and financial review",
    re.IGNORECASE)
_PAGE_SUFFIX = re.compile(r"\s*\|\s*(?:Page:?\s*)?\d*\s*$")
_SUFFIXES = (".html", ".htm", ".pdf", ".txt")


def _title_like(line: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z\u2019']+", line) if len(w) >= 4]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) >= 0.75


def headings_in(text: str) -> list[str]:
    """Heading-like lines of a filing's text that mention a statement or section topic."""
    found: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line or len(line) > 130 or len(line.split()) > 16 or line.endswith((".", ",", ";")):
            continue
        line = _PAGE_SUFFIX.sub("", line).replace(" | ", " ")
        if _TOPIC.search(line) and _title_like(line):
            found.append(line)
    return found


def key(heading: str) -> str:
    return re.sub(r"[^a-z]", "", heading.lower())


def corpus_headings(folder: Path) -> dict[str, str]:
    """Each distinct heading of the folder's filings (by letters only), with the first filing it is in."""
    headings: dict[str, str] = {}
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in _SUFFIXES):
        for doc in load_documents(str(path)):
            for heading in headings_in(doc.text):
                headings.setdefault(key(heading), heading)
    return headings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=Path, default=DEFAULT_FILINGS)
    parser.add_argument("--misses", action="store_true", help="list the headings labelled wrong")
    args = parser.parse_args(argv)
    with GOLD.open(encoding="utf-8", newline="") as handle:
        gold = {key(row["heading"]): row["statement"] for row in csv.DictReader(handle, delimiter="\t")}
    found = corpus_headings(args.filings)
    scored = [(h, gold[k]) for k, h in found.items() if k in gold]
    unlabelled = [h for k, h in found.items() if k not in gold]
    misses = []
    for heading, expected in scored:
        statement = statement_for(heading)
        got = statement.id if statement else "-"
        if got != expected:
            misses.append((heading, expected, got))
    right = len(scored) - len(misses)
    print(f"statement_for on {len(scored)} headings of {args.filings}: {right} / {len(scored)} = "
          f"{right / max(len(scored), 1):.1%} labelled right; {len(unlabelled)} found without gold")
    if args.misses:
        for heading, expected, got in misses:
            print(f"  {heading!r}: gold {expected}, got {got}")
        for heading in unlabelled:
            print(f"  no gold: {heading!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
