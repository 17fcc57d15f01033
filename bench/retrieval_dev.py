"""Retrieval quality on the docugami SEC 10-Q dev set: document hit@k and MRR per ranking choice.

    .venv/bin/python bench/retrieval_dev.py                        # full run (stores reused)
    .venv/bin/python bench/retrieval_dev.py --limit-questions 20 --no-write   # quick look

Builds (or reuses) a Dossier store of the 20 PDFs under --home and a plain LangChain store
(PyPDFLoader → RecursiveCharacterTextSplitter(1024, 30) → langchain_chroma.Chroma, the FinanceBench
paper's baseline, same MiniLM embedder) under --baseline-home. Then asks every question of
qna_data.csv of each variant, in turns, and scores the ranked passages by their source file: a
passage is a hit when its file name matches the question's gold glob (`*2023 Q3 AAPL*` names one
file, `*AAPL*` accepts any AAPL file). Page-level gold is not in the data set, so only documents
are scored. Results go to the `retrieval_dev` section of docs/evaluation.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    # `python bench/retrieval_dev.py` puts bench/ first on sys.path; the root is needed there.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import csv  # noqa: E402
import datetime as dt  # noqa: E402
import fnmatch  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from chromadb.config import Settings as ChromaSettings  # noqa: E402
from rich.progress import track  # noqa: E402

from assistant import Assistant  # noqa: E402
from assistant.retrieval import HybridSearcher  # noqa: E402
from bench.common import (  # noqa: E402
    DEFAULT_PDFS,
    DEFAULT_QUESTIONS,
    REPO,
    console,
    machine_lines,
    show,
    write_section,
)
from ingest.embeddings import LangChainEmbeddings, LocalMiniLM  # noqa: E402

DOC = REPO / "docs" / "evaluation.md"
DOC_HEADER = """# Evaluation

Retrieval and answer quality measured on public dev sets. Each section is written by its script
under `bench/` and rewritten whole when the script runs again.
"""
CHROMA = ChromaSettings(anonymized_telemetry=False)
BASELINE_COLLECTION = "langchain"
BASELINE_MARKER = "dev-baseline.json"
CUTOFFS = (1, 5, 10)

Search = Callable[[str, int], list[str]]  # (question, k) -> ranked source file names


# the dev set -----------------------------------------------------------------------------------
@dataclass
class Question:
    text: str
    globs: list[str]
    qtype: str
    gold: set[str] = field(default_factory=set)  # file names matching a glob

    @property
    def single(self) -> bool:
        return len(self.gold) == 1


def read_questions(path: Path, files: Sequence[str]) -> list[Question]:
    out: list[Question] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            text = (row.get("Question") or "").strip()
            globs = [g.strip() for g in re.split(r"[,\n;]", row.get("Source Docs") or "") if g.strip()]
            if not text or not globs:
                continue
            gold = {name for name in files for g in globs if fnmatch.fnmatchcase(name, g)}
            out.append(Question(text, globs, (row.get("Question Type") or "").strip(), gold))
    return out


def first_hit(ranked: Sequence[str], gold: set[str]) -> int | None:
    """1-based rank of the first passage from a gold document, or None."""
    return next((i for i, name in enumerate(ranked, start=1) if name in gold), None)


# the stores ------------------------------------------------------------------------------------
def build_dossier(pdfs: list[str], home: Path) -> Assistant:
    assistant = Assistant(home=home)
    start = time.perf_counter()
    report = assistant.ingest(pdfs, progress=True)
    console.print(f"Dossier store {home}: {report.summary()}, {assistant.store.count_chunks():,} "
                  f"chunks ({time.perf_counter() - start:.0f} s)")
    for source, reason in report.failed:
        console.print(f"  [yellow]failed[/] {source}: {reason}")
    return assistant


def build_baseline(pdfs: list[str], home: Path, batch: int = 256) -> Any:
    """The plain pipeline's store; reused when a finished build of the same files is there."""
    from langchain_chroma import Chroma

    embeddings = LangChainEmbeddings(LocalMiniLM())
    marker = home / BASELINE_MARKER
    want = {"files": [Path(p).name for p in pdfs], "chunk_size": 1024, "chunk_overlap": 30}
    if marker.exists() and {k: v for k, v in json.loads(marker.read_text()).items()
                            if k in want} == want:
        store = Chroma(collection_name=BASELINE_COLLECTION, persist_directory=str(home),
                       embedding_function=embeddings, client_settings=CHROMA)
        console.print(f"plain store {home}: reused, {json.loads(marker.read_text())['chunks']:,} "
                      "chunks")
        return store
    if home.exists():
        shutil.rmtree(home)  # an unfinished or different build
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community's notice
        from langchain_community.document_loaders import PyPDFLoader
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    start = time.perf_counter()
    pages = [page for p in track(pdfs, "plain: PyPDFLoader", console=console)
             for page in PyPDFLoader(p).load()]
    docs = RecursiveCharacterTextSplitter(chunk_size=1024, chunk_overlap=30).split_documents(pages)
    store = Chroma(collection_name=BASELINE_COLLECTION, persist_directory=str(home),
                   embedding_function=embeddings, client_settings=CHROMA)
    for i in track(range(0, len(docs), batch), f"plain: embed + add {len(docs):,} chunks",
                   console=console):
        store.add_documents(docs[i : i + batch])
    seconds = time.perf_counter() - start
    marker.write_text(json.dumps({**want, "chunks": len(docs), "build_s": round(seconds)}))
    console.print(f"plain store {home}: built, {len(docs):,} chunks ({seconds:.0f} s)")
    return store


