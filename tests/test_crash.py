"""Crash safety with real processes: `dossier ingest` killed (SIGKILL) between any two steps of
the store's write order, or at moments picked by the clock, then run again, must leave exactly
the store one clean run leaves: same documents, same chunk ids, no duplicates, Chroma, the
lexical index and the registry in step, no write left in the journal, and no debris in
DOSSIER_HOME.

Faults are injected by tests/fault_runner.py (the CLI with one store method wrapped); the
product has no hooks. Each case costs two CLI processes, so the module takes a minute or two.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.embeddings import LocalMiniLM
from ingest.store import Store
from tests.conftest import FIXTURES
from tests.helpers import cli_env

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
# What a store folder may hold; anything else is debris.
STORE_FILES = {"chroma", "registry.sqlite3", "registry.sqlite3-wal", "registry.sqlite3-shm",
               "writer.lock", "open.lock"}
EXTRA = ("Alibaba's cloud unit said on Friday it would add data centres in Mexico, Japan, South "
         "Korea, Malaysia and Dubai over the next year, as demand for AI computing grows.")


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=cli_env(home), cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=False)


def faulted(home: Path, action: str, point: str, nth: int,
            *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fault_runner", action, point, str(nth), "--", *args],
        env=cli_env(home, **extra), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)


# --- the job -------------------------------------------------------------------------------------
def write_v1(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "alibaba-ai-investment-2025.txt", folder / "a_alibaba.txt")
    (folder / "b_oracle.md").write_text(
        "# Oracle vote\n\nOracle stockholders elected all twelve director nominees in 2024.\n\n"
        "The say-on-pay proposal passed with 61% of the votes cast.\n")
    shutil.copy(FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html", folder / "c_buckle.html")
    (folder / "d_nordstrom.md").write_text(
        "# Nordstrom\n\nNordstrom changed executive pay after the family buyout offer.\n")


def write_v2(folder: Path) -> None:
    """The second job: two documents edited, one added; the rest as they were."""
    with (folder / "a_alibaba.txt").open("a") as f:
        f.write("\n\n" + EXTRA + "\n")
    (folder / "b_oracle.md").write_text(
        "# Oracle vote\n\nOracle stockholders elected eleven of the twelve director nominees.\n\n"
        "The say-on-pay proposal passed with 61% of the votes cast.\n")
    (folder / "e_apple.md").write_text(
        "# Apple\n\nApple faces supply-chain risk from single-source suppliers in Asia.\n")


V2_ARGS = ("--period", "FY2025")  # new metadata on every document: kept chunks are updated too


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The corpus after v2, a store holding v1 of it, and a clean (uncrashed) v1 -> v2 store."""
    root = tmp_path_factory.mktemp("crash")
    corpus, v1 = root / "corpus", root / "v1"
    write_v1(corpus)
    result = cli(v1, "ingest", str(corpus), "-q")
    assert result.returncode == 0, result.stderr
    write_v2(corpus)
    clean = root / "clean"
    shutil.copytree(v1, clean)
    result = cli(clean, "ingest", str(corpus), "-q", *V2_ARGS)
    assert result.returncode == 0, result.stderr
    assert "1 added, 0 unchanged, 4 replaced, 0 failed" in result.stdout
    return {"corpus": corpus, "v1": v1, "clean": clean}


# --- what a store holds --------------------------------------------------------------------------
def snapshot(home: Path, minilm: LocalMiniLM) -> dict[str, Any]:
    """Everything that must match a clean run, after checking the store is internally in step."""
    debris = set(os.listdir(home)) - STORE_FILES
    assert not debris, f"left in {home}: {debris}"
    store = Store(home, minilm)
    try:
        registry = store.registry
        docs = registry.documents()
        sources = [d.source for d in docs]
        assert len(sources) == len(set(sources)), "a document is stored twice"
        chunks = list(registry.iter_chunks())
        ids = [c.chunk_id for c in chunks]
        assert len(ids) == len(set(ids)), "a chunk is stored twice"
        got = store.collection.get(include=["embeddings", "documents", "metadatas"])
        assert len(got["ids"]) == len(set(got["ids"]))
        assert set(got["ids"]) == set(ids), "Chroma and the registry disagree"
        assert sorted(registry.lexical_chunk_ids()) == sorted(ids), "FTS5 and the registry disagree"
        assert registry.pending_writes() == [], "a write is left in the journal"
        # Chroma answers queries over all of it (its index is not damaged)
        hits = store.dense_search(minilm.embed(["Alibaba cloud investment"])[0], k=len(ids))
        assert {cid for cid, _ in hits} == set(ids)
        embeddings = got["embeddings"]
        assert embeddings is not None and got["documents"] is not None
        chroma = {
            cid: (text, meta, np.asarray(vec))
            for cid, text, meta, vec in zip(got["ids"], got["documents"], got["metadatas"] or [],
                                            embeddings, strict=True)
        }
        return {
            "documents": sorted((d.source, d.doc_id, d.content_hash, d.kind,
                                 d.meta.model_dump_json(), d.n_chunks) for d in docs),
            "chunks": sorted((c.chunk_id, c.doc_id, c.ordinal, c.text, c.start, c.end, c.page,
                              c.section) for c in chunks),
            "chroma": chroma,
        }
    finally:
        store.close()


