"""One writer, many readers, with real processes: while one `dossier ingest` holds the store's
writer lock (paused mid-batch by tests/fault_runner.py), a second ingest is refused with who holds
the lock, or waits with --wait; `dossier search` keeps answering throughout. Two first ingests
into an empty home, let go at the same instant, create the store once between them."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.embeddings import LocalMiniLM
from ingest.store import Store
from tests.conftest import FIXTURES
from tests.helpers import cli_env

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent


def dossier(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", *args], env=cli_env(home),
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the writer exited first: {proc.communicate()[1][-2000:]}")
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(FIXTURES / "alibaba-ai-investment-2025.txt", folder / "a_alibaba.txt")
    (folder / "b_oracle.md").write_text(
        "# Oracle vote\n\nOracle stockholders elected all twelve director nominees in 2024.\n")
    return folder


def test_second_writer_is_refused_or_waits_and_search_keeps_working(
    tmp_path: Path, corpus: Path, minilm: LocalMiniLM
) -> None:
    home = tmp_path / "home"
    other = tmp_path / "nordstrom.md"
    other.write_text("# Nordstrom\n\nNordstrom changed executive pay after the buyout offer.\n")
    mark, release = tmp_path / "paused", tmp_path / "release"
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.fault_runner", "pause", "registry-committed", "1", "--",
         "ingest", str(corpus), "-q"],
        env=cli_env(home, DOSSIER_FAULT_MARK=str(mark), DOSSIER_FAULT_RELEASE=str(release),
                    DOSSIER_FAULT_PAUSE_S="600"),
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(mark, writer)  # a_alibaba.txt committed; b_oracle.md not yet; lock held
        holder = mark.read_text().strip()

        refused = dossier(home, "ingest", str(other), "-q")
        waiting = dossier(home, "ingest", str(other), "-q", "--wait", "300")
        searched = dossier(home, "search", "Alibaba AI investment", "--json")

        code, out, err = finish(refused)
        assert code == 2, (out, err)
        err = " ".join(err.split())  # rich wraps long lines
        assert f"another ingest is writing to {home} (pid {holder} on {socket.gethostname()})" in err
        assert "--wait" in err and "Traceback" not in err

        code, out, err = finish(searched)
        assert code == 0, err
        passages = json.loads(out)
        assert passages and all("Alibaba" in p["title"] for p in passages)  # only what committed

        assert waiting.poll() is None, "the waiting ingest did not wait for the lock"
    finally:
        release.touch()
    code, out, err = finish(writer)
    assert code == 0 and "2 added" in out, err
    code, out, err = finish(waiting)
    assert code == 0 and "1 added" in out, err

    store = Store(home, minilm)
    try:
        assert len(store.registry.documents()) == 3
        ids = store.registry.all_chunk_ids()
        assert set(store.collection.get(include=[])["ids"]) == ids == set(store.registry.lexical_chunk_ids())
    finally:
        store.close()


def test_search_answers_throughout_a_running_ingest(tmp_path: Path, corpus: Path) -> None:
    home = tmp_path / "home"
    shutil.copy(FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html", corpus / "c_buckle.html")
    shutil.copy(FIXTURES / "newspaper_businessweek.com2.html", corpus / "d_businessweek.html")
    first = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest",
                            str(corpus / "b_oracle.md"), "-q"], env=cli_env(home), cwd=REPO,
                           capture_output=True, text=True, timeout=300, check=False)
    assert first.returncode == 0, first.stderr
    writer = dossier(home, "ingest", str(corpus), "-q")
    during = 0
    while writer.poll() is None:
        code, out, err = finish(dossier(home, "search", "Oracle director nominees", "--json"))
        assert code == 0 and "Traceback" not in err, err
        assert "twelve director nominees" in json.loads(out)[0]["text"]
        during += writer.poll() is None
    code, out, err = finish(writer)
    assert code == 0 and "3 added, 1 unchanged" in out, err
    assert during >= 1, "the ingest ended before a search completed: nothing was tested"


def test_two_first_ingests_into_an_empty_home_create_it_once(tmp_path: Path, corpus: Path,
                                                              minilm: LocalMiniLM) -> None:
    home = tmp_path / "home"
    gate = tmp_path / "gate"
    gate.touch()
    held = os.open(gate, os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)
    ingests: list[tuple[Path, subprocess.Popen[str]]] = []
    try:
        for name in ("a_alibaba.txt", "b_oracle.md"):
            mark = tmp_path / f"{name}.at-gate"
            ingests.append((mark, subprocess.Popen(
                [sys.executable, "-m", "tests.fault_runner", "gate", "store-open", "1", "--",
                 "ingest", str(corpus / name), "-q"],
                env=cli_env(home, DOSSIER_FAULT_MARK=str(mark), DOSSIER_FAULT_GATE=str(gate)),
                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        for mark, proc in ingests:
            wait_for(mark, proc)
        assert not (home / "registry.sqlite3").exists(), "one ingest created the store before the gate"
    finally:
        fcntl.flock(held, fcntl.LOCK_UN)  # both ingests create the store from here on, together
        os.close(held)

    results = [finish(proc) for _, proc in ingests]
    for (code, out, err), (_, other) in zip(results, reversed(ingests), strict=True):
        assert "Traceback" not in err, err[-3000:]
        if code == 2:  # refused while the other held the writer lock: it says who holds it
            assert f"another ingest is writing to {home} (pid {other.pid} " in " ".join(err.split())
        else:
            assert code == 0 and "1 added" in out, (code, out, err)
    assert any(code == 0 for code, _, _ in results)

    store = Store(home, minilm)
    try:
        assert len(store.registry.documents()) == sum(code == 0 for code, _, _ in results)
        ids = store.registry.all_chunk_ids()
        assert set(store.collection.get(include=[])["ids"]) == ids == set(store.registry.lexical_chunk_ids())
    finally:
        store.close()


def test_a_store_held_open_too_long_is_named_not_waited_for_forever(tmp_path: Path) -> None:
    from ingest.lock import OpenLock, StoreBusyError

    busy = pytest.raises(StoreBusyError, match=rf"another process \(pid {os.getpid()} ")
    with OpenLock(tmp_path), busy, OpenLock(tmp_path, wait_s=0.2):
        pass
    with OpenLock(tmp_path, wait_s=0):  # released: the next open gets it at once
        pass
