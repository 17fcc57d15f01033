"""Chroma's HNSW settings: a new store's collection is created with them, an old store keeps its
own but takes the search setting, and that setting really reaches the index a process loads."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import chromadb
import numpy as np
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings

from ingest.chroma_client import HnswSettings
from ingest.store import Store
from tests.stores import PARAGRAPHS, make_doc, write

DIMENSION = 16


class RandomishEmbedder:
    """Small vectors from each text's hash: enough for a store to write and search."""

    model_name = "test-hnsw"
    dimension = DIMENSION
    max_tokens = 64

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).standard_normal(DIMENSION)
                for t in texts]
        matrix = np.asarray(rows, dtype=np.float32)
        out: np.ndarray = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        return out


def hnsw_of(store: Store) -> dict[str, object]:
    return dict(store.collection.configuration_json["hnsw"])


def test_a_new_store_is_created_with_the_settings(tmp_path: Path) -> None:
    store = Store(tmp_path / "home", RandomishEmbedder(),
                  hnsw=HnswSettings(m=24, ef_construction=150, ef_search=77))
    store.close()
    reopened = Store(tmp_path / "home", RandomishEmbedder(),
                     hnsw=HnswSettings(m=24, ef_construction=150, ef_search=77))
    got = hnsw_of(reopened)
    assert (got["space"], got["max_neighbors"], got["ef_construction"], got["ef_search"]) == \
        ("cosine", 24, 150, 77)


def test_an_old_store_opens_keeps_its_build_settings_and_takes_ef_search(tmp_path: Path) -> None:
    home = tmp_path / "home"
    embedder = RandomishEmbedder()
    first = Store(home, embedder)
    assert write(first, make_doc("/a.txt", PARAGRAPHS)) == "added"
    first.close()
    # the collection as the code before HnswSettings made it: Chroma's defaults, hnsw:space
    # given as metadata
    client = chromadb.PersistentClient(path=str(home / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    old = client.get_collection("dossier")
    vectors = old.get(include=["embeddings", "documents", "metadatas"])
    client.delete_collection("dossier")
    legacy = client.create_collection("dossier", embedding_function=None, metadata={
        "hnsw:space": "cosine", "embedding_model": embedder.model_name,
        "dimension": embedder.dimension})
    legacy.add(ids=vectors["ids"], embeddings=vectors["embeddings"],
               documents=vectors["documents"], metadatas=vectors["metadatas"])
    del old, legacy, client
    SharedSystemClient.clear_system_cache()  # the store's own client the only one on the files

    store = Store(home, embedder, hnsw=HnswSettings(m=32, ef_construction=200, ef_search=150))
    got = hnsw_of(store)
    assert (got["space"], got["max_neighbors"], got["ef_construction"], got["ef_search"]) == \
        ("cosine", 16, 100, 150)
    query = embedder.embed([PARAGRAPHS[0]])[0]
    found = store.dense_search(query, 3)
    assert found and found[0][0] in set(vectors["ids"])


CHILD = """
import json, sys
from pathlib import Path
import numpy as np
from ingest.chroma_client import HnswSettings, chroma_client

path, step, ef = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(7)
vectors = rng.standard_normal((4000, 32)).astype(np.float32)
queries = rng.standard_normal((40, 32)).astype(np.float32)
client = chroma_client(path, None)
if step == "build":
    settings = HnswSettings(m=4, ef_construction=10, ef_search=ef)
    collection = client.create_collection("dossier", embedding_function=None,
                                          configuration=settings.configuration())
    for i in range(0, len(vectors), 1000):
        collection.add(ids=[str(j) for j in range(i, i + 1000)], embeddings=vectors[i : i + 1000])
    print(json.dumps(None))
else:
    collection = client.get_collection("dossier")
    if collection.configuration_json["hnsw"]["ef_search"] != ef:  # what Store does on open
        collection.modify(configuration={"hnsw": {"ef_search": ef}})
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    exact = np.argsort(-(q @ unit.T), axis=1)[:, :10]
    got = collection.query(query_embeddings=queries, n_results=10, include=[])["ids"]
    print(json.dumps(float(np.mean([len({int(i) for i in g} & set(e.tolist())) / 10
                                    for g, e in zip(got, exact)]))))
"""


def run_child(path: Path, step: str, ef: int) -> float | None:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), step, str(ef)], check=True,
                          capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    value: float | None = json.loads(done.stdout.strip().splitlines()[-1])
    return value


def test_ef_search_set_on_open_reaches_the_index_of_the_next_process(tmp_path: Path) -> None:
    """A sparse graph (M 4) over random vectors, where ef_search decides what is found: recall
    at 10 must rise when a later process opens the collection with 200 instead of 10."""
    run_child(tmp_path, "build", 10)
    low = run_child(tmp_path, "query", 10)
    high = run_child(tmp_path, "query", 200)
    assert low is not None and high is not None
    assert high > low + 0.1, (low, high)
