"""Running a question set: the store to ask (a cached one per docs folder, or the user's), the
plain baseline beside it, and one scored row per question."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from assistant.api import Assistant
from assistant.errors import DossierError
from assistant.evaluation import baseline as plain
from assistant.evaluation import metrics as m
from assistant.evaluation.datasets import EvalItem, EvalSet
from assistant.models import Answer
from ingest.embeddings import LangChainEmbeddings
from ingest.locations import is_url

Judge = Callable[[str, str, str], "bool | None"]


class EvalError(DossierError, RuntimeError):
    """A run that cannot start; the message says what to change."""


def cache_root(cache_dir: Path) -> Path:
    """Where `dossier eval` keeps its stores and data sets: `eval/` in the cache folder
    (settings.store.cache_dir, DOSSIER_CACHE_DIR)."""
    return cache_dir.expanduser() / "eval"


def store_for(docs: Path, cache_dir: Path) -> Path:
    """The cached store of a docs folder: one per resolved folder path."""
    resolved = docs.expanduser().resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:10]
    return cache_root(cache_dir) / "stores" / f"{resolved.name or 'root'}-{digest}"


def materialise(evalset: EvalSet, root: Path) -> Path:
    """Write the documents a data set carries (TAT-QA's tables and paragraphs) to a folder of
    its own, keyed by their content; files already there with the same text are left alone."""
    digest = hashlib.sha1()
    for name, text in sorted(evalset.documents.items()):
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    folder = root / f"{evalset.name}-{digest.hexdigest()[:10]}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in evalset.documents.items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return folder


@dataclass
class Row:
    id: str
    question: str
    kind: str
    gold_answer: str
    gold_docs: list[str]
    gold_pages: list[str]  # "doc p. N"
    doc_rank: int | None = None
    page_rank: int | None = None
    retrieved: list[str] = field(default_factory=list)  # "name p. N", top k
    answer: str = ""
    mode: str = ""
    cannot_answer: bool = False
    answer_match: bool | None = None
    figure_right: bool | None = None  # a one-figure gold answer: the answer's figure is it
    figure_value_right: bool | None = None  # the same, a figure without a scale word taken in the gold's
    judge: bool | None = None
    gold_number_recall: float | None = None
    citation_validity: float | None = None
    numbers_supported: float | None = None
    search_ms: float = 0.0
    answer_ms: float = 0.0  # the whole ask() call: retrieval and answering
    baseline_doc_rank: int | None = None
    baseline_page_rank: int | None = None
    baseline_retrieved: list[str] = field(default_factory=list)
    baseline_ms: float | None = None


def _label(hit: m.Hit) -> str:
    return hit.name + (f" p. {hit.page}" if hit.page is not None else "")


def gold_doc_ids(item: EvalItem, sources: dict[str, str]) -> list[str]:
    """The stored documents (doc id -> source) that are the item's gold documents."""
    return sorted(doc_id for doc_id, source in sources.items()
                  if any(m.doc_matches(source, g.doc) for g in item.sources))


def headline_figure(answer: Answer) -> m.Figure | None:
    """The figure an answer gives: its computed result, else the first figure it states."""
    if answer.cannot_answer:
        return None
    found = m.signed_figures(answer.computation.result if answer.computation else answer.answer)
    return found[0] if found else None


def score(item: EvalItem, assistant: Assistant, *, k: int, mode: str | None,
          documents: dict[str, str], judge: Judge | None = None,
          baseline_store: Any | None = None, given: list[str] | None = None) -> Row:
    """`given`: the gold documents' ids, to restrict search and answer to (--given-docs)."""
    gold = item.sources
    row = Row(item.id, item.question, item.kind, item.answer, [g.doc for g in gold],
              [f"{g.doc} p. {g.page}" for g in gold if g.page is not None])
    restrict: dict[str, Any] = {"doc_ids": given} if given else {}
    start = time.perf_counter()
    question = assistant.read(item.question)  # read once, for the search and the answer
    passages = assistant.search(question, k, **restrict)
    row.search_ms = (time.perf_counter() - start) * 1000
    hits = [m.Hit(p.source, p.page) for p in passages]
    row.retrieved = [_label(h) for h in hits]
    if gold:
        row.doc_rank = m.first_doc_rank(hits, gold)
        row.page_rank = m.first_page_rank(hits, gold) if row.gold_pages else None

    start = time.perf_counter()
    answer = assistant.ask(question, mode=mode, **restrict)
    row.answer_ms = (time.perf_counter() - start) * 1000
    row.answer, row.mode, row.cannot_answer = answer.answer, answer.mode, answer.cannot_answer
    predicted = "" if answer.cannot_answer else answer.answer
    row.answer_match = m.answer_match(item.answers, predicted)
    gold_figure = m.single_figure(item.answers)
    if gold_figure is not None:
        stated = headline_figure(answer)
        row.figure_right = m.figure_match(gold_figure, stated)
        row.figure_value_right = m.figure_match(gold_figure, stated, scale=False)
    row.gold_number_recall = m.gold_number_recall(item.answers, predicted)
    if judge is not None and item.answers:
        row.judge = False if answer.cannot_answer else judge(item.question, item.answer, predicted)
    for c in answer.citations:
        if c.doc_id not in documents:
            documents[c.doc_id] = assistant.store.registry.document_text(c.doc_id) or ""
    row.citation_validity = m.citation_validity(answer, documents)
    row.numbers_supported = m.numbers_supported(answer)

    if baseline_store is not None:
        start = time.perf_counter()
        base = plain.search(baseline_store, item.question, k)
        row.baseline_ms = (time.perf_counter() - start) * 1000
        row.baseline_retrieved = [_label(h) for h in base]
        if gold:
            row.baseline_doc_rank = m.first_doc_rank(base, gold)
            row.baseline_page_rank = m.first_page_rank(base, gold) if row.gold_pages else None
    return row


def local_sources(assistant: Assistant) -> list[str]:
    """The store's documents that are files on this machine, for the baseline to read."""
    return sorted(d.source for d in assistant.documents()
                  if not is_url(d.source) and Path(d.source).is_file())


def open_baseline(assistant: Assistant, files: list[str], home: Path, console: Console,
                  progress: bool) -> tuple[Any, dict[str, Any]]:
    plain.require()
    return plain.open_or_build(files, home, LangChainEmbeddings(assistant.embedder),
                               console=console, progress=progress)


def run(evalset: EvalSet, assistant: Assistant, *, k: int = 10, mode: str | None = None,
        judge: Judge | None = None, baseline_store: Any | None = None,
        console: Console | None = None, progress: bool = True, given_docs: bool = False) -> list[Row]:
    """Ask every question, in order, and score it; a rich progress bar on `console`.
    `given_docs`: each question searched and answered within its gold documents only."""
    console = console or Console(stderr=True)
    documents: dict[str, str] = {}
    sources = {d.doc_id: d.source for d in assistant.documents()} if given_docs else {}
    rows: list[Row] = []
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not progress) as bar:
        task = bar.add_task(f"eval {evalset.name}", total=len(evalset.items))
        for item in evalset.items:
            given = gold_doc_ids(item, sources) if given_docs else None
            if given_docs and not given:
                raise EvalError(f"--given-docs: question {item.id} names gold documents "
                                f"{', '.join(g.doc for g in item.sources) or '(none)'} that the "
                                "store does not hold; ingest them, or leave out --given-docs")
            rows.append(score(item, assistant, k=k, mode=mode, documents=documents, judge=judge,
                              baseline_store=baseline_store, given=given))
            bar.advance(task)
    return rows
