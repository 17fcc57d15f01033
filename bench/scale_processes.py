"""The fresh-process steps of bench/scale.py: adding a real filing, a kill between Chroma's
write and the commit point then a rerun, deleting the filing, a restart, each in a process of its
own (`python -m bench.scale --child ...`); and the store opened in this process meanwhile."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from bench import common
from bench.common import REPO
from bench.scale_report import SizeResult
from ingest.documents import sha256


def child(mode: str, home: Path, *extra: str) -> dict[str, Any]:
    """Run bench.scale's --child mode (`run_child`) in a fresh process; its JSON line."""
    result = subprocess.run([sys.executable, "-m", "bench.scale", "--child", mode, "--home",
                             str(home), *extra], cwd=REPO, capture_output=True, text=True,
                            check=False, env=_env(home))
    if result.returncode != 0:
        raise RuntimeError(f"child {mode} failed: {result.stderr[-2000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "DOSSIER_HOME": str(home)}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DOSSIER_CHROMA_URL"):
        env.pop(name, None)
    return env


def run_child(args: argparse.Namespace) -> None:
    """`bench.scale --child add|first`, in this fresh process: add --filing (Chroma's index load
    timed apart) or answer a first --question; prints one JSON line of timings."""
    from assistant import Assistant
    from ingest.embeddings import LocalMiniLM

    start = time.perf_counter()
    embedder = common.TimedEmbedder(LocalMiniLM())
    out: dict[str, Any] = {}
    with Assistant(home=args.home, embedder=embedder) as assistant:
        out["open_s"] = time.perf_counter() - start
        if args.child == "add":
            # Chroma's HNSW index is loaded whole by the first query or write of a process (O(store),
            # once per process: a chat or a `chroma run` server holds it): timed apart
            start = time.perf_counter()
            collection = assistant.store.collection  # Chroma imported and opened
            if collection.count():
                dimension = assistant.store.embedder.dimension
                collection.query(query_embeddings=[np.full(dimension, dimension ** -0.5,
                                                           dtype=np.float32)], n_results=1)
            out["index_load_s"] = time.perf_counter() - start
            start = time.perf_counter()
            report = assistant.ingest([args.filing], progress=False)
            assert report.ok and (report.added or report.replaced), report.summary()
            out.update(add_s=time.perf_counter() - start, embed_s=embedder.embed_s,
                       chunks=len(assistant.store.registry.chunk_ids_of(doc_id_of(args.filing))))
        else:  # first: open, then answer a first question
            start = time.perf_counter()
            assistant.ask(args.question, mode="extractive")
            out["first_answer_s"] = time.perf_counter() - start
    out["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def doc_id_of(path: Path) -> str:
    return sha256(path.expanduser().resolve().as_posix())[:16]


def crash_then_rerun(home: Path, filing: Path) -> dict[str, Any]:
    """Kill an ingest of the filing right after its vectors reach Chroma (before the commit
    point), then ingest it again: how long the rerun (repair included) took."""
    mark = home.parent / "fired"
    mark.unlink(missing_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fault_runner", "kill", "chroma-upserted", "1", "--",
         "ingest", str(filing), "-q"], cwd=REPO, env={**_env(home), "DOSSIER_FAULT_MARK": str(mark)},
        capture_output=True, text=True, check=False)
    assert mark.exists() and proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    return child("add", home, "--filing", str(filing))


def check_in_step(store: Any, doc_id: str, clean_ids: list[str]) -> None:
    """After a crash and a rerun: the filing's chunks are those a clean add gives, in the
    registry, Chroma and FTS5 alike; no write is left in the journal; counts agree."""
    registry = store.registry
    ids = registry.chunk_ids_of(doc_id)
    assert ids == clean_ids, "the rerun stored other chunks than a clean add"
    in_chroma = set(store.collection.get(ids=ids, include=[])["ids"])
    assert in_chroma == set(ids), "Chroma lacks chunks of the filing"
    assert registry.pending_writes() == [], "a write is left in the journal"
    total = len(registry.all_chunk_ids())
    assert store.collection.count() == total == len(registry.lexical_chunk_ids()), \
        "Chroma, FTS5 and the registry differ in size"


@contextlib.contextmanager
def opened(home: Path, **settings: Any) -> Iterator[Any]:
    """The store's Assistant in this process, let go of whole on leaving (Chroma's shared
    client too), so that a fresh process may write the store next."""
    from chromadb.api.shared_system_client import SharedSystemClient

    from assistant import Assistant
    from ingest.embeddings import LocalMiniLM

    try:
        with Assistant(home=home, embedder=LocalMiniLM(), **settings) as assistant:
            yield assistant
    finally:
        SharedSystemClient.clear_system_cache()


def disk_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def measure_processes(result: SizeResult, home: Path, questions: list[str],
                      args: argparse.Namespace, clean_ids: list[str]) -> None:
    """Adding the filing, a crash and a rerun, deleting it, a restart: each in a fresh process
    (the store is not open here meanwhile); the store is left as it was grown."""
    doc_id = doc_id_of(args.filing)
    result.add = child("add", home, "--filing", str(args.filing))
    with opened(home) as assistant:
        assert assistant.store.registry.chunk_ids_of(doc_id) == clean_ids, "another add"
        with assistant.store.writer():
            assistant.store.delete(doc_id)
    result.rerun = crash_then_rerun(home, args.filing)
    with opened(home) as assistant:
        check_in_step(assistant.store, doc_id, clean_ids)
        start = time.perf_counter()
        with assistant.store.writer():
            assistant.store.delete(doc_id)
        result.delete_s = time.perf_counter() - start
    result.first = child("first", home, "--question", questions[0])
    result.disk_mib = disk_mib(home)
