"""Article extraction quality on the shared news corpus: word-level F1 per page, keep/drop snippets.

    .venv/bin/python -m bench.articles                 # prints the tables, rewrites the section
    .venv/bin/python -m bench.articles --no-write      # prints only

Every page of --corpus (default /work/shared/corpus/articles) is loaded with Dossier's own loader
(`ingest.loaders.load_source`, trafilatura precision-first). Pages with an `*.expected.txt` gold
(newspaper3k's test pages) are scored by word-level F1 (lower-cased \\w+ tokens, multiset
overlap); the trafilatura evaluation pages by their snippets: each "with" snippet must be in the
text (keep), each "without" snippet must not (drop). Metadata is compared with the gold where the
gold gives it. Results go to the `<!-- eval:articles -->` section of docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import logging
import re
import sys
from collections import Counter
from importlib.metadata import version
from pathlib import Path

from assistant.evaluation import report
from bench.common import command, show
from ingest.documents import Document
from ingest.loaders import load_source

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "evaluation.md"
DEFAULT_CORPUS = Path("/work/shared/corpus/articles")
TARGET_F1 = 0.9


def word_f1(predicted: str, expected: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of the lower-cased word multisets."""
    got = Counter(re.findall(r"\w+", predicted.lower()))
    want = Counter(re.findall(r"\w+", expected.lower()))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def manifest(corpus: Path) -> dict[str, str]:
    path = corpus / "MANIFEST.tsv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as f:
        return {row["file"]: row.get("what", "") for row in csv.DictReader(f, delimiter="\t")}


def meta_cell(doc: Document) -> str:
    m = doc.meta
    parts = [m.published or "no date", m.author or "no author", m.language or "?"]
    if m.ticker:
        parts.append(m.ticker)
    return "; ".join(parts).replace("|", "/")


def f1_rows(corpus: Path, what: dict[str, str]) -> tuple[list[list[object]], list[str]]:
    rows: list[list[object]] = []
    below: list[str] = []
    for gold in sorted(corpus.glob("*.expected.txt")):
        page = corpus / gold.name.replace(".expected.txt", ".html")
        doc = load_source(str(page))
        precision, recall, f1 = word_f1(doc.text, gold.read_text(encoding="utf-8"))
        finance = "non-finance" not in what.get(page.name, "")
        ok = f1 >= TARGET_F1
        if finance and not ok:
            below.append(page.name)
        rows.append([page.name, "yes" if finance else "control", f"{precision:.3f}", f"{recall:.3f}",
                     f"{f1:.3f}", "pass" if ok else "below", meta_cell(doc)])
    return rows, below


def snippet_rows(corpus: Path) -> tuple[list[list[object]], tuple[int, int, int, int], list[str]]:
    gold_path = corpus / "trafilatura_evaldata_subset.json"
    if not gold_path.exists():
        return [], (0, 0, 0, 0), []
    rows: list[list[object]] = []
    misses: list[str] = []
    kept = keep_total = dropped = drop_total = 0
    for gold in json.loads(gold_path.read_text(encoding="utf-8")).values():
        page = corpus / f"trafilatura_{gold['file']}"
        doc = load_source(str(page))
        keep = [s in doc.text for s in gold.get("with", [])]
        misses += [f"{page.name}: kept '{s}' not found" + (" (it is the page title, kept as metadata)"
                                                           if s == doc.meta.title else "")
                   for s in gold.get("with", []) if s not in doc.text]
        misses += [f"{page.name}: dropped '{s}' found" for s in gold.get("without", []) if s in doc.text]
        drop = [s not in doc.text for s in gold.get("without", [])]
        kept, keep_total = kept + sum(keep), keep_total + len(keep)
        dropped, drop_total = dropped + sum(drop), drop_total + len(drop)
        checks = []
        for field, got in (("date", doc.meta.published), ("author", doc.meta.author),
                           ("title", doc.meta.title)):
            if gold.get(field):
                checks.append(f"{field} {'ok' if got == gold[field] else repr(got)}")
        rows.append([page.name, f"{sum(keep)}/{len(keep)}", f"{sum(drop)}/{len(drop)}",
                     "; ".join(checks).replace("|", "/") or "-", meta_cell(doc)])
    return rows, (kept, keep_total, dropped, drop_total), misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-write", action="store_true", help="Print only; leave the docs alone.")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"error: {args.corpus} is not a folder; pass --corpus with the article pages")
    logging.getLogger("ingest.loaders").setLevel(logging.ERROR)
    what = manifest(args.corpus)
    f1, below = f1_rows(args.corpus, what)
    snippets, (kept, keep_total, dropped, drop_total), misses = snippet_rows(args.corpus)
    finance = [float(str(r[4])) for r in f1 if r[1] == "yes"]
    table1 = show("Word-level F1 against the expected article text",
                  ["page", "finance", "precision", "recall", "F1", f"F1 ≥ {TARGET_F1}",
                   "published; author; language; ticker"], f1)
    table2 = show("Keep / drop snippets (trafilatura evaluation pages)",
                  ["page", "keep", "drop", "metadata vs gold", "published; author; language; ticker"],
                  snippets)
    body = [
        "## News article extraction (shared article corpus)",
        "",
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; trafilatura {version('trafilatura')}",
        f"- Command (from the repository root): `{command()}`",
        "- Loader: `ingest.loaders.load_source` (trafilatura `bare_extraction`, favor_precision, "
        "comments off, tables on; a default extraction when precision finds under 200 characters; "
        "a trailing furniture section such as 'Trending On Reuters' dropped).",
        "- F1: lower-cased `\\w+` tokens of the extracted text against the page's `*.expected.txt` "
        "(newspaper3k's gold), multiset overlap. Keep: a 'with' snippet of trafilatura's gold is "
        "in the text; drop: a 'without' snippet is not.",
        "",
        table1,
        "",
        table2,
        "",
        f"Finance pages: {len(finance) - len(below)} of {len(finance)} at F1 ≥ {TARGET_F1} "
        f"(mean {sum(finance) / max(1, len(finance)):.3f}, lowest {min(finance, default=0):.3f})"
        + (f"; below: {', '.join(below)}." if below else ".")
        + f" Snippets: {kept}/{keep_total} kept, {dropped}/{drop_total} dropped"
        + (f" (missed: {'; '.join(misses)})." if misses else "."),
    ]
    text = "\n".join(body)
    if not args.no_write:
        report.write_section(DOC, "articles", text)
        print(f"wrote the articles section of {DOC}")


if __name__ == "__main__":
    main()
