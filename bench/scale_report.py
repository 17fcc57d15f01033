"""bench/scale.py's results: one size's measures, and their tables and plot."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import common
from bench.common import console


@dataclass
class SizeResult:
    passages: int
    grow_s: float
    search: dict[str, tuple[float, float]] = field(default_factory=dict)
    scoping: dict[str, tuple[float, float]] = field(default_factory=dict)
    recall: dict[int, float] = field(default_factory=dict)
    ask: tuple[float, float] = (0.0, 0.0)
    add: dict[str, Any] = field(default_factory=dict)
    rerun: dict[str, Any] = field(default_factory=dict)
    delete_s: float = 0.0
    first: dict[str, Any] = field(default_factory=dict)
    rss_mib: float = 0.0
    disk_mib: float = 0.0
    reused: int = 0  # passages an earlier run over the same --workdir had stored



def tables(results: list[SizeResult], empty_add: dict[str, Any],
           empty_first: dict[str, Any]) -> str:
    sizes = [f"{r.passages:,}" for r in results]
    search_rows = [[key, *(f"{r.search[key][0]:.0f} / {r.search[key][1]:.0f}" for r in results)]
                   for key in results[0].search]
    scoping_rows = [[key, *(f"{r.scoping[key][0]:.0f} / {r.scoping[key][1]:.0f}"
                            for r in results)] for key in results[0].scoping]
    recall_rows = [[f"ef_search {ef}", *(f"{r.recall.get(ef, float('nan')):.3f}" for r in results)]
                   for ef in results[0].recall]

    def add_cell(a: dict[str, Any]) -> str:
        return (f"{a['add_s']:.1f} s ({a['add_s'] - a['embed_s']:.1f} s without embedding) after "
                f"{a.get('index_load_s', float('nan')):.1f} s loading Chroma's index, "
                f"peak {a['max_rss_mib']:.0f} MiB")

    other_rows = [
        ["ask p50 / p95 ms (extractive)", *(f"{r.ask[0]:.0f} / {r.ask[1]:.0f}" for r in results)],
        [f"add the filing ({empty_add['chunks']} chunks), fresh process; empty store: "
         f"{add_cell(empty_add)}", *(add_cell(r.add) for r in results)],
        ["the same, after a kill between Chroma's write and the commit (rerun, repair included)",
         *(add_cell(r.rerun) for r in results)],
        ["delete the filing again, s", *(f"{r.delete_s:.2f}" for r in results)],
        [f"restart: open the store + first answer, s (empty store: "
         f"{empty_first['open_s']:.1f} + {empty_first['first_answer_s']:.1f})",
         *(f"{r.first['open_s']:.1f} + {r.first['first_answer_s']:.1f}" for r in results)],
        ["restart: peak RSS of that process, MiB",
         *(f"{r.first['max_rss_mib']:.0f}" for r in results)],
        ["RSS of the bench process (store open + every vector kept as float16), MiB",
         *(f"{r.rss_mib:.0f}" for r in results)],
        ["disk (Chroma + registry with FTS5 and embedding cache), MiB",
         *(f"{r.disk_mib:.0f}" for r in results)],
        ["time to grow the store to this size, s",
         *(f"{r.grow_s:.0f}" + (f" ({r.reused:,} passages stored by an earlier run)" if r.reused
                                else "") for r in results)],
    ]
    return "\n\n".join([
        common.show("Search p50 / p95 ms (k 10; the question embedded in each)", ["search", *sizes],
             search_rows),
        common.show("Scoping a dense search (k 40, vector given): p50 / p95 ms",
             ["where", *sizes], scoping_rows),
        common.show("HNSW recall@10 against exact search (space cosine, M 16, ef_construction 100)",
             ["setting", *sizes], recall_rows),
        common.show("Ask, add, restart, memory, disk", ["measure", *sizes], other_rows),
    ])


def plot(results: list[SizeResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r.passages for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    for key in ("dense all", "bm25 all", "rrf all", "dense company", "rrf company"):
        left.plot(sizes, [r.search[key][1] for r in results], marker="o", label=key)
    left.set(xscale="log", xlabel="passages", ylabel="search p95, ms", title="Search p95")
    left.legend(fontsize=7)
    right.plot(sizes, [r.add["add_s"] - r.add["embed_s"] for r in results], marker="o",
               label="add a 116-page 10-K (no embedding)")
    right.plot(sizes, [r.ask[1] / 1000 for r in results], marker="o", label="ask p95")
    right.set(xscale="log", xlabel="passages", ylabel="seconds", title="Add and ask")
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    console.print(f"wrote {path}")


