"""Query latency at >= 10,000 chunks: Dossier search/ask against plain LangChain + Chroma.

    .venv/bin/python -m bench.query                                   # full run
    .venv/bin/python -m bench.query --limit-files 3 --min-chunks 1000 --queries 20   # quick run

Builds, in temporary folders, a Dossier store from the docugami 10-Q PDFs plus the filings
folder (topped up with renamed copies of the same files until it holds --min-chunks chunks), and
a plain store from the same files: PDFs through PyPDFLoader, HTML through lxml's text_content(),
.txt read as is, RecursiveCharacterTextSplitter(1024, 30), Chroma.from_documents. Then, in this
warm process, times --queries questions (docugami's qna_data.csv, cycled) against each.
Results go to the `query` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from langchain_core.documents import Document as LCDocument
from rich.progress import track

from assistant import Assistant
from assistant.evaluation import baseline
from bench.common import (
    DEFAULT_FILINGS,
    DEFAULT_PDFS,
    DEFAULT_QUESTIONS,
    TimedEmbedder,
    console,
    loadavg,
    machine_lines,
    percentile,
    question_texts,
    show,
    write_section,
)
from ingest.embeddings import LangChainEmbeddings, LocalMiniLM
from ingest.loaders import discover

CHROMA = baseline.chroma_settings()


class MemoEmbedder(TimedEmbedder):
    """Embeds each distinct text once: renamed copies cost the plain build no embedding time.

    Only the plain store's build uses it; its queries run on a fresh, plain LocalMiniLM."""

    def __init__(self, inner: LocalMiniLM) -> None:
        super().__init__(inner)
        self.memo: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if new:
            self.memo.update(zip(new, super().embed(new), strict=True))
        return np.stack([self.memo[t] for t in texts]) if texts else np.zeros((0, 384))


# building the stores --------------------------------------------------------------------------
def top_up(sources: list[str], chunks_of: dict[str, int], have: int, want: int,
           folder: Path) -> list[str]:
    """Renamed copies of the sources, round-robin, until the store would hold `want` chunks."""
    copies: list[str] = []
    usable = [s for s in sources if chunks_of.get(s)]
    for n, source in enumerate(itertools.cycle(usable)):
        if have >= want or not usable:
            break
        path = Path(source)
        copy = folder / f"copy{n // len(usable) + 1}-{path.name}"
        shutil.copyfile(path, copy)
        copies.append(str(copy))
        have += chunks_of[source]
    return copies


def build_dossier(sources: list[str], home: Path, want: int,
                  copies_dir: Path) -> tuple[list[str], list[str], dict[str, float], int]:
    """(sources, copies, seconds per step, texts embedded for the copies)."""
    timings: dict[str, float] = {}
    embedder = TimedEmbedder(LocalMiniLM())
    with Assistant(home=home, embedder=embedder) as assistant:
        start = time.perf_counter()
        report = assistant.ingest(sources, progress=True)
        timings["Dossier: ingest the files"] = time.perf_counter() - start
        console.print(f"Dossier: {report.summary()}, {assistant.store.count_chunks()} chunks")
        for source, reason in report.failed:
            console.print(f"  [yellow]failed[/] {source}: {reason}")
        chunks_of = {d.source: d.n_chunks for d in assistant.documents()}
        copies = top_up(report.added, chunks_of, assistant.store.count_chunks(), want, copies_dir)
        embedded_before = embedder.texts
        if copies:
            start = time.perf_counter()
            report = assistant.ingest(copies, progress=True)
            timings[f"Dossier: ingest {len(copies)} renamed copies"] = time.perf_counter() - start
            console.print(f"Dossier copies: {report.summary()}, "
                          f"{assistant.store.count_chunks()} chunks")
    return sources, copies, timings, embedder.texts - embedded_before