def assert_same(crashed: dict[str, Any], clean: dict[str, Any]) -> None:
    differ = [(a, b) for a, b in zip(crashed["documents"], clean["documents"], strict=False) if a != b]
    assert crashed["documents"] == clean["documents"], differ
    assert crashed["chunks"] == clean["chunks"]
    assert crashed["chroma"].keys() == clean["chroma"].keys()
    for cid, (text, meta, vec) in clean["chroma"].items():
        got_text, got_meta, got_vec = crashed["chroma"][cid]
        assert (got_text, got_meta) == (text, meta), cid
        np.testing.assert_allclose(got_vec, vec, atol=1e-4)


def rerun(home: Path, corpus: Path) -> None:
    result = cli(home, "ingest", str(corpus), "-q", *V2_ARGS)
    assert result.returncode == 0, result.stderr
    assert "0 failed" in result.stdout and "Traceback" not in result.stderr


# --- the cases -----------------------------------------------------------------------------------
# (point, n): killed right after the n-th return from that step. The job writes a, b, c, d, e in
# order (repair() at the start finds no journalled write: it calls nothing).
KILL_POINTS = [
    ("embedded", 2),  # b embedded and cached, nothing else written for it
    ("journal-written", 2),  # b's write journalled, Chroma not touched yet
    ("chroma-upserted", 3),  # c's new vectors (and kept chunks' new metadata) in Chroma only
    ("registry-committed", 1),  # a committed: its stale vectors still in Chroma
    ("registry-committed", 5),  # every document committed, e's journal entry not cleared
    ("stale-deleted", 3),  # c fully written to Chroma and registry, its journal entry kept
    ("journal-cleared", 5),  # everything written; killed before exiting
]


@pytest.mark.parametrize(("point", "nth"), KILL_POINTS, ids=[f"{p}-{n}" for p, n in KILL_POINTS])
def test_kill_at_each_step_then_rerun_equals_a_clean_run(
    job: dict[str, Path], tmp_path: Path, minilm: LocalMiniLM, point: str, nth: int
) -> None:
    home = tmp_path / "home"
    shutil.copytree(job["v1"], home)
    mark = tmp_path / "fired"
    proc = faulted(home, "kill", point, nth, "ingest", str(job["corpus"]), "-q", *V2_ARGS,
                   DOSSIER_FAULT_MARK=str(mark))
    _, stderr = proc.communicate(timeout=300)
    assert mark.exists(), f"the fault at {point} #{nth} never fired: {stderr[-2000:]}"
    assert proc.returncode == -signal.SIGKILL
    rerun(home, job["corpus"])
    assert_same(snapshot(home, minilm), snapshot(job["clean"], minilm))


def generation(home: Path) -> int:
    try:
        with sqlite3.connect(f"file:{home / 'registry.sqlite3'}?mode=ro", uri=True,
                             timeout=5) as db:
            row = db.execute("SELECT value FROM store_info WHERE key='generation'").fetchone()
    except sqlite3.Error:
        return -1
    return int(row[0]) if row else -1


# (registry commits to wait for, then seconds before the kill): kills land inside Chroma's own
# writes, the embedder, the commit, wherever the clock says.
TIMED = [(1, 0.0), (2, 0.25), (3, 0.6), (4, 0.05)]


def test_kill_at_moments_picked_by_the_clock(
    job: dict[str, Path], tmp_path: Path, minilm: LocalMiniLM
) -> None:
    clean = snapshot(job["clean"], minilm)
    killed = 0
    for i, (commits, delay) in enumerate(TIMED):
        for attempt in range(3):  # an ingest that finished before its kill: again, killed earlier
            home = tmp_path / f"home{i}-{attempt}"
            shutil.copytree(job["v1"], home)
            start = generation(home)
            proc = subprocess.Popen(
                [sys.executable, "-m", "assistant.cli", "ingest", str(job["corpus"]), "-q", *V2_ARGS],
                env=cli_env(home), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 240
            while proc.poll() is None and generation(home) < start + commits:
                assert time.monotonic() < deadline, "the ingest made no progress"
                time.sleep(0.01)
            time.sleep(delay)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            was_killed = proc.wait(timeout=60) == -signal.SIGKILL
            rerun(home, job["corpus"])
            assert_same(snapshot(home, minilm), clean)
            if was_killed:
                killed += 1
                break
            commits, delay = max(1, commits - 1), delay / 2
    assert killed >= len(TIMED) - 1, "most ingests finished before the kill: nothing was tested"
