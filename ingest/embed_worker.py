"""Embedding in a worker process, for long ingests.

The ingest's own process loads PDFs (Python table detection), chunks (Python) and writes to the
embedded Chroma, whose upsert holds the GIL for about half a second per filing. Run in that
process, the onnxruntime sessions wait for the GIL between model runs, and one of the two cores
idles through every upsert (measured: the process used 1.32 of 2 cores during upserts, 1.97
without). In a process of its own (``python -m ingest.embed_worker``, a fresh interpreter that
never re-runs the caller's script) the model keeps both cores busy; texts go there and vectors
come back through its stdin/stdout (~0.5 MB per filing), and it ends when its stdin closes.

Starting that process costs a second or two (it imports onnxruntime and loads the model), so
``auto`` embeds in-process first and moves to the worker once an ingest has embedded
:data:`WORKER_AFTER_CHARS` of text, as soon as the worker is ready. The worker runs the same
model with the same sessions and runs, so its vectors are the ones the ingest's process would
compute. If the worker cannot start or dies, ``auto`` goes on in-process (with a warning);
``always`` reports the failure.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np

from ingest.embeddings import Embedder, EmbeddingError, LocalMiniLM

log = logging.getLogger(__name__)

WorkerMode = Literal["auto", "always", "never"]
# ~50k tokens, ~12 s of embedding on two cores: enough work to pay for starting the worker.
WORKER_AFTER_CHARS = 200_000
_HEADER = struct.Struct("!Q")
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def _send(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    """The next message, or None when the other side has closed the pipe."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    return pickle.loads(data) if len(data) == size else None  # noqa: S301 (our own child)


def serve(batch_size: int, threads: int, sessions: int, tokens_per_run: int,
          cache_dir: Path | None = None) -> None:
    """The worker's loop: texts in on stdin, vectors out on stdout, until stdin closes (the
    ingest finished, or its process died: either way the worker ends)."""
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies may reach the pipe
    model = LocalMiniLM(batch_size=batch_size, threads=threads, sessions=sessions,
                        tokens_per_run=tokens_per_run, cache_dir=cache_dir)
    model.embed(["warm up"])
    _send(replies, ("ready", None))
    while (texts := _receive(requests)) is not None:
        try:
            _send(replies, ("ok", model.embed(texts)))
        except Exception as exc:  # the ingest reports it against the document
            _send(replies, ("error", f"{type(exc).__name__}: {exc}"))


class EmbeddingWorker:
    """A :class:`LocalMiniLM` like ``model``, in a process of its own (``python -m
    ingest.embed_worker``: a fresh interpreter that imports nothing of the caller's script)."""

    def __init__(self, model: LocalMiniLM) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "ingest.embed_worker", str(model.batch_size),
             str(model.threads), str(model.sessions), str(model.tokens_per_run),
             *([str(model.cache_dir)] if model.cache_dir is not None else [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            cwd=PACKAGE_ROOT,  # `-m` puts the cwd first on sys.path: this `ingest`, no other
        )
        self._lock = threading.Lock()
        self._started = threading.Event()
        self._failed: str | None = None
        threading.Thread(target=self._wait_for_start, daemon=True, name="embed-worker-start").start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def _wait_for_start(self) -> None:
        assert self._process.stdout is not None
        message = _receive(self._process.stdout)
        if message != ("ready", None):
            self._failed = f"it exited with status {self._process.wait()} before it was ready"
        self._started.set()

    @property
    def ready(self) -> bool:
        """Started and its model loaded. Raises EmbeddingError if it could not start."""
        if not self._started.is_set():
            return False
        if self._failed:
            raise self._stopped(self._failed)
        return True

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self._started.wait()
        if self._failed:
            raise self._stopped(self._failed)
        assert self._process.stdin is not None and self._process.stdout is not None
        with self._lock:
            try:
                _send(self._process.stdin, list(texts))
                reply = _receive(self._process.stdout)
            except OSError as exc:
                raise self._stopped(f"{type(exc).__name__}: {exc}") from exc
        if reply is None:
            raise self._stopped(f"it exited with status {self._process.wait()}")
        status, value = reply
        if status != "ok":
            raise EmbeddingError(f"The embedding worker process failed: {value}")
        vectors: np.ndarray = value
        return vectors

    @staticmethod
    def _stopped(why: str) -> EmbeddingError:
        return EmbeddingError(
            f"The embedding worker process stopped ({why}). Rerun the ingest (what was stored "
            "stays), or set DOSSIER_EMBEDDING_WORKER=never to embed in the ingest's own process."
        )

    def close(self) -> None:
        """End the worker: closing its stdin ends its loop."""
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):  # already broken: the worker is gone
                self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


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


if __name__ == "__main__":
    batch_size, threads, sessions, tokens_per_run = (int(arg) for arg in sys.argv[1:5])
    serve(batch_size, threads, sessions, tokens_per_run,
          Path(sys.argv[5]) if len(sys.argv) > 5 else None)