def build_plain(sources: list[str], copies: list[str],
                home: Path) -> tuple[int, dict[str, float], list[str]]:
    """(chunks, seconds per step, PDFs stock pypdf refused)."""
    from langchain_chroma import Chroma

    start = time.perf_counter()
    refused: list[str] = []
    loaded = {s: baseline.load_file(Path(s), refused) for s in track(sources, "plain: loading")}
    for copy in copies:  # a copy's text is its original's: load once, relabel
        original = next(s for s in sources if Path(copy).name.split("-", 1)[1] == Path(s).name)
        loaded[copy] = [LCDocument(page_content=d.page_content, metadata={**d.metadata,
                                   "source": copy}) for d in loaded[original]]
    load_s = time.perf_counter() - start
    docs = baseline.split([d for group in loaded.values() for d in group])
    embedder = MemoEmbedder(LocalMiniLM())
    with console.status(f"plain: Chroma.from_documents, {len(docs)} chunks"):
        Chroma.from_documents(docs, embedding=LangChainEmbeddings(embedder),
                              persist_directory=str(home), client_settings=CHROMA)
    total = time.perf_counter() - start
    console.print(f"plain: {len(docs)} chunks in {total:.0f} s")
    return len(docs), {"plain: load (PyPDFLoader, lxml)": load_s,
                       "plain: split + embed + Chroma add": total - load_s}, refused


@dataclass
class Build:
    sources: list[str]
    copies: list[str]
    timings: dict[str, float]
    copy_embeds: int  # texts Dossier embedded for the copies
    plain_chunks: int
    refused: list[str]
    built: str  # when it finished
    load: str = "not recorded"  # load average when the build started


def build_stores(sources: list[str], folder: Path, min_chunks: int) -> Build:
    (folder / "copies").mkdir(parents=True, exist_ok=True)
    load = loadavg()
    sources, copies, timings, copy_embeds = build_dossier(
        sources, folder / "dossier", min_chunks, folder / "copies")
    plain_chunks, plain_timings, refused = build_plain(sources, copies, folder / "plain")
    return Build(sources, copies, timings | plain_timings, copy_embeds, plain_chunks, refused,
                 time.strftime("%Y-%m-%d %H:%M"), load)


# timing queries -------------------------------------------------------------------------------
def latencies(label: str, calls: dict[str, Callable[[str], object]], questions: list[str],
              n: int) -> dict[str, list[float]]:
    """Milliseconds per call; the calls take turns on each question, so a change in the
    machine's load during the run hits them alike."""
    for q in questions[:3]:  # warm-up, not counted
        for call in calls.values():
            call(q)
    out: dict[str, list[float]] = {name: [] for name in calls}
    for q in track(list(itertools.islice(itertools.cycle(questions), n)), label):
        for name, call in calls.items():
            start = time.perf_counter()
            call(q)
            out[name].append((time.perf_counter() - start) * 1000)
    return out


def row(label: str, chunks: int, ms: list[float]) -> list[object]:
    return [label, f"{chunks:,}", len(ms), f"{percentile(ms, 50):.1f}", f"{percentile(ms, 95):.1f}",
            f"{np.mean(ms):.1f}", f"{max(ms):.1f}"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, default=DEFAULT_PDFS, help="folder of PDFs")
    parser.add_argument("--filings", type=Path, default=DEFAULT_FILINGS,
                        help="folder of filings (HTML, PDF, text)")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS,
                        help="docugami CSV (a Question column)")
    parser.add_argument("--queries", type=int, default=200, help="queries timed per pipeline")
    parser.add_argument("--min-chunks", type=int, default=10_000,
                        help="top the Dossier store up with renamed copies to this many chunks")
    parser.add_argument("--limit-files", type=int, default=0,
                        help="use only the first N files of each folder")
    parser.add_argument("--keep", type=Path,
                        help="build the stores in this folder, or reuse the ones it holds "
                        "(default: a temporary folder, removed at the end)")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    return parser.parse_args()


def stores(folder: Path, sources: list[str], min_chunks: int, reuse: bool) -> Build:
    """The stores in `folder`: reused when asked and built before, else built now."""
    manifest = folder / "build.json"
    if reuse and manifest.exists():
        build = Build(**json.loads(manifest.read_text()))
        console.print(f"reusing the stores in {folder}, built {build.built}")
        return build
    build = build_stores(sources, folder, min_chunks)
    manifest.write_text(json.dumps(asdict(build), indent=1))
    return build


