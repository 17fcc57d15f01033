"""load → chunk → embed → write, one writer at a time, with a progress bar.

Three things overlap, so that the cores stay on the embedding, the bulk of the work: loading
(parsing HTML/PDF) of the next sources runs in niced threads; a document is embedded while the one
before it is written (see _Writer); a long ingest embeds in a worker process (ingest.embed_worker).
Each source succeeds or fails on its own: a bad file is reported with its reason and the rest of
the batch is stored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ingest.chunking import chunk_document
from ingest.companies import fill_main_company
from ingest.dedup import DuplicateFinder
from ingest.doc_kinds import fill_document_kind
from ingest.documents import Chunk, DocMeta, Document, LoadError
from ingest.embed_worker import IngestEmbedding, WorkerMode
from ingest.filings import KnownFilings
from ingest.fiscal import fill_fiscal_period
from ingest.loaders import discover, load_documents
from ingest.sources.feeds import expand_sources
from ingest.store import PlannedWrite, Store

log = logging.getLogger(__name__)
LOADER_NICENESS = 10  # added to a loader thread's nice value: see _yield_to_embedding


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (source, stored copy's source)
    skipped: list[str] = field(default_factory=list)  # feed / URL-list items already stored
    embed_s: float = 0.0  # seconds spent embedding (in this process or the worker)
    embedded: int = 0  # texts embedded (the embedding cache served the others)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.unchanged)} unchanged, "
            f"{len(self.replaced)} replaced, {len(self.failed)} failed"
            + (f", {len(self.duplicates)} duplicates" if self.duplicates else "")
            + (f", {len(self.skipped)} already stored" if self.skipped else "")
        )


@dataclass
class IngestOptions:
    chunk_tokens: int = 200
    overlap_tokens: int = 24
    max_bytes: int = 200 * 2**20
    timeout: float = 20.0
    meta_overrides: dict[str, str] = field(default_factory=dict)
    prefetch: int = 4
    # Per source (absolute path): what its origin knows, e.g. EDGAR's form, filing date and
    # accession. Fills the fields the loader left empty (`url` replaces the file:// link);
    # meta_overrides still win over both.
    source_meta: dict[str, dict[str, str]] = field(default_factory=dict)
    # Where the local model embeds: see ingest.embed_worker.
    embedding_worker: WorkerMode = "auto"


Loader = Callable[[str], Document]


def ingest(
    inputs: Sequence[str],
    store: Store,
    options: IngestOptions | None = None,
    *,
    progress: bool = True,
    wait_for_lock_s: float = 0.0,
) -> IngestReport:
    options = options or IngestOptions()
    report = IngestReport()
    expanded = expand_sources(discover(inputs), registry=store.registry, timeout=options.timeout)
    sources, report.skipped, report.failed = expanded.sources, expanded.skipped, expanded.failed
    for url, item_meta in expanded.item_meta.items():
        options.source_meta.setdefault(url, item_meta)
    with store.writer(wait_for_lock_s):
        repaired = store.repair()
        if repaired:
            log.warning("repaired %d entries left by an interrupted ingest", repaired)
        with (_progress_bar(progress) as bar,
              IngestEmbedding(store.embedder, options.embedding_worker) as embed,
              _Writer(store, report, embed) as writer):
            task = bar.add_task("ingesting", total=len(sources))
            duplicates = DuplicateFinder(store.registry)
            known = KnownFilings.of(store.registry.metas())
            adopted: list[tuple[str, DocMeta]] = []  # exhibits stored before their filing
            writer.on_written = duplicates.remember
            for source, loaded in _load_ahead(sources, options):
                bar.update(task, description=_short(source))
                try:
                    # one Document, or a full submission's filing and its exhibits
                    for doc in loaded.result():
                        _complete_meta(doc, options.source_meta.get(source, {}), known,
                                       options.meta_overrides)
                        if duplicates.applies_to(doc):
                            writer.flush()  # near-duplicates are looked for among stored docs
                            if _is_duplicate(doc, duplicates, report):
                                continue
                        chunks = chunk_document(
                            doc, store.embedder.count_tokens, options.chunk_tokens,
                            options.overlap_tokens,
                        )
                        if not chunks:
                            raise LoadError(doc.meta.source, "no text to index after extraction")
                        writer.submit(source, doc, chunks)
                        known.add(doc.doc_id, doc.meta)
                        adopted += known.adopt(doc.doc_id, doc.meta)
                except LoadError as exc:
                    report.failed.append((source, exc.reason))
                except Exception as exc:  # one broken source must not stop the batch
                    log.debug("ingest of %s failed", source, exc_info=True)
                    report.failed.append((source, f"{type(exc).__name__}: {exc}"))
                bar.advance(task)
        for doc_id, meta in adopted:  # written by now: their filing's metadata replaces theirs
            store.update_meta(doc_id, meta)
    return report


class _Writer:
    """Writes documents in the order given, embedding each while the one before is stored.

    ``submit`` plans a document's write and starts embedding its new chunks in the background,
    then stores the previous document (Chroma, registry) meanwhile: the embedding keeps both
    cores busy through the writes and the chunking, which would otherwise leave one idle. Writes
    stay one at a time, in order, in the caller's thread, so the store's write order (and what a
    kill leaves) is unchanged. A failure is reported against its source; the source's other
    documents (a filing's exhibits) are written or fail on their own.
    """

    def __init__(self, store: Store, report: IngestReport,
                 embed: Callable[[Sequence[str]], np.ndarray]) -> None:
        self.store = store
        self.embed = embed
        self.report = report
        self.on_written: Callable[[Document], None] = lambda doc: None
        self._embedding = ThreadPoolExecutor(1, thread_name_prefix="embed-dispatch")
        self._pending: tuple[str, PlannedWrite, Future[np.ndarray]] | None = None

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self.flush()
        finally:
            self._embedding.shutdown(wait=True, cancel_futures=True)

    def submit(self, source: str, doc: Document, chunks: list[Chunk]) -> None:
        in_flight = set(self._pending[1].missing) if self._pending else set()
        plan = self.store.plan_write(doc, chunks, in_flight)
        if plan is None:
            self.flush()
            self.report.unchanged.append(doc.meta.source)
            self.report.chunks += len(chunks)
            return
        future = self._embedding.submit(self._timed_embed, plan.to_embed)
        self.flush()
        self._pending = (source, plan, future)

    def _timed_embed(self, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self.embed(texts)
        finally:  # one embedding at a time (one dispatch thread): no lock needed
            self.report.embed_s += time.perf_counter() - start
            self.report.embedded += len(texts)

    def flush(self) -> None:
        """Store the document being embedded, if any; record its outcome or failure."""
        if self._pending is None:
            return
        source, plan, future = self._pending
        self._pending = None
        try:
            outcome = self.store.finish_write(plan, future.result())
        except Exception as exc:  # one broken source must not stop the batch
            log.debug("ingest of %s failed", source, exc_info=True)
            reason = exc.reason if isinstance(exc, LoadError) else f"{type(exc).__name__}: {exc}"
            if source not in {failed for failed, _ in self.report.failed}:
                self.report.failed.append((source, reason))
        else:
            self.on_written(plan.doc)
            getattr(self.report, outcome).append(plan.doc.meta.source)
            self.report.chunks += len(plan.chunks)


def _load_ahead(
    sources: Sequence[str], options: IngestOptions
) -> Iterator[tuple[str, Future[list[Document]]]]:
    """Yield (source, future) in order, with up to `prefetch` loads running ahead."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="load",
                            initializer=_yield_to_embedding) as pool:
        pending: deque[tuple[str, Future[list[Document]]]] = deque()
        queue = iter(sources)

        def submit_next() -> None:
            source = next(queue, None)
            if source is not None:
                pending.append(
                    (source, pool.submit(load_documents, source, max_bytes=options.max_bytes,
                                         timeout=options.timeout))
                )

        for _ in range(max(1, options.prefetch)):
            submit_next()
        while pending:
            item = pending.popleft()
            submit_next()
            yield item