# scoring ---------------------------------------------------------------------------------------
def run_variants(variants: dict[str, Search], questions: list[Question], k: int
                 ) -> tuple[dict[str, list[int | None]], dict[str, list[float]]]:
    """First-hit ranks and milliseconds per question; the variants take turns on each question,
    so a change in the machine's load hits them alike."""
    for q in questions[:3]:  # warm-up (model sessions, BM25 load, caches), not counted
        for search in variants.values():
            search(q.text, k)
    ranks: dict[str, list[int | None]] = {name: [] for name in variants}
    ms: dict[str, list[float]] = {name: [] for name in variants}
    for q in track(questions, "questions", console=console):
        for name, search in variants.items():
            start = time.perf_counter()
            ranked = search(q.text, k)
            ms[name].append((time.perf_counter() - start) * 1000)
            ranks[name].append(first_hit(ranked, q.gold))
    return ranks, ms


def rr(rank: int | None) -> float:
    return 0.0 if rank is None else 1 / rank


def scores(ranks: Sequence[int | None]) -> list[float]:
    """hit@c for each cutoff, then MRR."""
    n = max(len(ranks), 1)
    hits = [sum(1 for r in ranks if r is not None and r <= c) / n for c in CUTOFFS]
    return [*hits, sum(rr(r) for r in ranks) / n]


def metrics(ranks: Sequence[int | None]) -> list[str]:
    return [f"{x:.3f}" for x in scores(ranks)] if ranks else ["–"] * (len(CUTOFFS) + 1)


def paired(a: Sequence[int | None], b: Sequence[int | None]) -> tuple[int, int]:
    """Questions where a ranks the first gold passage higher than b, and lower."""
    return (sum(rr(x) > rr(y) for x, y in zip(a, b, strict=True)),
            sum(rr(x) < rr(y) for x, y in zip(a, b, strict=True)))