def time_queries(folder: Path, questions: list[str], n: int) -> tuple[int, dict[str, list[float]]]:
    """(Dossier chunks, milliseconds per call) in this warm process."""
    from langchain_chroma import Chroma

    with Assistant(home=folder / "dossier") as assistant:  # a fresh one, as in a user's process
        chunks = assistant.store.count_chunks()
        plain = Chroma(persist_directory=str(folder / "plain"), client_settings=CHROMA,
                       embedding_function=LangChainEmbeddings(LocalMiniLM()))
        ms = latencies("search: Dossier, plain, embedding alone", {
            "search": lambda q: assistant.search(q, k=8),
            "plain": lambda q: plain.similarity_search(q, k=4),
            "embed": lambda q: assistant.embedder.embed([q]),
        }, questions, n)
        ms |= latencies("Dossier ask", {"ask": assistant.ask}, questions, n)
    return chunks, ms


def stores_note(build: Build, args: argparse.Namespace) -> str:
    n_pdfs = sum(s.lower().endswith(".pdf") for s in build.sources)
    return (
        f"Stores: {len(build.sources)} files ({n_pdfs} of them PDFs: the docugami 10-Qs and the "
        "filings folder's; the rest its HTML and text filings)"
        + (f", plus {len(build.copies)} renamed cop{'y' if len(build.copies) == 1 else 'ies'} "
           "of the same files to pass "
           f"{args.min_chunks:,} chunks (Dossier embedded {build.copy_embeds} new texts for "
           "them: its embedding cache served the rest; the plain build reused its vectors for "
           "the copies' identical texts, so its build time is not comparable)"
           if build.copies else "")
        + ". "
        + ("Stock pypdf refused " + "; ".join(build.refused) + ": the plain pipeline read "
           "them again with pypdf's element limits raised. " if build.refused else "")
        + "Plain store: PDFs via PyPDFLoader (one document per page), HTML via "
        "`lxml.html.fromstring(...).text_content()`, .txt read as is, then "
        "RecursiveCharacterTextSplitter(1024, 30) and `Chroma.from_documents` with the same "
        f"MiniLM. Questions: {args.questions.name}, cycled. Each timing follows 3 warm-up "
        "queries in this process; search, plain search and the embedding alone take turns on "
        f"each question. Load average at the end: {loadavg()}.\n")


def report(build: Build, chunks: int, ms: dict[str, list[float]], args: argparse.Namespace,
           machine: list[str]) -> str:
    headers = ["call", "chunks in store", "queries", "p50 ms", "p95 ms", "mean ms", "max ms"]
    search_ms, plain_ms, plain_chunks = ms["search"], ms["plain"], build.plain_chunks
    rows = [row("Dossier `search(q, k=8)` (dense + BM25, RRF)", chunks, search_ms),
            row("Dossier `ask(q)` (search + extractive answer)", chunks, ms["ask"]),
            row("plain `Chroma.similarity_search(q, k=4)`", plain_chunks, plain_ms),
            row("(MiniLM query embedding alone)", chunks, ms["embed"])]
    md = [f"## Query latency: {chunks:,} Dossier chunks, {plain_chunks:,} plain chunks", "",
          *machine, ""]
    md += [show("Query latency", headers, rows), ""]
    ratio = percentile(search_ms, 50) / percentile(plain_ms, 50)
    p95 = percentile(search_ms, 95)
    md.append(f"Dossier search p50 is {ratio:.2f}x the plain similarity_search p50. Target: search "
              f"p95 < 100 ms at 10k chunks: {p95:.1f} ms, "
              f"{'met' if p95 < 100 else 'NOT met'}.\n")
    title = f"Building the stores (finished {build.built}; load average at the start {build.load})"
    md += [show(title, ["step", "seconds"],
                [[k, f"{v:.0f}"] for k, v in build.timings.items()]), ""]
    md.append(stores_note(build, args))
    return "\n".join(md)


def main() -> None:
    args = parse_args()
    limit = args.limit_files or None
    pdfs = sorted(str(p.resolve()) for p in args.pdfs.glob("*.pdf"))[:limit]
    sources = pdfs + discover([args.filings])[:limit]
    questions = question_texts(args.questions)
    machine = machine_lines()
    console.print(f"{len(sources)} files, {len(questions)} questions")
    with contextlib.ExitStack() as stack:
        folder = args.keep or Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="bench-query-")))
        build = stores(folder, sources, args.min_chunks, reuse=args.keep is not None)
        chunks, ms = time_queries(folder, questions, args.queries)
    md = report(build, chunks, ms, args, machine)
    if not args.no_write:
        write_section("query", md)


if __name__ == "__main__":
    main()
