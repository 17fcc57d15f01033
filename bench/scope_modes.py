"""Boost or filter: what an uncertain company match should do to the search, measured.

    .venv/bin/python -m bench.scope_modes ROWS.json STORE [--all-uncertain]

ROWS.json is the `--out` of a `dossier eval` run (its questions and gold documents and pages);
STORE the Dossier store that run searched (`<--store>/dossier`). Every question is searched (top
10, search only, no answers) with DOSSIER_UNCERTAIN_SCOPE=filter and =boost; with
--all-uncertain every company match is taken as uncertain, so that the two settings differ on
every scoped question, not only on the few matched without certainty. Prints document (and,
where the data set has them, page) hit@1/@5/@10 and MRR for each setting, and for Docugami's
single-document questions on their own.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import assistant.company_match as company_match
from assistant import Assistant
from assistant.evaluation.metrics import doc_matches


def _rank(passages: Sequence[Any], row: dict[str, Any], pages: bool) -> int | None:
    for i, passage in enumerate(passages, start=1):
        if not any(doc_matches(passage.source, gold) for gold in row["gold_docs"]):
            continue
        if not pages or passage.page is not None and passage.page - 1 in row["gold_pages"]:
            return i  # FinanceBench's pages are 0-based, Dossier's 1-based
    return None


def _figures(ranks: Sequence[int | None]) -> str:
    n = len(ranks)
    hits = [sum(1 for r in ranks if r is not None and r <= k) / n for k in (1, 5, 10)]
    mrr = sum(1 / r for r in ranks if r) / n
    return "hit@1 {:.3f} hit@5 {:.3f} hit@10 {:.3f} MRR {:.3f}".format(*hits, mrr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=Path)
    parser.add_argument("store", type=Path)
    parser.add_argument("--all-uncertain", action="store_true")
    args = parser.parse_args()
    rows = json.loads(args.rows.read_text())["rows"]
    if args.all_uncertain:
        company_match.SURE_SCORE = 101.0
    paged = any(row.get("gold_pages") for row in rows)
    for mode in ("filter", "boost"):
        with Assistant(home=args.store, retrieval={"uncertain_scope": mode, "k": 10}) as assistant:
            start = time.perf_counter()
            results = [assistant.search(row["question"], k=10) for row in rows]
            seconds = time.perf_counter() - start
        modes = [r.scope.mode if r.scope else "unscoped" for r in results]
        print(f"{mode}: scopes {dict((m, modes.count(m)) for m in sorted(set(modes)))}; {seconds:.1f} s")
        doc_ranks = [_rank(r, row, False) for r, row in zip(results, rows, strict=True)]
        print(f"  documents: {_figures(doc_ranks)}")
        single = [rank for rank, row in zip(doc_ranks, rows, strict=True)
                  if "Single-Doc" in (row.get("kind") or "")]
        if single:  # Docugami's questions about one filing
            print(f"  single-document: {_figures(single)}")
        if paged:
            page_ranks = [_rank(r, row, True) for r, row in zip(results, rows, strict=True)]
            print(f"  pages:     {_figures(page_ranks)}")


if __name__ == "__main__":
    main()
