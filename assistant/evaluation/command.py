"""`dossier eval`, behind the typer command in assistant/cli.py: pick the store, ingest, run,
and write the report."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from assistant.api import Assistant
from assistant.config import load_settings
from assistant.errors import InputError
from assistant.evaluation import baseline as plain
from assistant.evaluation import report
from assistant.evaluation.datasets import read_dataset
from assistant.evaluation.judge import LLMJudge
from assistant.evaluation.metrics import LONG_ANSWER_WORDS
from assistant.evaluation.runner import (
    EvalError,
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
        "answer with figures. Citations verbatim: quotes found word for word in their passage; "
        "figures backed: the answer's figures that its quotes state."
        + (f" Also graded by an {judge}." if judge else " No LLM judge (no --judge)."))
    return notes


def run_eval(dataset: Path, *, docs: Path | None = None, store: Path | None = None,
             fmt: str = "auto", k: int = 10, mode: str | None = None, baseline: bool = False,
             judge: bool = False, limit: int = 0, json_out: bool = False,
             out_path: Path | None = None, markdown_path: Path | None = None,
             section: str | None = None, progress: bool = True) -> dict[str, Any]:
    started = dt.datetime.now().astimezone()
    console = Console(stderr=True, soft_wrap=True)  # log lines whole, not cut at 80 columns
    evalset = read_dataset(dataset, fmt)
    if limit:
        evalset.items = evalset.items[:limit]
    if baseline:
        plain.require()
    if section and not markdown_path:
        raise EvalError("--section names a part of the --markdown file; give --markdown too")
    settings = load_settings()
    grader = LLMJudge(settings) if judge else None
    if evalset.documents:
        if docs is not None:
            raise EvalError(f"{dataset}: this {evalset.format} file carries its own documents; "
                            "leave out --docs")
        docs = materialise(evalset, (store or cache_root(settings.store.cache_dir)) / "datasets")
    if docs is not None and not docs.is_dir():
        raise EvalError(f"--docs {docs}: not a folder; give the folder holding the documents")

    cache = settings.store.cache_dir
    root = store or (store_for(docs, cache) if docs else cache_root(cache) / "stores" / (
        "home-" + hashlib.sha1(str(settings.store.home.resolve()).encode()).hexdigest()[:10]))
    with Assistant(root / "dossier" if docs else None, settings) as assistant:
        try:
            assistant.answer_mode(mode)  # before any ingest: a bad --mode fails at once
        except InputError as exc:
            raise EvalError(f"--mode: {exc}") from None
        ingest_note = "as it was"
        if docs is not None:
            start = time.perf_counter()
            result = assistant.ingest([docs], progress=progress)
            ingest_note = f"ingest: {result.summary()}, {time.perf_counter() - start:.0f} s"
            console.print(f"{root / 'dossier'}: {ingest_note}", highlight=False)
            for source, reason in result.failed:
                console.print(f"[yellow]failed[/yellow] {source}: {reason}", highlight=False)
        files = local_sources(assistant)
        if not files:
            raise EvalError("the store holds no documents: give --docs DIR, or ingest first")
        base_store, base_info = None, None
        if baseline:
            base_store, base_info = open_baseline(assistant, files, root / "plain", console, progress)
        rows = run(evalset, assistant, k=k, mode=mode, judge=grader, baseline_store=base_store,
                   console=console, progress=progress)
        chunks = assistant.store.count_chunks()

    summary = report.summarize(rows, grader.label if grader else None)
    meta = {"dataset": str(dataset), "format": evalset.format, "docs": str(docs) if docs else None,
            "store": str(root), "k": k, "mode": mode, "date": started.isoformat(timespec="seconds"),
            "chunks": chunks, "ingest": ingest_note,
            "baseline": {key: base_info[key] for key in ("chunks", "failed", "refused")
                         if key in base_info} if base_info else None}
    payload = report.to_json(summary, rows, meta)
    if out_path:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    notes = _notes(dataset=dataset, fmt=evalset.format, docs=docs, files=len(files), chunks=chunks,
                   ingest=ingest_note, baseline=base_info, judge=grader.label if grader else None,
                   started=started)
    title = f"`dossier eval` on {evalset.name} ({len(rows)} questions)"
    if markdown_path:
        md = report.markdown(summary, rows, title=title, k=k, notes=notes,
                             per_question=section is None)
        if section:
            report.write_section(markdown_path, section, md)
        else:
            markdown_path.parent.mkdir(parents=True, exist_ok=True)
            markdown_path.write_text(md, encoding="utf-8")
    if json_out:
        print(json.dumps(payload, indent=1, ensure_ascii=False))
    else:
        print(report.markdown(summary, rows, title=title, k=k, per_question=False))
    return payload
