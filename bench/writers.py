"""Ingest past one process: several ingest processes writing to one `chroma run`, embedding
through an OpenAI-compatible `/v1/embeddings` server, against one process with the in-process
local embedder and embedded Chroma.

    nice python -m bench.writers                       # filings up to 200 kB, 1, 2 and 4 writers
    nice python -m bench.writers --writers 1,2 --limit-files 4 --no-write   # a quick look

Every run ingests the same files into fresh stores, each process with its own DOSSIER_HOME: one
store per process, each its own collection (`dossier-<store id>`) in the one server, because a
store has one writer at a time (ingest/lock.py holds its writer lock through a whole ingest).
Files go to the processes by issuer (the file name up to its first `_`: a filing and its
exhibits stay together), the largest issuer first to the least loaded process. One more run
puts two processes on one shared store (`wait_for_lock_s`), to show what the lock does to them.
The embedding server is bench/embedding_server.py (the same MiniLM as the local embedder, so
the stored vectors can be compared). Each process is `python -m bench.ingest_worker`.
Results go to the `writers` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.common import (
    DEFAULT_FILINGS,
    REPO,
    console,
    loadavg,
    machine_cpu_seconds,
    machine_lines,
    show,
    write_section,
)
from bench.local_servers import CHROMA, EMBEDDING, RunningServer, chroma_run, embedding_server, no_proxy_env
from ingest.embeddings import MINILM_MODEL_NAME

SUFFIXES = {".html", ".htm", ".txt", ".pdf"}
SHARED_STORE_WAIT_S = 3600.0


# the files and who writes them ----------------------------------------------------------------
def pick_files(folder: Path, max_bytes: int, limit: int | None = None) -> list[Path]:
    """The filings of `folder` (HTML, text, PDF) up to `max_bytes` each, by name."""
    files = sorted(f for f in folder.iterdir()
                   if f.suffix.lower() in SUFFIXES and f.stat().st_size <= max_bytes)
    return files[:limit] if limit else files


def issuer(path: Path) -> str:
    return path.name.split("_", 1)[0]


def shard(files: Sequence[Path], processes: int) -> list[list[Path]]:
    """`files` split among `processes` by issuer, each issuer's files to one process: the
    largest issuer first to the process with the fewest bytes so far. No empty shard is made."""
    groups: dict[str, list[Path]] = {}
    for f in files:
        groups.setdefault(issuer(f), []).append(f)
    count = min(processes, len(groups))
    shards: list[list[Path]] = [[] for _ in range(count)]
    load = [0] * count
    for group in sorted(groups.values(), key=lambda g: (-sum(f.stat().st_size for f in g),
                                                        g[0].name)):
        target = load.index(min(load))
        shards[target] += group
        load[target] += sum(f.stat().st_size for f in group)
    return shards


# one run ----------------------------------------------------------------------------------------
@dataclass
class Run:
    label: str
    processes: int
    stores: int
    wall_s: float  # first process started -> last process ended
    workers: list[dict[str, Any]]
    server_cpu_s: dict[str, float] = field(default_factory=dict)
    machine_cpu_s: float = 0.0
    load: str = ""

    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        """What every store holds, by file name (a shared store reports the same documents from
        each of its processes)."""
        out: dict[str, dict[str, Any]] = {}
        for worker in self.workers:
            out.update(worker["documents"])
        return out

    @property
    def chunks(self) -> int:
        return sum(d["chunks"] for d in self.documents.values())

    @property
    def ingest_s(self) -> float:
        """From the first store opened to the last ingest done."""
        return (max(w["opened"] + w["ingest_s"] for w in self.workers)
                - min(w["opened"] for w in self.workers))

    @property
    def start_cpu_s(self) -> float:
        """The writers' CPU before their ingest began: imports, opening the store."""
        return sum(w["cpu_start_s"] for w in self.workers)

    @property
    def writer_cpu_s(self) -> float:
        """The writers' CPU through their ingests (the local embedder's worker process too)."""
        return sum(w["cpu_self_s"] + w["cpu_children_s"] for w in self.workers) - self.start_cpu_s

    @property
    def own_cpu_s(self) -> float:
        return self.start_cpu_s + self.writer_cpu_s + sum(self.server_cpu_s.values())

    @property
    def embed_share(self) -> float:
        """Of the writers' ingest time, the part spent waiting for embeddings."""
        return sum(w["embed_s"] for w in self.workers) / sum(w["ingest_s"] for w in self.workers)


