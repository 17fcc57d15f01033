"""Chroma server mode (DOSSIER_CHROMA_URL, `chroma run`): many stores on one server stay apart,
the CLI works against it, and an unreachable server is one clear error. The store's own tests
run against the server too (conftest's `chroma_url` fixture)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.chroma_client import ChromaUnreachableError
from ingest.chunking import chunk_document
from ingest.store import Store
from tests.conftest import FIXTURES, CountingEmbedder
from tests.helpers import free_port
from tests.stores import PARAGRAPHS, make_doc, state, write


def test_two_stores_on_one_server_keep_their_own_vectors(
    tmp_path: Path, embedder: CountingEmbedder, chroma_server: str
) -> None:
    """Each user's store repairs itself against its own collection: before per-store
    collections, the second user's repair() deleted the first user's vectors as orphans."""
    alice = Store(tmp_path / "alice", embedder, chroma_server)
    bob = Store(tmp_path / "bob", embedder, chroma_server)
    assert alice.collection_name != bob.collection_name
    write(alice, make_doc("/a.txt", PARAGRAPHS))
    write(bob, make_doc("/b.txt", ["Oracle stockholders elected all directors."]))
    for store in (alice, bob):
        with store.writer():
            assert store.repair() == 0
        registry, chroma, bm25 = state(store)
        assert registry == chroma == bm25 and registry
    assert not state(alice)[0] & state(bob)[0]
    # reopened, a store finds its collection again
    alice.close()
    again = Store(tmp_path / "alice", embedder, chroma_server)
    assert again.collection_name == alice.collection_name
    assert state(again)[1] == state(again)[0]


def test_chunks_written_through_the_server_are_searchable(
    tmp_path: Path, embedder: CountingEmbedder, chroma_server: str
) -> None:
    store = Store(tmp_path / "home", embedder, chroma_server)
    doc = make_doc("/a.txt", PARAGRAPHS)
    chunks = chunk_document(doc, embedder.count_tokens, 24, 0)
    with store.writer():
        store.write(doc, chunks)
    vector = embedder.embed(["supply-chain risk in Asia"])[0]
    top = store.dense_search(vector, k=1)
    assert top[0][0] == next(c.chunk_id for c in chunks if "supply-chain" in c.text)


def cli(home: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DOSSIER_HOME": str(home), "DOSSIER_CHROMA_URL": url}
    env.pop("OPENAI_API_KEY", None)
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_cli_against_the_server(tmp_path: Path, chroma_server: str) -> None:
    home = tmp_path / "home"
    result = cli(home, chroma_server, "ingest", str(FIXTURES / "alibaba-ai-investment-2025.txt"))
    assert result.returncode == 0, result.stderr
    assert not (home / "chroma").exists()  # the vectors went to the server
    status = json.loads(cli(home, chroma_server, "status", "--json").stdout)
    assert status["chroma"] == chroma_server and status["chunks"] > 0
    passages = json.loads(cli(home, chroma_server, "search", "AI investment yuan", "--json").stdout)
    assert passages and "Alibaba" in passages[0]["title"]


def test_unreachable_server_is_one_clear_error(tmp_path: Path, embedder: CountingEmbedder) -> None:
    port = free_port()  # nobody listens there
    with pytest.raises(ChromaUnreachableError, match=rf"cannot reach the Chroma server at "
                       rf"http://127.0.0.1:{port} \(DOSSIER_CHROMA_URL\).*chroma run"):
        Store(tmp_path / "home", embedder, f"http://user:pw@127.0.0.1:{port}")
