"""Ingest speed: Dossier against the plain LangChain + Chroma pipeline, same PDFs, same embedder.

    .venv/bin/python -m bench.ingest                  # the 20 docugami 10-Q PDFs
    .venv/bin/python -m bench.ingest --limit-files 2  # a quick run
    .venv/bin/python -m bench.ingest --profile        # also cProfile a Dossier ingest
    .venv/bin/python -m bench.ingest --passes 1       # one Dossier pass instead of three

Plain pipeline (the FinanceBench paper's baseline): PyPDFLoader per file ->
RecursiveCharacterTextSplitter(1024 chars, 30 overlap) -> Chroma.from_documents with
LangChainEmbeddings(LocalMiniLM()). Both pipelines run in this process, one after the other, in
fresh temporary stores. The Dossier cold ingest runs --passes times (each into a fresh store,
each between two readings of numpy's matmul speed, which drifts on a shared machine), then the
last store is ingested again (unchanged files). The tables show the median pass.
Results go to the `ingest` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pypdfium2
from chromadb.config import Settings as ChromaSettings
from rich.progress import track

from assistant import Assistant
from assistant.config import load_settings
from assistant.evaluation.baseline import pypdf_load
from bench.common import (
    DEFAULT_PDFS,
    TimedEmbedder,
    console,
    loadavg,
    machine_cpu_seconds,
    machine_lines,
    matmul_flops,
    model_positions,
    sequence_lengths,
    write_section,
)
from bench.ingest_report import (
    Limit,
    Measured,
    Run,
    chunk_table,
    flops_note,
    ingest_tables,
    limit_table,
    passes_table,
    time_table,
)
from ingest.chunking import chunk_document
from ingest.embeddings import LangChainEmbeddings, LocalMiniLM
from ingest.loaders import load_source


# the two pipelines ------------------------------------------------------------------------------
def pdf_pages(files: list[Path]) -> int:
    return sum(len(pypdfium2.PdfDocument(f)) for f in files)


class TimedMiniLM(LocalMiniLM):
    """The default local embedder, adding up the time its token counting (the chunker's) takes.
    Still a LocalMiniLM, so a long ingest moves its embedding to the worker process."""

    count_s = 0.0

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        start = time.perf_counter()
        try:
            return super().count_tokens(texts)
        finally:
            self.count_s += time.perf_counter() - start


def dossier_ingest(files: list[Path], home: Path, name: str, pages: int) -> tuple[Run, list[str]]:
    """Assistant.ingest with the default embedder's settings; the ingest report's embedding time
    and the chunker's token counting are recorded."""
    settings = load_settings(store={"home": home})
    embedder = TimedMiniLM(batch_size=settings.embedding.batch_size,
                           threads=settings.embedding.threads)
    with Assistant(settings=settings, embedder=embedder) as assistant:
        start, cpu = time.perf_counter(), machine_cpu_seconds()
        report = assistant.ingest(files, progress=False)
        seconds, cpu = time.perf_counter() - start, machine_cpu_seconds() - cpu
        if report.failed:
            console.print(f"[red]failed: {report.failed}")
        texts = [r.text for r in assistant.store.registry.iter_chunks()]
    console.print(f"{name}: {report.summary()}, {report.chunks} chunks, {seconds:.1f} s")
    embedded = list(dict.fromkeys(texts)) if report.embedded else []  # unique texts, once each
    positions = model_positions(LocalMiniLM().count_tokens(embedded))
    return Run(name, pages, report.chunks, seconds, positions, report.embed_s, cpu,
               embedder.count_s), texts


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


# measuring ------------------------------------------------------------------------------------
def dossier_passes(files: list[Path], count: int, pages: int,
                   flops: dict[str, dict[str, float]]) -> tuple[list[Run], Run, list[str]]:
    """`count` cold ingests, each into a fresh store, then a re-ingest into the last one."""
    passes: list[Run] = []
    for n in range(1, count + 1):
        with tempfile.TemporaryDirectory(prefix="bench-dossier-") as tmp:
            with console.status(f"Dossier pass {n}: cold ingest into a fresh store"):
                run, texts = dossier_ingest(files, Path(tmp), "Dossier, fresh store", pages)
            passes.append(run)
            flops[f"after Dossier pass {n}"] = matmul_flops()
            if n == count:
                with console.status("Dossier: re-ingest of the same, unchanged files"):
                    again, _ = dossier_ingest(files, Path(tmp), "Dossier, re-ingest (unchanged)",
                                              pages)
    return passes, again, texts


def measure(files: list[Path], pages: int, passes_wanted: int, embed_sample: int) -> Measured:
    flops = {"before Dossier pass 1": matmul_flops()}
    passes, again, texts = dossier_passes(files, max(1, passes_wanted), pages, flops)
    by_rate = sorted(range(len(passes)), key=lambda i: passes[i].positions / passes[i].seconds)
    median_pass = by_rate[(len(passes) - 1) // 2]  # the lower middle one for an even count
    flops["before the plain ingest"] = matmul_flops()
    with tempfile.TemporaryDirectory(prefix="bench-plain-") as tmp:
        plain, plain_texts = plain_ingest(files, Path(tmp))
    flops["after the plain ingest"] = matmul_flops()
    stages = dossier_stages(files)
    flops["before the embedder alone"] = matmul_flops()
    lengths_alone, s_alone = embed_alone(list(dict.fromkeys(texts)), embed_sample)
    flops["after the embedder alone"] = matmul_flops()
    return Measured(files, passes, median_pass, again, plain, texts, plain_texts, stages,
                    lengths_alone, s_alone, flops)


def profile_section(files: list[Path]) -> list[str]:
    text = profile_dossier(files)
    console.print(text)
    return ["### cProfile of a Dossier ingest (main thread, by own time)", "",
            "Loading runs in worker threads, which cProfile does not see; the main thread "
            "waits for them in `Future.result`.", "", "```", text.strip(), "```", ""]


# main -----------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
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
    args.files = sorted(args.pdfs.glob("*.pdf"))[: args.limit_files or None]
    if not args.files:
        parser.error(f"no PDFs in {args.pdfs}")
    return args


def main() -> None:
    args = parse_args()
    files = args.files
    machine = machine_lines()
    pages = pdf_pages(files)
    console.print(f"{len(files)} PDFs, {pages} pages, from {args.pdfs}")
    m = measure(files, pages, args.passes, args.embed_sample)
    limit = Limit(m)
    md = [f"## Ingest: {len(files)} PDFs ({args.pdfs.name})", "", *machine, ""]
    md += ingest_tables(m) + chunk_table(m) + time_table(m)
    md += limit_table(m, limit) + passes_table(m, limit)
    md.append(flops_note(m, limit))
    if args.profile:
        md += profile_section(files)
    md.append(f"Load average at the end: {loadavg()}. 'CPU s' is the CPU time the whole machine "
              "used during the run (from /proc/stat: it counts Dossier's embedding worker "
              f"process too); at most {os.cpu_count()} x seconds.\n")
    if not args.no_write:
        write_section("ingest", "\n".join(md))


if __name__ == "__main__":
    main()
