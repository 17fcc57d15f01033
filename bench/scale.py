"""Dossier at 100k and 1M passages: search, ask, adding a filing, a restart, memory and disk.

    nice -n 10 .venv/bin/python -m bench.scale --sizes 100000,1000000
    nice -n 10 .venv/bin/python -m bench.scale --sizes 2000,5000 --queries 10 --no-write  # quick

Grows one store to each size in turn. Its passages are real: the chunks of a seed store (the
docugami 10-Q PDFs, ingested by Dossier, or --seed-store), cycled, each copy varied so that no
two are alike (the synthetic filing's company name in front, every number shifted by the copy's
number). Their vectors are the seed chunks' real MiniLM vectors, perturbed for each copy (unit
noise of norm 0.1, renormalised: cosine about 0.995 to the original), so the run does not
embed a million texts; questions are embedded by the real model. The store is written through
`Store.plan_write` / `finish_write`, the ingest's own write path (journal, Chroma, registry with
its FTS5 rows), one synthetic filing of --passages-per-filing passages at a time, in companies of
--filings-per-company filings.

At each size, in one run: search p50/p95 (dense, BM25, fused; unscoped, scoped to one company,
scoped to one filing), the two ways of scoping a dense search (document-id list vs indexed
company metadata), HNSW recall@10 against exact search on a sample of questions, ask p50/p95
(extractive), the time and peak memory of adding one real filing (--filing, default a 116-page
10-K PDF) in a fresh process vs into an empty store, a kill between Chroma's write and the
commit point then a rerun (the store checked to equal a clean add), deleting the filing again,
opening the store and answering a first question in a fresh process, RSS and disk. Results go to
the `scale` section of docs/benchmarks.md and docs/scale.png.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench import common
from bench.common import REPO, console
from bench.scale_passages import NOISE, Grower, Seed, load_seed
from bench.scale_processes import child, doc_id_of, measure_processes, opened, run_child
from bench.scale_report import SizeResult, plot, tables

DEFAULT_FILING = common.DEFAULT_FILINGS / "MSFT_10-K_FY2022.pdf"
PLOT = REPO / "docs" / "scale.png"
FUSIONS = ("dense", "bm25", "rrf")


# memory --------------------------------------------------------------------------------------
def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# one size ----------------------------------------------------------------------------------------
def dense_where(store: Any, where: dict[str, Any] | None, vector: np.ndarray) -> object:
    return store.dense_search(vector, 40, where)


def dense_within(store: Any, doc_ids: list[str], vector: np.ndarray) -> object:
    return store.dense_search_in(vector, 40, doc_ids)


def exact_within(store: Any, doc_ids: list[str], vector: np.ndarray) -> object:
    return store.exact_search_in(vector, 40, doc_ids)


def search_one(searcher: Any, filters: Any, question: str) -> object:
    return searcher.search(question, 10, filters)


def measure_reads(assistant: Any, grower: Grower, questions: list[str],
                  args: argparse.Namespace) -> SizeResult:
    """Search, scoping, recall and ask on the open store."""
    from assistant.models import Filters
    from assistant.retrieval import HybridSearcher

    store = assistant.store
    result = SizeResult(passages=store.count_chunks(), grow_s=0.0)
    middle = grower.filings // 2
    company, filing_id = grower.companies[middle], grower.doc_ids[middle]
    company_docs = [d for d, c in zip(grower.doc_ids, grower.companies, strict=True) if c == company]
    scopes = {"all": None, "company": Filters(company=company), "filing": Filters(doc_ids=[filing_id])}
    for fusion in FUSIONS:
        searcher = HybridSearcher(store, fusion=fusion)
        for scope, filters in scopes.items():
            searcher.search(questions[0], 10, filters)  # warm
            result.search[f"{fusion} {scope}"] = common.p50_p95(
                common.timed_ms(functools.partial(search_one, searcher, filters), questions))
    # scoping a dense search: the id list the searcher passes vs Chroma's metadata index
    vectors = store.embedder.embed(questions)
    wheres: dict[str, dict[str, Any] | None] = {
        "company: doc_id $in its filings' ids": {"doc_id": {"$in": company_docs}},
        "company: company $eq": {"company": company},
        "filing: doc_id $in 1 id": {"doc_id": {"$in": [filing_id]}},
        "filing: doc_id $eq": {"doc_id": filing_id},
        "unscoped": None,
    }
    searches: dict[str, Callable[[np.ndarray], object]] = {
        label: functools.partial(dense_where, store, where) for label, where in wheres.items()}
    searches["company: exact over its chunks' cached vectors (registry first)"] = \
        functools.partial(exact_within, store, company_docs)
    searches["filing: exact over its chunks' cached vectors (registry first)"] = \
        functools.partial(exact_within, store, [filing_id])
    searches["company: Dossier's choice (exact up to 1/20 of the store)"] = \
        functools.partial(dense_within, store, company_docs)
    for label, search in searches.items():
        ms = []
        for v in vectors:
            start = time.perf_counter()
            search(v)
            ms.append((time.perf_counter() - start) * 1000)
        result.scoping[label] = common.p50_p95(ms)
    result.ask = common.p50_p95(common.timed_ms(lambda q: assistant.ask(q, mode="extractive"),
                                  questions[: args.asks]))
    result.rss_mib = rss_mib()
    return result


def exact_top10(grower: Grower, queries: np.ndarray) -> list[set[str]]:
    """Each query's 10 nearest stored passages by exact cosine over every stored vector."""
    exact = []
    for q in queries:
        scores = np.concatenate([grower.vectors[i : i + 200_000].astype(np.float32) @ q
                                 for i in range(0, len(grower.vectors), 200_000)])
        exact.append({grower.ids[i] for i in np.argpartition(-scores, 10)[:10]})
    return exact