def _yield_to_embedding() -> None:
    """Run a loader thread at a lower priority than the embedding. onnxruntime splits every
    operator across all cores and waits for the slowest part, so a loader thread that takes a
    core from it stalls the whole model; niced, it loads in the gaps instead."""
    with contextlib.suppress(AttributeError, OSError):  # Linux: a thread's id is a process id
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOADER_NICENESS)


def _complete_meta(doc: Document, source_meta: dict[str, str], known: KnownFilings,
                   overrides: dict[str, str]) -> None:
    """Fill what the loader left out of a document's metadata: what its origin knows (EDGAR, a
    feed), the fiscal period and main company a filing or PDF states, its filing's metadata (an
    exhibit's), its kind and date; the user's overrides win over all of them."""
    _apply_source_meta(doc, source_meta)
    if doc.kind in ("pdf", "sec"):
        fill_fiscal_period(doc.meta, doc.text)
        fill_main_company(doc.meta, doc.text)
    known.settle(doc.meta)  # an exhibit's filing; one name per company
    if doc.kind in ("pdf", "sec") or doc.meta.exhibit:
        fill_document_kind(doc.meta, doc.text)  # release, annual report, date
    _apply_overrides(doc, overrides)


def _apply_source_meta(doc: Document, meta: dict[str, str]) -> None:
    for key, value in meta.items():
        if value and (key == "url" or not getattr(doc.meta, key)):
            setattr(doc.meta, key, value)


def _is_duplicate(doc: Document, finder: DuplicateFinder, report: IngestReport) -> bool:
    """A near-copy of a stored article: its source is recorded with that article, not stored."""
    match = finder.match(doc)
    if match is not None:
        finder.record(doc, match)
        report.duplicates.append((doc.meta.source, match.source))
    return match is not None


def _apply_overrides(doc: Document, overrides: dict[str, str]) -> None:
    for key, value in overrides.items():
        if value:
            setattr(doc.meta, key, value)


def _short(source: str, width: int = 40) -> str:
    return source if len(source) <= width else "…" + source[-(width - 1):]


def _progress_bar(enabled: bool) -> Any:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
        transient=False,
    )
