"""How fast `dossier` starts: `dossier --help`, and `dossier search` on a small store (the demo
corpus: seven documents, 258 chunks), asked a question naming a stored company (searched among
its documents, over their vectors in the registry) and one naming none (the whole store: a store
this small is searched exactly over the registry's vectors too; a larger one by Chroma's index).
Each command runs as a fresh process; the figures are the median
wall time and the median CPU time (user + system, which a busy machine inflates less) of `--runs`
runs, after one untimed warm-up run (the page cache, not Dossier, is then warm).

    python -m bench.cli_start                          # print the table
    python -m bench.cli_start --before /work/main      # and the same for another checkout
    python -m bench.cli_start --write                  # and put it in docs/benchmarks.md

Targets (issue 15): `--help` under 0.3 s, `search` under 1.0 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import REPO, machine_lines, show, write_section

DEMO = REPO / "demo" / "corpus"
SEARCHES = {  # label: query
    "dossier search, a company named (demo store)": "What did Buckle report for November net sales?",
    "dossier search, no company named (demo store)": "supply chain risk",
}
TARGETS = {"dossier --help": 0.3, **dict.fromkeys(SEARCHES, 1.0)}


def dossier(*args: str) -> list[str]:
    """The `dossier` console script of this interpreter's environment (what users run)."""
    script = Path(sys.executable).with_name("dossier")
    if script.is_file():
        return [str(script), *args]
    return [sys.executable, "-m", "assistant.cli", *args]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each of `runs` runs of `command`."""
    subprocess.run(command, env=env, check=True, capture_output=True)  # warm-up, untimed
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), _children_cpu()
        subprocess.run(command, env=env, check=True, capture_output=True)
        wall.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - start_cpu)
    return wall, cpu


def _commit(checkout: Path) -> str:
    done = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or "?"


def measure(checkout: Path, home: str, runs: int) -> list[tuple[str, float, float, float, float]]:
    """(command, median wall s, min wall s, median CPU s, 1-minute load average after) for
    `--help` and each search, with `checkout`'s code."""
    env = {**os.environ, "DOSSIER_HOME": home, "PYTHONPATH": str(checkout)}
    rows = []
    commands = [("dossier --help", dossier("--help")),
                *((label, dossier("search", query)) for label, query in SEARCHES.items())]
    for label, command in commands:
        wall, cpu = timed(command, env, runs)
        rows.append((label, statistics.median(wall), min(wall), statistics.median(cpu),
                     os.getloadavg()[0]))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command")
    parser.add_argument("--before", type=Path, help="another checkout (e.g. main) to time too, "
                        "with the same store")
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args(argv)

    machine = [line for line in machine_lines() if not line.startswith("- Command")]
    checkouts = [(f"before ({_commit(args.before)})", args.before)] if args.before else []
    checkouts.append((f"this checkout ({_commit(REPO)})", REPO))
    rows = []
    with tempfile.TemporaryDirectory(prefix="dossier-cli-start-") as home:
        subprocess.run(dossier("ingest", "--quiet", str(DEMO)), check=True, capture_output=True,
                       env={**os.environ, "DOSSIER_HOME": home, "PYTHONPATH": str(REPO)})
        for name, checkout in checkouts:
            for label, wall, fastest, cpu, load in measure(checkout, home, args.runs):
                rows.append((label, name, f"{wall:.2f}", f"{fastest:.2f}", f"{cpu:.2f}",
                             f"< {TARGETS[label]:g}", f"{load:.2f}"))
    table = show(f"CLI start-up, seconds, median of {args.runs} runs",
                 ["command", "code", "wall", "fastest wall", "CPU", "target (wall)",
                  "load average (1 min) after"], rows)
    if args.write:
        before = f" --before {args.before}" if args.before else ""
        body = "\n".join(["## CLI start-up", "", *machine,
                          f"- Command (from the repository root): `python -m bench.cli_start "
                          f"--runs {args.runs}{before} --write`",
                          "- Wall time counts the waits of a busy machine (see the load "
                          "average); CPU time is what the command itself used (all its "
                          "threads).", "", table])
        write_section("cli-start", body)


if __name__ == "__main__":
    main()