def hnsw_recall(home: Path, exact: list[set[str]], queries: np.ndarray) -> dict[int, float]:
    """recall@10 of Chroma's HNSW against exact search, at several ef_search values, each in a
    store opened afresh with it (Chroma applies a changed ef_search only to an index it loads
    after the change; the last value is Dossier's default, which the store keeps)."""
    from assistant.config import StoreSettings

    default = StoreSettings.model_fields["hnsw_ef_search"].default
    out: dict[int, float] = {}
    for ef in sorted({50, 100, default}):
        with opened(home, store={"hnsw_ef_search": ef}) as assistant:
            found = [{cid for cid, _ in assistant.store.dense_search(q, 10)} for q in queries]
        out[ef] = round(float(np.mean([len(f & e) / 10 for f, e in zip(found, exact,
                                                                        strict=True)])), 3)
    return out


# main ------------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="passages, comma-separated")
    parser.add_argument("--seed-docs", type=Path, default=common.DEFAULT_PDFS,
                        help="real documents whose chunks and vectors the passages reuse")
    parser.add_argument("--seed-store", type=Path, default=Path("/tmp/dossier-scale-seed"),
                        help="store of --seed-docs (built when empty, reused)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the grown store lives (default: a new temporary folder)")
    parser.add_argument("--filing", type=Path, default=DEFAULT_FILING,
                        help="the real filing added at each size")
    parser.add_argument("--questions", type=Path, default=common.DEFAULT_QUESTIONS)
    parser.add_argument("--queries", type=int, default=40, help="searches timed per cell")
    parser.add_argument("--asks", type=int, default=10, help="asks timed per size")
    parser.add_argument("--recall-queries", type=int, default=40)
    parser.add_argument("--passages-per-filing", type=int, default=300)
    parser.add_argument("--filings-per-company", type=int, default=20)
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/")
    parser.add_argument("--section", default="scale",
                        help="the docs/benchmarks.md section written (the plot only for 'scale')")
    parser.add_argument("--keep", action="store_true", help="keep the grown store")
    parser.add_argument("--add-only", action="store_true",
                        help="only time adding --filing: an empty store vs a kept --workdir's")
    parser.add_argument("--child", choices=["add", "first"], help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--question", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


def add_only(args: argparse.Namespace) -> None:
    """Adding the filing in a fresh process, Chroma's index load timed apart: into an empty
    store (embedding it, then again with its vectors cached) and into the store a kept
    --workdir holds (its vectors cached there by the run that grew it)."""
    assert args.workdir, "--add-only needs the --workdir of a kept run"
    empty = args.workdir / "add-empty" / "home"
    shutil.rmtree(empty.parent, ignore_errors=True)
    grown = args.workdir / "store" / "home"
    with opened(grown) as assistant:
        passages = assistant.store.registry.chunk_total()
    adds = {"empty store, embedding it": child("add", empty, "--filing", str(args.filing))}
    for label, home in (("empty store, vectors cached", empty),
                        (f"{passages:,} passages, vectors cached", grown)):
        if label.startswith("empty"):
            with opened(home) as assistant, assistant.store.writer():
                assistant.store.delete(doc_id_of(args.filing))
        adds[label] = child("add", home, "--filing", str(args.filing))
        with opened(home) as assistant, assistant.store.writer():
            assistant.store.delete(doc_id_of(args.filing))
    rows = [[label, f"{a['index_load_s']:.2f}", f"{a['add_s']:.2f}", f"{a['embed_s']:.2f}",
             f"{a['max_rss_mib']:.0f}"] for label, a in adds.items()]
    body = "\n".join([
        f"## Adding a filing at {passages:,} passages, Chroma's index load apart", "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", *common.machine_lines(),
        f"- Command: `python -m bench.scale --add-only --workdir {args.workdir}` (the store a "
        "kept run grew); the filing: " + args.filing.name + ", each add in a fresh process",
        "",
        common.show("Adding the filing", ["store", "load Chroma's index, s", "add, s",
                                          "of which embedding, s", "peak RSS, MiB"], rows),
    ])
    if not args.no_write:
        common.write_section("scale-add", body)


def measure_size(size: int, home: Path, grower: Grower | None, seed: Seed, questions: list[str],
                 args: argparse.Namespace, clean_ids: list[str]) -> tuple[SizeResult, Grower]:
    """Grow the store to `size` passages, then every measure at that size."""
    console.print(f"growing to {size:,} passages")
    with opened(home, retrieval={"auto_scope": False}) as assistant:
        grower = grower or Grower(assistant.store, seed, args)
        grower.store = assistant.store
        reused_before = grower.reused
        grow_s = grower.grow_to(size)
        held = assistant.store.registry.chunk_total()
        if held > grower.filings * args.passages_per_filing:
            raise SystemExit(f"{home} holds {held:,} passages, more than the size "
                             f"{size:,}: give sizes from {held:,} up, or a new --workdir")
        result = measure_reads(assistant, grower, questions, args)
        queries = assistant.store.embedder.embed(questions[: args.recall_queries])
    result.grow_s = grow_s
    result.reused = grower.reused - reused_before
    result.recall = hnsw_recall(home, exact_top10(grower, queries), queries)
    measure_processes(result, home, questions, args, clean_ids)
    console.print(result)
    return result, grower


def report_body(results: list[SizeResult], seed: Seed, questions: list[str], header: list[str],
                args: argparse.Namespace, empty_add: dict[str, Any],
                empty_first: dict[str, Any]) -> str:
    return "\n".join([
        "## Scale: " + ", ".join(f"{r.passages:,}" for r in results) + " passages", "",
        *common.dated_lines(header),
        f"- Passages: the {len(seed.texts):,} chunks of {args.seed_docs} (real text, real "
        f"MiniLM vectors), reused in synthetic filings of {args.passages_per_filing} "
        f"passages, {args.filings_per_company} filings per company; each copy's text varied "
        f"(company name in front, numbers shifted) and its vector the real one plus noise of "
        f"norm {NOISE} (renormalised). Questions: the first {len(questions)} of "
        f"{args.questions.name}, embedded by the real model. HNSW recall: the first "
        f"{args.recall_queries} questions' top 10 against exact cosine over every stored "
        "vector, each ef_search in a store opened afresh; the near-copies make the exact "
        "top 10 a pick among near-ties (see the HNSW section for distinct real passages).",
        f"- Filing added: {args.filing.name} (real, ingested by `Assistant.ingest` in a "
        "fresh process: load, chunk, embed, write); kill: SIGKILL right after its vectors "
        "reach Chroma, before the commit point (tests/fault_runner.py), then the same "
        "ingest again; the store then checked: the filing's chunks as a clean add gives "
        "them, in the registry, Chroma and FTS5, no journalled write left.",
        "",
        tables(results, empty_add, empty_first),
    ])


def main() -> None:
    args = parse_args()
    if args.child:
        run_child(args)
        return
    if args.add_only:
        add_only(args)
        return

    sizes = sorted(int(s) for s in args.sizes.split(","))
    header = [*common.machine_lines()]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="dossier-scale-"))
    seed = load_seed(args.seed_store, args.seed_docs)
    console.print(f"seed: {len(seed.texts):,} real passages with their real vectors")
    questions = common.question_texts(args.questions)[: args.queries]
    try:
        empty = work / "empty" / "home"
        shutil.rmtree(empty.parent, ignore_errors=True)  # a kept --workdir: empty again
        empty_add = child("add", empty, "--filing", str(args.filing))
        with opened(empty) as a:
            clean_ids = a.store.registry.chunk_ids_of(doc_id_of(args.filing))
        empty_first = child("first", empty, "--question", questions[0])
        results: list[SizeResult] = []
        grower: Grower | None = None
        for size in sizes:
            result, grower = measure_size(size, work / "store" / "home", grower, seed, questions,
                                          args, clean_ids)
            results.append(result)
        body = report_body(results, seed, questions, header, args, empty_add, empty_first)
        if not args.no_write and args.section == "scale":
            plot(results, PLOT)
            common.write_section("scale", body + f"\n\n![scale]({PLOT.name})")
        elif not args.no_write:
            common.write_section(args.section, body)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
