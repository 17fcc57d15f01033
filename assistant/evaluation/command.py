"""`dossier eval`, behind the typer command in assistant/cli/evaluation.py: pick the store,
ingest, run, and write the report."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from assistant.api import Assistant
from assistant.config import Settings, load_settings
from assistant.errors import InputError
from assistant.evaluation import baseline as plain
from assistant.evaluation import report
from assistant.evaluation.datasets import EvalSet, read_dataset
from assistant.evaluation.judge import LLMJudge
from assistant.evaluation.metrics import LONG_ANSWER_WORDS
from assistant.evaluation.runner import (
    EvalError,
    Row,
    cache_root,
    local_sources,
    materialise,
    open_baseline,
    run,
    store_for,
)


def _notes(*, dataset: Path, fmt: str, docs: Path | None, files: int, chunks: int, ingest: str,
           baseline: dict[str, Any] | None, judge: str | None, started: dt.datetime) -> list[str]:
    notes = [
        f"Date: {started:%Y-%m-%d %H:%M %Z}; {os.cpu_count()} CPU cores, load average at the end "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        f"Command: `{shlex.join(['dossier', *sys.argv[1:]])}`",
        f"Questions: `{dataset.name}` ({fmt})",
        (f"Documents: {files} files in `{docs}`" if docs else "Documents: the configured store")
        + f"; Dossier store {chunks:,} chunks ({ingest})",
    ]
    if baseline is not None:
        notes.append(f"Baseline: {plain.LABEL}, {baseline['chunks']:,} chunks (PyPDFLoader → "
                     f"RecursiveCharacterTextSplitter({plain.CHUNK_SIZE}, {plain.CHUNK_OVERLAP}) → "
                     "`langchain_chroma.Chroma`, same MiniLM embedder), ranked to the same depth; "
                     f"the paper hands its top {plain.TOP_K} to the model"
                     + (f"; it failed to load {', '.join(baseline['failed'])}"
                        if baseline.get("failed") else ""))
    notes.append(
        "Hit@k: a gold document (page) among the top k passages; MRR over the first such rank. "
        f"Answer match: only gold answers of at most {LONG_ANSWER_WORDS} words, matched when "
        "the answer contains the gold text or states each of its figures (numbers normalised: "
        "1,577 = 1577.0, and in millions = $1.6 billion); gold figures stated covers every "
        "answer with figures. Figure right: a gold answer that is one figure (TAT-QA arithmetic, "
        "FinanceBench metrics) is the answer's computed result (else its first figure) with the "
        "same sign, equal once rounded to the gold's decimals, and in its scale where it states "
        "one. Citations verbatim: quotes found word for word in their passage; "
        "figures backed: the answer's figures that its quotes state."
        + (f" Also graded by an {judge}." if judge else " No LLM judge (no --judge)."))
    return notes


@dataclass
class EvalOptions:
    """What `dossier eval` was asked for, beside the question set (see its --help)."""

    docs: Path | None = None  # a folder to ingest into a cached store of its own
    store: Path | None = None  # where that store lives
    fmt: str = "auto"
    k: int = 10
    mode: str | None = None
    baseline: bool = False
    judge: bool = False
    limit: int = 0
    given_docs: bool = False  # each question restricted to its gold documents
    kind: str | None = None  # only questions whose type starts with this ('arithmetic')
    json_out: bool = False
    out_path: Path | None = None
    markdown_path: Path | None = None
    section: str | None = None
    progress: bool = True


@dataclass
class _Run:
    """A finished run, for the report."""

    evalset: EvalSet
    docs: Path | None
    root: Path
    rows: list[Row]
    chunks: int
    files: int
    ingest_note: str
    base_info: dict[str, Any] | None
    judge_label: str | None


def _read(dataset: Path, options: EvalOptions, settings: Settings) -> tuple[EvalSet, Path | None]:
    """The question set and the docs folder to ingest (one the set carries, or --docs)."""
    evalset = read_dataset(dataset, options.fmt)
    if options.kind:
        evalset.items = [i for i in evalset.items if i.kind.startswith(options.kind)]
        if not evalset.items:
            raise EvalError(f"--kind {options.kind!r}: no question of {dataset} has a type starting "
                            "with it")
    if options.limit:
        evalset.items = evalset.items[:options.limit]
    if options.baseline:
        plain.require()
    if options.section and not options.markdown_path:
        raise EvalError("--section names a part of the --markdown file; give --markdown too")
    docs = options.docs
    if evalset.documents:
        if docs is not None:
            raise EvalError(f"{dataset}: this {evalset.format} file carries its own documents; "
                            "leave out --docs")
        docs = materialise(evalset,
                           (options.store or cache_root(settings.store.cache_dir)) / "datasets")
    if docs is not None and not docs.is_dir():
        raise EvalError(f"--docs {docs}: not a folder; give the folder holding the documents")
    return evalset, docs


def _ingest(assistant: Assistant, docs: Path, root: Path, console: Console, progress: bool) -> str:
    start = time.perf_counter()
    result = assistant.ingest([docs], progress=progress)
    note = f"ingest: {result.summary()}, {time.perf_counter() - start:.0f} s"
    console.print(f"{root / 'dossier'}: {note}", highlight=False)
    for source, reason in result.failed:
        console.print(f"[yellow]failed[/yellow] {source}: {reason}", highlight=False)
    return note


def _ask(dataset: Path, options: EvalOptions, console: Console) -> _Run:
    """Pick the store, ingest the docs, and ask every question (beside the baseline)."""
    settings = load_settings()
    evalset, docs = _read(dataset, options, settings)
    grader = LLMJudge(settings) if options.judge else None
    cache = settings.store.cache_dir
    root = options.store or (store_for(docs, cache) if docs else cache_root(cache) / "stores" / (
        "home-" + hashlib.sha1(str(settings.store.home.resolve()).encode()).hexdigest()[:10]))
    with Assistant(root / "dossier" if docs else None, settings) as assistant:
        try:
            assistant.answer_mode(options.mode)  # before any ingest: a bad --mode fails at once
        except InputError as exc:
            raise EvalError(f"--mode: {exc}") from None
        ingest_note = "as it was"
        if docs is not None:
            ingest_note = _ingest(assistant, docs, root, console, options.progress)
        files = local_sources(assistant)
        if not files:
            raise EvalError("the store holds no documents: give --docs DIR, or ingest first")
        base_store, base_info = None, None
        if options.baseline:
            base_store, base_info = open_baseline(assistant, files, root / "plain", console,
                                                  options.progress)
        rows = run(evalset, assistant, k=options.k, mode=options.mode, judge=grader,
                   baseline_store=base_store, console=console, progress=options.progress,
                   given_docs=options.given_docs)
        chunks = assistant.store.count_chunks()
    return _Run(evalset, docs, root, rows, chunks, len(files), ingest_note, base_info,
                grader.label if grader else None)


def _write_markdown(done: _Run, summary: dict[str, Any], title: str, notes: list[str],
                    options: EvalOptions) -> None:
    path, section = options.markdown_path, options.section
    if path is None:
        return
    md = report.markdown(summary, done.rows, title=title, k=options.k, notes=notes,
                         per_question=section is None)
    if section:
        report.write_section(path, section, md)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(md, encoding="utf-8")


def run_eval(dataset: Path, options: EvalOptions | None = None) -> dict[str, Any]:
    options = options or EvalOptions()
    started = dt.datetime.now().astimezone()
    console = Console(stderr=True, soft_wrap=True)  # log lines whole, not cut at 80 columns
    done = _ask(dataset, options, console)
    summary = report.summarize(done.rows, done.judge_label)
    base_info = done.base_info
    meta = {"dataset": str(dataset), "format": done.evalset.format, "given_docs": options.given_docs,
            "docs": str(done.docs) if done.docs else None, "store": str(done.root),
            "k": options.k, "mode": options.mode, "date": started.isoformat(timespec="seconds"),
            "chunks": done.chunks, "ingest": done.ingest_note,
            "baseline": {key: base_info[key] for key in ("chunks", "failed", "refused")
                         if key in base_info} if base_info else None}
    payload = report.to_json(summary, done.rows, meta)
    if options.out_path:
        options.out_path.parent.mkdir(parents=True, exist_ok=True)
        options.out_path.write_text(json.dumps(payload, indent=1, ensure_ascii=False),
                                    encoding="utf-8")
    notes = _notes(dataset=dataset, fmt=done.evalset.format, docs=done.docs, files=done.files,
                   chunks=done.chunks, ingest=done.ingest_note, baseline=base_info,
                   judge=done.judge_label, started=started)
    title = f"`dossier eval` on {done.evalset.name} ({len(done.rows)} questions)"
    _write_markdown(done, summary, title, notes, options)
    if options.json_out:
        print(json.dumps(payload, indent=1, ensure_ascii=False))
    else:
        print(report.markdown(summary, done.rows, title=title, k=options.k, per_question=False))
    return payload