def interpretation(ranks: dict[str, list[int | None]], ms: dict[str, list[float]],
                   idx: list[int], weights: Sequence[float]) -> str:
    """Two or three sentences read off the numbers (single-document questions, MRR)."""
    def mrr(name: str) -> float:
        return scores([ranks[name][i] for i in idx])[-1]

    def vs(name: str, base: str) -> str:
        up, down = paired([ranks[name][i] for i in idx], [ranks[base][i] for i in idx])
        return f"{mrr(name):.3f} vs {mrr(base):.3f}; better on {up}, worse on {down} questions"

    dense, bm25 = "Dossier dense", "Dossier bm25"
    rrf = [f"Dossier rrf, bm25_weight {w:g}" for w in weights]
    deltas = [mrr(n) - mrr(dense) for n in rrf]
    effect = ("helps at every weight tried" if all(d > 0 for d in deltas) else
              "hurts at every weight tried" if all(d < 0 for d in deltas) else
              "changes nothing" if all(d == 0 for d in deltas) else "is mixed across weights")
    best = max(ranks, key=mrr)
    out = [
        f"On the {len(idx)} single-document questions BM25 alone "
        + ("beats" if mrr(bm25) > mrr(dense) else "trails" if mrr(bm25) < mrr(dense) else "ties")
        + f" dense retrieval (MRR {vs(bm25, dense)}), and fusing BM25 into the dense ranking "
        f"{effect} (RRF MRR "
        + "; ".join(f"weight {w:g}: {mrr(n):.3f}" for w, n in zip(weights, rrf, strict=True))
        + ").",
        f"The best variant by single-document MRR is {best} ({mrr(best):.3f})"
        + (f"; against the current default (rrf, weight 1) it scores {vs(best, rrf[-1])}"
           if best != rrf[-1] and rrf[-1] in ranks else "")
        + f". One question is {1 / max(len(idx), 1):.3f} of a hit rate here, so gaps of a few "
        "questions are within noise.",
    ]
    plain = "plain LangChain + Chroma"
    if plain in ranks:
        out.append(f"The plain LangChain pipeline scores MRR {vs(plain, dense)} against Dossier "
                   f"dense; mean latency per search: "
                   + ", ".join(f"{n.removeprefix('Dossier ')} {np.mean(ms[n]):.0f} ms" for n in ms)
                   + ".")
    return " ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, default=DEFAULT_PDFS, help="folder of the 10-Q PDFs")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS,
                        help="qna_data.csv (Question, Source Docs, Question Type, ...)")
    parser.add_argument("--home", type=Path, default=Path("/tmp/dossier-dev-store"),
                        help="Dossier store (built if missing; unchanged files are not re-read)")
    parser.add_argument("--baseline-home", type=Path, default=Path("/tmp/dossier-dev-baseline"),
                        help="plain LangChain + Chroma store (built if missing or unfinished)")
    parser.add_argument("--k", type=int, default=max(CUTOFFS), help="passages retrieved")
    parser.add_argument("--rrf-k", type=int, default=60, help="reciprocal-rank-fusion constant")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.25, 0.5, 1.0],
                        help="bm25_weight values tried with fusion=rrf")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain pipeline")
    parser.add_argument("--limit-questions", type=int, default=0, help="first N questions only")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/evaluation.md")
    args = parser.parse_args()

    machine = machine_lines()
    started = dt.datetime.now().astimezone()
    pdfs = sorted(str(p.resolve()) for p in args.pdfs.glob("*.pdf"))
    names = [Path(p).name for p in pdfs]
    questions = read_questions(args.questions, names)
    if args.limit_questions:
        questions = questions[: args.limit_questions]
    orphans = [q for q in questions if not q.gold]
    if orphans:
        console.print(f"[yellow]{len(orphans)} questions match no file[/], e.g. {orphans[0].globs}")
    single = sum(q.single for q in questions)
    console.print(f"{len(pdfs)} PDFs, {len(questions)} questions ({single} single-document)")

    assistant = build_dossier(pdfs, args.home)
    chunks = assistant.store.count_chunks()

    def dossier(searcher: HybridSearcher) -> Search:
        return lambda q, k: [Path(p.source).name for p in searcher.search(q, k)]

    variants: dict[str, Search] = {
        "Dossier dense": dossier(HybridSearcher(assistant.store, fusion="dense")),
        "Dossier bm25": dossier(HybridSearcher(assistant.store, fusion="bm25")),
    }
    for w in args.weights:
        variants[f"Dossier rrf, bm25_weight {w:g}"] = dossier(
            HybridSearcher(assistant.store, fusion="rrf", rrf_k=args.rrf_k, bm25_weight=w))
    plain_chunks = 0
    if not args.no_baseline:
        plain = build_baseline(pdfs, args.baseline_home)
        plain_chunks = plain._collection.count()
        variants["plain LangChain + Chroma"] = lambda q, k: [
            Path(d.metadata["source"]).name for d in plain.similarity_search(q, k=k)]

    ranks, ms = run_variants(variants, questions, args.k)
    assistant.close()

    idx_single = [i for i, q in enumerate(questions) if q.single]
    idx_multi = [i for i, q in enumerate(questions) if not q.single]
    cols = [f"hit@{c}" for c in CUTOFFS] + ["MRR"]
    headers = ["variant", *(f"single {c}" for c in cols), *(f"all {c}" for c in cols), "mean ms"]
    rows = []
    for name in variants:
        r = ranks[name]
        rows.append([name, *metrics([r[i] for i in idx_single]), *metrics(r),
                     f"{np.mean(ms[name]):.1f}"])
    main_md = show(f"Document retrieval, k={args.k}", headers, rows)
    multi_rows = [[name, *metrics([ranks[name][i] for i in idx_multi])] for name in variants]
    multi_md = show("Multi-document questions", ["variant", *cols], multi_rows)

    reading = interpretation(ranks, ms, idx_single, args.weights)
    console.print(reading)
    body = [
        f"## Retrieval on the docugami SEC 10-Q dev set ({len(questions)} questions)", "",
        f"- Date: {started:%Y-%m-%d %H:%M %Z}",
        *machine,
        f"- Store: {len(pdfs)} PDFs; Dossier {chunks:,} chunks (200-token, sentence-aware); "
        + (f"plain {plain_chunks:,} chunks (PyPDFLoader → RecursiveCharacterTextSplitter(1024, 30)"
           " → `langchain_chroma.Chroma`); " if plain_chunks else "")
        + "both embed with all-MiniLM-L6-v2 (int8 ONNX, `LocalMiniLM`).",
        f"- Questions: `qna_data.csv`, {len(idx_single)} single-document (the gold glob names one "
        f"file, e.g. `*2023 Q3 AAPL*`) and {len(idx_multi)} multi-document (`*AAPL*`: any of the "
        "company's files counts). A hit: one of the top k passages comes from a gold file; MRR: "
        f"1 / rank of the first such passage within the top {args.k}, 0 if none. The data set has "
        "no page-level gold, so pages are not scored.",
        f"- Variants: `HybridSearcher(fusion=..., rrf_k={args.rrf_k}, bm25_weight=...)` over one "
        "store, 40 candidates per side; the plain store answers `similarity_search(q, k)`. "
        "Variants take turns on each question; mean ms is the wall time of one search call "
        "(query embedding included), in this warm process.",
        "",
        main_md, "",
        multi_md, "",
        reading, "",
    ]
    console.print(f"done in {(dt.datetime.now().astimezone() - started).total_seconds():.0f} s")
    if not args.no_write:
        if not DOC.exists():
            DOC.write_text(DOC_HEADER)
        write_section("retrieval_dev", "\n".join(body), DOC)


if __name__ == "__main__":
    main()