def process_cpu_s(process: subprocess.Popen[bytes]) -> float:
    """CPU seconds a running process has used (all its threads, and its children waited for):
    utime, stime, cutime and cstime of /proc/PID/stat."""
    stat = Path(f"/proc/{process.pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def run_writers(label: str, shards: Sequence[Sequence[Path]], homes: Sequence[Path],
                env: dict[str, str], servers: Sequence[RunningServer] = (),
                wait_s: float = 0.0) -> Run:
    """One `bench.ingest_worker` process per shard, all started at once, shard i into homes[i]."""
    outs = [home.parent / f"{home.name}-{i}.json" for i, home in enumerate(homes)]
    before = {s.name: process_cpu_s(s.process) for s in servers}
    machine, load, start = machine_cpu_seconds(), loadavg(), time.perf_counter()
    with console.status(f"{label}: {len(shards)} ingest process(es)"):
        procs = [subprocess.Popen(
            [sys.executable, "-m", "bench.ingest_worker", "--out", str(out), "--wait",
             str(wait_s), *map(str, files)],
            env=no_proxy_env(home, env), cwd=REPO, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT) for files, home, out in zip(shards, homes, outs, strict=True)]
        outputs = [p.communicate()[0].decode(errors="replace") for p in procs]
    wall = time.perf_counter() - start
    machine = machine_cpu_seconds() - machine
    for proc, output in zip(procs, outputs, strict=True):
        if proc.returncode != 0:
            raise RuntimeError(f"{label}: an ingest process exited with {proc.returncode}:\n"
                               f"{output[-3000:]}")
    workers = [json.loads(out.read_text(encoding="utf-8")) for out in outs]
    for worker in workers:
        if worker["failed"]:
            raise RuntimeError(f"{label}: files failed: {worker['failed']}")
    run = Run(label, len(shards), len(set(homes)), wall, workers,
              {s.name: process_cpu_s(s.process) - before[s.name] for s in servers}, machine, load)
    console.print(f"{label}: {len(run.documents)} documents, {run.chunks} chunks, "
                  f"{wall:.1f} s wall, load {load}")
    return run


def warm_up(embeddings: RunningServer) -> None:
    """A running server has its model loaded: one request before anything is timed."""
    response = httpx.post(f"{embeddings.url}/v1/embeddings", trust_env=False, timeout=120,
                          json={"model": MINILM_MODEL_NAME, "input": ["warm up"] * 8})
    response.raise_for_status()


# checks ----------------------------------------------------------------------------------------
def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    x, y = np.asarray(a), np.asarray(b)
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))


def check(run: Run, baseline: Run) -> tuple[list[str], float]:
    """(differences from the baseline, the lowest cosine between the two runs' first-chunk
    vectors). Equal chunk counts and chunk-id digests per document, and every store's Chroma
    collection holding exactly its registry's chunks."""
    problems = []
    ours, theirs = run.documents, baseline.documents
    if set(ours) != set(theirs):
        problems.append(f"documents differ: {sorted(set(ours) ^ set(theirs))}")
    for name in sorted(set(ours) & set(theirs)):
        for key in ("chunks", "ids_sha256"):
            if ours[name][key] != theirs[name][key]:
                problems.append(f"{name}: {key} {ours[name][key]} != {theirs[name][key]}")
    for worker in run.workers:
        if worker["vectors"] != worker["registry_chunk_ids"]:
            problems.append(f"a store holds {worker['vectors']} vectors for "
                            f"{worker['registry_chunk_ids']} chunk ids")
    cosines = [cosine(ours[n]["vector"], theirs[n]["vector"]) for n in set(ours) & set(theirs)
               if ours[n]["vector"] and theirs[n]["vector"]]
    return problems, min(cosines, default=float("nan"))


