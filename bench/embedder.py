"""The local embedder's own speed against the machine's limit, by session layout and run size.

    .venv/bin/python -m bench.embedder                 # 512 chunks of 4 docugami 10-Q PDFs
    .venv/bin/python -m bench.embedder --texts 256 --rounds 1   # a quick run

Layouts: one onnxruntime session whose operators are split over every core (what onnxruntime
does by default), against one single-threaded session per core taking different runs (what
LocalMiniLM does). Run sizes: padded tokens per onnxruntime run (LocalMiniLM's tokens_per_run).
Each configuration embeds the same chunk texts in calls of 256 (about one filing's chunks); the
rounds are interleaved so that a slow spell on a shared machine hits every configuration.
Results go to the `embedder` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from bench.common import (
    DEFAULT_PDFS,
    console,
    flops_per_token,
    loadavg,
    machine_lines,
    matmul_flops,
    sequence_lengths,
    show,
    write_section,
)
from ingest.chunking import chunk_document
from ingest.embeddings import MAX_SESSIONS, TOKENS_PER_RUN, LocalMiniLM, usable_cores
from ingest.loaders import load_documents

DEFAULT_RUN = TOKENS_PER_RUN


def chunk_texts(pdfs: list[Path], count: int) -> list[str]:
    counter = LocalMiniLM()
    texts = [chunk.text for pdf in pdfs for doc in load_documents(str(pdf))
             for chunk in chunk_document(doc, counter.count_tokens, 200, 24)]
    return random.Random(0).sample(texts, min(count, len(texts)))


def seconds_to_embed(texts: list[str], sessions: int, tokens_per_run: int) -> float:
    """Seconds to embed texts with every core shared by `sessions` onnxruntime sessions."""
    model = LocalMiniLM(sessions=sessions, tokens_per_run=tokens_per_run)
    model.embed(texts[:4])  # start-up is not throughput
    start = time.perf_counter()
    for i in range(0, len(texts), 256):
        model.embed(texts[i : i + 256])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, default=DEFAULT_PDFS, help="folder of PDFs")
    parser.add_argument("--texts", type=int, default=512, help="chunk texts embedded per config")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over all configurations")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args()

    cores = usable_cores()
    texts = chunk_texts(sorted(args.pdfs.glob("*.pdf"))[:4], args.texts)
    lengths = sequence_lengths(LocalMiniLM().count_tokens(texts))
    positions, per_token = sum(lengths), flops_per_token(lengths)
    configs = [(f"1 session x {cores} threads", 1, 1024),
               (f"{cores} sessions x 1 thread", cores, 256),
               (f"{cores} sessions x 1 thread", cores, 512),
               (f"{cores} sessions x 1 thread", cores, 1024)]
    if cores == 1:
        configs = configs[1:]
    machine = machine_lines()
    flops = [max(matmul_flops().values())]
    timings: dict[int, list[float]] = {i: [] for i in range(len(configs))}
    for round_ in range(args.rounds):
        for i, (label, sessions, run) in enumerate(configs):
            seconds = seconds_to_embed(texts, sessions, run)
            timings[i].append(seconds)
            console.print(f"round {round_ + 1}: {label}, {run} tokens/run: "
                          f"{positions / seconds:,.0f} tokens/s")
        flops.append(max(matmul_flops().values()))
    limit = max(flops) / per_token
    rows = []
    for i, (label, _, run) in enumerate(configs):
        rates = [positions / s for s in timings[i]]
        best, median = max(rates), statistics.median(rates)
        rows.append([label, run, f"{median:,.0f}", f"{best:,.0f}", f"{median / limit:.0%}",
                     f"{best / limit:.0%}"])
    md = [f"## Embedder alone: {len(texts)} chunk texts, {positions:,} positions", "", *machine, ""]
    md += [show("Layouts and run sizes", ["sessions", "padded tokens per run",
                                          "tokens/s (median)", "tokens/s (best)",
                                          "of the limit (median)", "of the limit (best)"],
                rows), ""]
    md.append(f"Limit: the fastest numpy float32 matmul seen ({max(flops) / 1e9:.1f} GFLOP/s, "
              f"measured before and after each round: "
              f"{', '.join(f'{f / 1e9:.0f}' for f in flops)}) / {per_token / 1e6:.2f} MFLOP per "
              f"token = {limit:,.0f} tokens/s. {args.rounds} rounds, interleaved; load average at "
              f"the end {loadavg()}. LocalMiniLM uses one one-thread session per core (up to "
              f"{MAX_SESSIONS}) and {DEFAULT_RUN} padded tokens per run.\n")
    if not args.no_write:
        write_section("embedder", "\n".join(md))


if __name__ == "__main__":
    main()
