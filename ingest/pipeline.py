"""load → chunk → embed → write, one writer at a time, with a progress bar.

Loading (parsing HTML/PDF) of the next sources runs in worker threads while the current one is
embedded, so the two cores are both busy. Each source succeeds or fails on its own: a bad file is
reported with its reason and the rest of the batch is stored.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ingest.chunking import chunk_document
from ingest.documents import Document, LoadError
from ingest.loaders import discover, load_source
from ingest.store import Store

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.unchanged)} unchanged, "
            f"{len(self.replaced)} replaced, {len(self.failed)} failed"
        )


@dataclass
class IngestOptions:
    chunk_tokens: int = 200
    overlap_tokens: int = 24
    max_bytes: int = 200 * 2**20
    timeout: float = 20.0
    meta_overrides: dict[str, str] = field(default_factory=dict)
    prefetch: int = 4


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
    sources = discover(inputs)
    report = IngestReport()
    with store.writer(wait_for_lock_s):
        repaired = store.repair()
        if repaired:
            log.warning("repaired %d entries left by an interrupted ingest", repaired)
        with _progress_bar(progress) as bar:
            task = bar.add_task("ingesting", total=len(sources))
            for source, loaded in _load_ahead(sources, options):
                bar.update(task, description=_short(source))
                try:
                    doc = loaded.result()
                    _apply_overrides(doc, options.meta_overrides)
                    chunks = chunk_document(
                        doc, store.embedder.count_tokens, options.chunk_tokens,
                        options.overlap_tokens,
                    )
                    if not chunks:
                        raise LoadError(source, "no text to index after extraction")
                    outcome = store.write(doc, chunks)
                    getattr(report, outcome).append(source)
                    report.chunks += len(chunks)
                except LoadError as exc:
                    report.failed.append((source, exc.reason))
                except Exception as exc:  # one broken source must not stop the batch
                    log.debug("ingest of %s failed", source, exc_info=True)
                    report.failed.append((source, f"{type(exc).__name__}: {exc}"))
                bar.advance(task)
        store.refresh_lexical()
    return report


def _load_ahead(
    sources: Sequence[str], options: IngestOptions
) -> Iterator[tuple[str, Future[Document]]]:
    """Yield (source, future) in order, with up to `prefetch` loads running ahead."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="load") as pool:
        pending: deque[tuple[str, Future[Document]]] = deque()
        queue = iter(sources)

        def submit_next() -> None:
            source = next(queue, None)
            if source is not None:
                pending.append(
                    (source, pool.submit(load_source, source, max_bytes=options.max_bytes,
                                         timeout=options.timeout))
                )

        for _ in range(max(1, options.prefetch)):
            submit_next()
        while pending:
            item = pending.popleft()
            submit_next()
            yield item


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