# measuring ---------------------------------------------------------------------------------------
def measure(files: list[Path], writers: Sequence[int], shared: bool, tmp: Path) -> list[Run]:
    local = {"DOSSIER_EMBEDDING_BACKEND": "local"}
    runs = [run_writers("in-process embedder, embedded Chroma", [files],
                        [tmp / "baseline" / "store"], local)]
    with chroma_run(tmp / "chroma") as chroma, embedding_server(tmp / "embeddings") as embeddings:
        warm_up(embeddings)
        remote = {"DOSSIER_CHROMA_URL": chroma.url, "DOSSIER_EMBEDDING_BACKEND": "openai",
                  "DOSSIER_EMBEDDING_MODEL": MINILM_MODEL_NAME,
                  "DOSSIER_EMBEDDING_BASE_URL": f"{embeddings.url}/v1"}
        servers = (embeddings, chroma)
        for n in writers:
            shards = shard(files, n)
            homes = [tmp / f"writers-{n}" / f"store{i}" for i in range(len(shards))]
            runs.append(run_writers(f"{len(shards)} process(es), one store each", shards, homes,
                                    remote, servers))
        if shared:
            shards = shard(files, 2)
            runs.append(run_writers("2 processes, one shared store", shards,
                                    [tmp / "shared" / "store"] * len(shards), remote, servers,
                                    wait_s=SHARED_STORE_WAIT_S))
    return runs


# report -----------------------------------------------------------------------------------------
def rate(count: float, seconds: float) -> str:
    return f"{count / seconds:.2f}" if seconds > 0 else "n/a"


def per_chunk_ms(seconds: float, chunks: int) -> str:
    return f"{seconds * 1000 / chunks:.0f}" if chunks else "n/a"


def tables(runs: list[Run], files: list[Path]) -> tuple[str, list[str]]:
    baseline = runs[0]
    one_process = next((r for r in runs[1:] if r.processes == 1), None)
    rows, notes = [], []
    for run in runs:
        problems, low = check(run, baseline)
        notes += [f"{run.label}: {p}" for p in problems]
        speed_up = (f"{one_process.wall_s / run.wall_s:.2f}x"
                    if one_process and run is not baseline else "")
        cpu = [run.writer_cpu_s, run.server_cpu_s.get(EMBEDDING, 0.0),
               run.server_cpu_s.get(CHROMA, 0.0)]
        rows.append([
            run.label, f"{run.wall_s:.1f}", f"{run.ingest_s:.1f}",
            rate(len(run.documents), run.wall_s), rate(run.chunks, run.wall_s), speed_up,
            f"{run.embed_share:.0%}", " / ".join(per_chunk_ms(c, run.chunks) for c in cpu),
            f"{run.start_cpu_s:.1f}", f"{run.own_cpu_s / run.wall_s:.2f}",
            f"{run.machine_cpu_s - run.own_cpu_s:.0f}",
            f"{max(w['peak_rss_mib'] for w in run.workers):.0f}", run.load.split(",")[0],
            ("equal" if not problems else "DIFFERS") + f", {low:.4f}",
        ])
    headers = ["run", "wall s", "ingest s", "docs/s", "chunks/s", "vs 1 process",
               "embedding share", "CPU ms/chunk: writers / embedding server / chroma",
               "start-up CPU s", "cores used (ours)", "others' CPU s", "peak RSS/writer MiB",
               "load", "chunks, min cosine vs baseline"]
    sizes = sum(f.stat().st_size for f in files)
    title = (f"{len(files)} filings ({len(baseline.documents)} documents, {baseline.chunks} "
             f"chunks, {sizes / 1e6:.1f} MB)")
    return show(title, headers, rows), notes


