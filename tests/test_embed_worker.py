"""Embedding in a worker process (ingest.embed_worker): same vectors as in-process, the switch
from in-process to the worker, a worker that dies, and no worker left behind by a killed ingest."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant.config import Settings
from ingest import embed_worker
from ingest.embed_worker import EmbeddingWorker, IngestEmbedding
from ingest.embeddings import EmbeddingError, LocalMiniLM
from tests.conftest import FIXTURES, CountingEmbedder

REPO = Path(__file__).resolve().parent.parent
TEXTS = [
    "Total net sales rose 8% to $94.8 billion in the March quarter.",
    "Alibaba will invest more than 380 billion yuan in AI and cloud infrastructure.",
    "The say-on-pay proposal passed with 61% of the votes cast.",
    "Operating cash flow was $28.6 billion; capital expenditures were $2.9 billion.",
] * 5


def wait_ready(worker: EmbeddingWorker, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not worker.ready:
        assert time.monotonic() < deadline, "the worker never started"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:  # a zombie has exited
        return f.read().split(") ", 1)[1][0] != "Z"


def test_worker_vectors_are_the_in_process_vectors(minilm: LocalMiniLM) -> None:
    with IngestEmbedding(minilm, "always") as embed:
        vectors = embed(TEXTS)
        assert embed.used_worker and embed.worker is not None
        pid = embed.worker.pid
        assert pid != os.getpid() and alive(pid)
    # same model, same sessions, same runs: the very same numbers
    np.testing.assert_array_equal(vectors, minilm.embed(TEXTS))
    deadline = time.monotonic() + 30
    while alive(pid):  # leaving the context stops the worker
        assert time.monotonic() < deadline, "the worker outlived its ingest"
        time.sleep(0.1)


def test_auto_moves_to_the_worker_after_enough_text(
    minilm: LocalMiniLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embed_worker, "WORKER_AFTER_CHARS", 500)
    with IngestEmbedding(minilm, "auto") as embed:
        first = embed(TEXTS[:2])  # ~130 characters: in-process, no worker yet
        assert embed.worker is None and not embed.used_worker
        embed(TEXTS)  # past 500 characters: the worker starts...
        assert embed.worker is not None and not embed.used_worker
        wait_ready(embed.worker)
        again = embed(TEXTS[:2])  # ...and takes over once it is ready
        assert embed.used_worker
    np.testing.assert_array_equal(first, again)


def test_other_embedders_never_use_a_worker(minilm: LocalMiniLM) -> None:
    counting = CountingEmbedder(minilm)
    with IngestEmbedding(counting, "always") as embed:
        embed(TEXTS)
        assert embed.worker is None and counting.embedded == TEXTS


def test_a_dead_worker_is_reported_or_replaced_by_the_ingest_process(
    minilm: LocalMiniLM, caplog: pytest.LogCaptureFixture
) -> None:
    with IngestEmbedding(minilm, "always") as embed:
        embed(TEXTS[:1])
        assert embed.worker is not None
        os.kill(embed.worker.pid, signal.SIGKILL)
        with pytest.raises(EmbeddingError, match="embedding worker process stopped.*"
                                                 "DOSSIER_EMBEDDING_WORKER=never"):
            embed(TEXTS)
    with IngestEmbedding(minilm, "auto") as embed:
        embed.worker = EmbeddingWorker(minilm)
        wait_ready(embed.worker)
        os.kill(embed.worker.pid, signal.SIGKILL)
        with caplog.at_level(logging.WARNING, logger="ingest.embed_worker"):
            vectors = embed(TEXTS)
        assert "Embedding in the ingest's process instead" in caplog.text
        assert embed.worker is None and embed.mode == "never"
        np.testing.assert_array_equal(vectors, minilm.embed(TEXTS))


def test_ingest_through_the_worker_stores_what_an_in_process_ingest_stores(
    tmp_path: Path,
) -> None:
    sources = [str(FIXTURES / "alibaba-ai-investment-2025.txt"),
               str(FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html")]
    stored = {}
    for mode in ("always", "never"):
        settings = Settings(store={"home": tmp_path / mode}, embedding={"worker": mode})
        with Assistant(settings=settings) as assistant:
            report = assistant.ingest(sources, progress=False)
            assert report.ok and len(report.added) == 2, report.failed
            got = assistant.store.collection.get(include=["embeddings", "documents"])
            stored[mode] = dict(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))
    assert stored["always"].keys() == stored["never"].keys() and len(stored["never"]) > 10
    for chunk_id, vector in stored["never"].items():
        np.testing.assert_array_equal(stored["always"][chunk_id], vector)


def test_a_killed_ingest_leaves_no_worker_behind(tmp_path: Path) -> None:
    script = textwrap.dedent("""
        import sys, time
        from ingest.embed_worker import IngestEmbedding
        from ingest.embeddings import LocalMiniLM
        embed = IngestEmbedding(LocalMiniLM(), "always")
        embed(["warm up"])
        print(embed.worker.pid, flush=True)
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert alive(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while alive(child):
            assert time.monotonic() < deadline, "the worker outlived the killed ingest"
            time.sleep(0.1)
    finally:
        parent.kill()


def test_a_script_without_a_main_guard_runs_once(tmp_path: Path) -> None:
    """The worker is a fresh interpreter: it never re-runs the caller's script (as a
    multiprocessing 'spawn' child would, importing the script again as __mp_main__)."""
    script = tmp_path / "notebook_like.py"
    runs = tmp_path / "runs.txt"
    script.write_text(textwrap.dedent(f"""
        from ingest.embed_worker import IngestEmbedding
        from ingest.embeddings import LocalMiniLM
        with open({str(runs)!r}, "a") as f:
            f.write("ran\\n")
        with IngestEmbedding(LocalMiniLM(), "always") as embed:
            print(embed(["hello", "world"]).shape, embed.used_worker)
    """), encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(2, 384) True"
    assert runs.read_text(encoding="utf-8") == "ran\n"
