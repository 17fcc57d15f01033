"""Embedding in a worker process, for long ingests.

The ingest's own process loads PDFs (Python table detection), chunks (Python) and writes to the
embedded Chroma, whose upsert holds the GIL for about half a second per filing. Run in that
process, the onnxruntime sessions wait for the GIL between model runs, and one of the two cores
idles through every upsert (measured: the process used 1.32 of 2 cores during upserts, 1.97
without). In a process of its own the model keeps both cores busy; the texts go there and the
vectors come back through a pipe (~0.5 MB per filing).

Starting that process costs a second or two (it imports onnxruntime and loads the model), so
``auto`` embeds in-process first and moves to the worker once an ingest has embedded
:data:`WORKER_AFTER_CHARS` of text, as soon as the worker is ready. The worker runs the same
model with the same sessions and runs, so its vectors are the ones the ingest's process would
compute. If the worker cannot start or dies, ``auto`` goes on in-process (with a warning);
``always`` reports the failure.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Literal

import numpy as np

from ingest.embeddings import Embedder, EmbeddingError, LocalMiniLM

log = logging.getLogger(__name__)

WorkerMode = Literal["auto", "always", "never"]
# ~50k tokens, ~12 s of embedding on two cores: enough work to pay for starting the worker.
WORKER_AFTER_CHARS = 200_000

PARENT_POLL_S = 0.5
_model: LocalMiniLM | None = None  # in the worker process


def _start_worker(batch_size: int, threads: int, sessions: int) -> None:
    global _model
    _model = LocalMiniLM(batch_size=batch_size, threads=threads, sessions=sessions)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True,
                     name="watch-parent").start()


def _exit_with_parent(parent: int) -> None:
    """End the worker when the ingest's process is gone (killed, say): the worker holds both
    ends of its task pipe, so it would otherwise wait for tasks forever."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def _worker_embed(texts: list[str]) -> np.ndarray:
    assert _model is not None, "the worker's initializer did not run"
    return _model.embed(texts)


class EmbeddingWorker:
    """A :class:`LocalMiniLM` like ``model``, in a spawned process of its own."""

    def __init__(self, model: LocalMiniLM) -> None:
        # spawn, not fork: the ingest's process runs threads (loaders, onnxruntime, Chroma).
        self._pool = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker, initargs=(model.batch_size, model.threads, model.sessions),
        )
        self._warm: Future[np.ndarray] = self._pool.submit(_worker_embed, ["warm up"])

    @property
    def pid(self) -> int:
        """The worker process's id (started with this object)."""
        (pid,) = self._pool._processes  # the executor's one process, spawned by the warm-up
        return int(pid)

    @property
    def ready(self) -> bool:
        """Started and its model loaded. Raises EmbeddingError if it could not start."""
        if not self._warm.done():
            return False
        self._check(self._warm)
        return True

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        try:
            future = self._pool.submit(_worker_embed, list(texts))
        except (BrokenProcessPool, RuntimeError) as exc:
            raise self._stopped(exc) from exc
        return self._check(future)

    def _check(self, future: Future[np.ndarray]) -> np.ndarray:
        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise self._stopped(exc) from exc

    @staticmethod
    def _stopped(exc: BaseException) -> EmbeddingError:
        return EmbeddingError(
            f"The embedding worker process stopped ({exc}). Rerun the ingest (what was stored "
            "stays), or set DOSSIER_EMBEDDING_WORKER=never to embed in the ingest's own process."
        )

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class IngestEmbedding:
    """``embed`` for one ingest: in-process, or in an :class:`EmbeddingWorker` (see the module
    docstring for when). Use as a context manager, which stops the worker."""

    def __init__(self, embedder: Embedder, mode: WorkerMode = "auto") -> None:
        self.embedder = embedder
        self.mode: WorkerMode = mode if isinstance(embedder, LocalMiniLM) else "never"
        self.worker: EmbeddingWorker | None = None
        self.used_worker = False
        self._chars = 0
        if self.mode == "always":
            self._start_worker()

    def __enter__(self) -> IngestEmbedding:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        worker = self._ready_worker()
        if worker is not None:
            try:
                vectors = worker.embed(texts)
            except EmbeddingError as exc:
                if self.mode == "always":
                    raise
                self._give_up_worker(exc)
            else:
                self.used_worker = True
                return vectors
        vectors = self.embedder.embed(texts)
        self._chars += sum(len(t) for t in texts)
        if self.mode == "auto" and self.worker is None and self._chars >= WORKER_AFTER_CHARS:
            self._start_worker()
        return vectors

    def _start_worker(self) -> None:
        assert isinstance(self.embedder, LocalMiniLM)
        self.worker = EmbeddingWorker(self.embedder)
        log.info("embedding in a worker process from now on")

    def _ready_worker(self) -> EmbeddingWorker | None:
        """The worker if it can take texts now (``always``: waits for it to start)."""
        if self.worker is None:
            return None
        if self.mode == "always":
            return self.worker
        try:
            return self.worker if self.worker.ready else None
        except EmbeddingError as exc:
            self._give_up_worker(exc)
            return None

    def _give_up_worker(self, exc: EmbeddingError) -> None:
        log.warning("%s Embedding in the ingest's process instead.", exc)
        if self.worker is not None:
            self.worker.close()
        self.worker = None
        self.mode = "never"
