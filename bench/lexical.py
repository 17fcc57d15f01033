"""The lexical index's cost as the store grows: SQLite FTS5 in the registry vs the bm25s index
it replaced (rebuilt from every chunk text after each ingest batch).

    nice -n 10 .venv/bin/python -m bench.lexical --sizes 20000,100000

Passages as bench/scale.py makes them (the seed store's real chunks, varied copies). For each
size: bm25s's full build (what each ingest batch cost before) and its query time; FTS5's cost
to add one more 300-passage filing to a registry already holding the rest (what each document
costs now) and its query time, unscoped and scoped to one filing. Queries: docugami questions.
Results go to the `lexical` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench import common
from bench.common import p50_p95, timed_ms
from bench.scale_passages import Seed, load_seed, synthetic_filing
from ingest.lexical import LexicalIndex
from ingest.registry import Registry


def bm25s_figures(texts: list[str], questions: list[str]) -> tuple[float, tuple[float, float]]:
    """(seconds to build, query p50/p95 ms) for the bm25s index Dossier used before FTS5."""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    start = time.perf_counter()
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    build_s = time.perf_counter() - start

    def query(q: str) -> object:
        words = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, return_ids=False,
                               show_progress=False)[0]
        words = [w for w in words if w in retriever.vocab_dict]
        return retriever.get_scores(words) if words else None

    return build_s, p50_p95(timed_ms(query, questions))


def fts5_figures(seed: Seed, size: int, per_filing: int, questions: list[str],
                 folder: Path) -> dict[str, Any]:
    """FTS5: a registry grown to `size` passages, then one more filing timed, then queries."""
    registry = Registry(folder / f"registry-{size}.sqlite3")
    rng = np.random.default_rng(0)
    filings = size // per_filing
    start = time.perf_counter()
    for n in range(filings):
        filing = synthetic_filing(n, seed, per_filing, 20, rng)
        registry.put_document(filing.doc, filing.chunks)
    grow_s = time.perf_counter() - start
    extra = synthetic_filing(filings, seed, per_filing, 20, rng)
    start = time.perf_counter()
    registry.put_document(extra.doc, extra.chunks)
    add_s = time.perf_counter() - start
    index = LexicalIndex(registry)
    scoped = {extra.doc.doc_id}
    out = {"grow_s": grow_s, "add_s": add_s,
           "query": p50_p95(timed_ms(lambda q: index.search(q, 40), questions)),
           "scoped": p50_p95(timed_ms(lambda q: index.search(q, 40, scoped), questions))}
    start = time.perf_counter()
    registry.delete_document(extra.doc.doc_id)
    out["delete_s"] = time.perf_counter() - start
    registry.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--seed-store", type=Path, default=Path("/tmp/dossier-scale-seed"))
    parser.add_argument("--seed-docs", type=Path, default=common.DEFAULT_PDFS)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--passages-per-filing", type=int, default=300)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    header = common.machine_lines()
    seed = load_seed(args.seed_store, args.seed_docs)
    questions = common.question_texts(common.DEFAULT_QUESTIONS)[: args.queries]
    rows = []
    with tempfile.TemporaryDirectory(prefix="dossier-lexical-") as tmp:
        for size in sorted(int(s) for s in args.sizes.split(",")):
            fts = fts5_figures(seed, size, args.passages_per_filing, questions, Path(tmp))
            rng = np.random.default_rng(0)
            texts = [c.text for n in range(size // args.passages_per_filing + 1)
                     for c in synthetic_filing(n, seed, args.passages_per_filing, 20, rng).chunks]
            build_s, query = bm25s_figures(texts, questions)
            rows.append([f"{size:,}", f"{build_s:.1f}", f"{query[0]:.0f} / {query[1]:.0f}",
                         f"{fts['add_s']:.3f}", f"{fts['delete_s']:.3f}",
                         f"{fts['query'][0]:.0f} / {fts['query'][1]:.0f}",
                         f"{fts['scoped'][0]:.0f} / {fts['scoped'][1]:.0f}",
                         f"{fts['grow_s']:.0f}"])
            common.console.print(rows[-1])
    table = common.show(
        "bm25s (rebuilt per batch) vs FTS5 (in the registry): seconds, query p50 / p95 ms (k 40)",
        ["passages", "bm25s build, s", "bm25s query", "FTS5 add one filing, s",
         "FTS5 delete it, s", "FTS5 query", "FTS5 query, one filing", "FTS5 grow (all filings), s"],
        rows)
    body = "\n".join([*common.dated_lines(header),
                      f"- Passages: {len(seed.texts):,} real chunks, varied copies (bench/scale.py); "
                      f"filings of {args.passages_per_filing}; the first {len(questions)} docugami "
                      "questions", "", table])
    if not args.no_write:
        common.write_section("lexical", body)


if __name__ == "__main__":
    main()