def windows(run: Run) -> str:
    """Each process's ingest as seconds from the run's first store opened, with its time spent
    waiting for vectors: on a shared store the second one's window holds the first one's."""
    first = min(w["opened"] for w in run.workers)
    return "; ".join(f"process {i + 1}: {w['opened'] - first:.1f}-"
                     f"{w['opened'] - first + w['ingest_s']:.1f} s, {w['chunks']} chunks, "
                     f"{w['embed_s']:.1f} s embedding" for i, w in enumerate(run.workers))


def report(runs: list[Run], files: list[Path], machine: list[str]) -> str:
    table, notes = tables(runs, files)
    forms = sorted({f.name.split("_")[1] for f in files if f.name.count("_") >= 1})
    lines = [
        "## Several ingest processes, one `chroma run`, an embedding server",
        "",
        *machine,
        f"- Files: {', '.join(f.name for f in files)} (forms {', '.join(forms)})",
        "- Baseline: one process, the in-process local embedder (its worker process after the "
        "first 200,000 characters), embedded Chroma. Other runs: N processes "
        "(`python -m bench.ingest_worker`), each its own DOSSIER_HOME and so its own collection "
        "in one `chroma run`, embedding through `/v1/embeddings` on bench/embedding_server.py "
        "(the same MiniLM, on every core, behind uvicorn); files shared out by issuer. The last "
        "run puts 2 processes on one store: the second waits for the writer lock.",
        "- wall: first process started to last ended (includes each process's start-up: "
        "imports, opening the store); ingest: first store opened to last ingest done. Embedding "
        "share: of the writers' ingest time, the time spent waiting for vectors (the pipeline "
        "writes one document while the next is embedded, so this is not idle time). CPU per "
        "chunk: writers (with the local embedder's worker process; start-up apart), the "
        "embedding server and `chroma run`; cores used: all of that over the wall time; 'others' "
        "CPU' is what the rest of the machine used meanwhile. Chunks vs baseline: every "
        "document's chunk count and chunk ids (content hashes) equal the baseline's; min "
        "cosine: each document's first stored vector against the baseline's.",
        "",
        table,
    ]
    shared = [r for r in runs if r.stores < r.processes]
    if shared:
        lines += ["", *[f"{r.label}, each process's ingest: {windows(r)}." for r in shared]]
    if notes:
        lines += ["", "Differences:", *[f"- {n}" for n in notes]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=Path, default=DEFAULT_FILINGS)
    parser.add_argument("--max-bytes", type=int, default=200_000,
                        help="leave out files larger than this")
    parser.add_argument("--limit-files", type=int, default=None)
    parser.add_argument("--writers", default="1,2,4", help="process counts, comma-separated")
    parser.add_argument("--no-shared", action="store_true",
                        help="skip the run of 2 processes on one shared store")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--save", type=Path, help="keep the measurements in this JSON file")
    parser.add_argument("--report-only", type=Path, metavar="JSON",
                        help="measure nothing: report the measurements --save kept")
    args = parser.parse_args(argv)
    files = pick_files(args.files, args.max_bytes, args.limit_files)
    if not files:
        sys.exit(f"no filings of at most {args.max_bytes} bytes in {args.files}")
    writers = [int(n) for n in args.writers.split(",") if n.strip()]
    console.print(f"{len(files)} files, {os.cpu_count()} cores, load {loadavg()}")
    if args.report_only:
        saved = json.loads(args.report_only.read_text(encoding="utf-8"))
        runs, machine = [Run(**r) for r in saved["runs"]], saved["machine"]
    else:
        machine = machine_lines()  # the load at the start, and this command
        with tempfile.TemporaryDirectory(prefix="bench-writers-") as tmp:
            runs = measure(files, writers, not args.no_shared, Path(tmp))
    if args.save:
        args.save.write_text(json.dumps({"machine": machine, "runs": [asdict(r) for r in runs]}),
                             encoding="utf-8")
    body = report(runs, files, machine)
    if not args.no_write:
        write_section("writers", body)


if __name__ == "__main__":
    main()
