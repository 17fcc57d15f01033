"""The pieces of bench/writers.py: its OpenAI-compatible embedding server (real HTTP on
127.0.0.1, reached by Dossier's own client and by the plain OpenAI client) and the sharding of
files among ingest processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bench.embedding_server import make_app
from bench.writers import issuer, shard
from ingest.embeddings import MINILM_MODEL_NAME, EmbeddingError, LocalMiniLM, OpenAIEmbedder
from tests.helpers import free_port, without_proxies

TEXTS = ["Total net sales were $81,797 million.", "Risk factors: supply chain in Asia.",
         "Research and development expense rose.", "x"]


@pytest.fixture(scope="module")
def server_url(minilm: LocalMiniLM) -> Iterator[str]:
    """bench/embedding_server.py's app over the session's local MiniLM, served by uvicorn in a
    thread; its base URL (ending in /v1)."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(make_app(minilm), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(autouse=True)
def _direct(monkeypatch: pytest.MonkeyPatch) -> None:
    without_proxies(monkeypatch)


def test_dossier_client_gets_the_local_embedders_vectors_in_order(
        server_url: str, minilm: LocalMiniLM) -> None:
    remote = OpenAIEmbedder(MINILM_MODEL_NAME, base_url=server_url, batch_size=3)
    got = remote.embed(TEXTS)  # two requests: 3 texts, then 1
    assert got.shape == (len(TEXTS), minilm.dimension)
    np.testing.assert_allclose(got, minilm.embed(TEXTS), atol=1e-5)
    assert remote.dimension == minilm.dimension


def test_plain_openai_client_base64_default(server_url: str, minilm: LocalMiniLM) -> None:
    """The OpenAI client asks for base64 unless told otherwise, and decodes it itself."""
    from openai import OpenAI

    client = OpenAI(api_key="unused", base_url=server_url, max_retries=0)
    response = client.embeddings.create(model=f"sentence-transformers/{MINILM_MODEL_NAME}",
                                        input=TEXTS[0])
    assert [d.index for d in response.data] == [0]
    assert response.usage.prompt_tokens == minilm.count_tokens(TEXTS[:1])[0] + 2
    np.testing.assert_allclose(response.data[0].embedding, minilm.embed(TEXTS[:1])[0], atol=1e-5)
    assert [m.id for m in client.models.list().data] == [MINILM_MODEL_NAME]


def test_unknown_model_is_a_clear_client_error(server_url: str) -> None:
    remote = OpenAIEmbedder("text-embedding-3-small", base_url=server_url, max_attempts=1)
    with pytest.raises(EmbeddingError, match=r"HTTP 404.*does not exist.*serves"):
        remote.embed(["hello"])


@pytest.mark.parametrize(("body", "param"), [
    ({"input": [[101, 2023]]}, "input"),  # token ids
    ({"input": []}, "input"),
    ({"input": "hello", "dimensions": 64}, "dimensions"),
    ({"input": 7}, "input"),  # not text at all
])
def test_requests_it_cannot_honour_get_openais_error_shape(
        server_url: str, body: dict[str, object], param: str) -> None:
    import httpx

    response = httpx.post(f"{server_url}/embeddings", json={"model": MINILM_MODEL_NAME, **body},
                          trust_env=False)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == param


def _files(tmp_path: Path, sizes: dict[str, int]) -> list[Path]:
    paths = []
    for name, size in sizes.items():
        path = tmp_path / name
        path.write_bytes(b"x" * size)
        paths.append(path)
    return paths


def test_shards_keep_an_issuers_files_together_and_balance_bytes(tmp_path: Path) -> None:
    files = _files(tmp_path, {"BKE_8-K.html": 300, "BKE_8-K_EX-99.1.html": 500, "AAPL_10-Q.htm": 900,
                              "ORCL_8-K.html": 400, "JWN_8-K.html": 350, "PHG_6-K.html": 100})
    shards = shard(files, 2)
    assert sorted(f.name for s in shards for f in s) == sorted(f.name for f in files)
    owners = {issuer(f): i for i, s in enumerate(shards) for f in s}
    assert all(owners[issuer(f)] == i for i, s in enumerate(shards) for f in s)
    loads = sorted(sum(f.stat().st_size for f in s) for s in shards)
    assert loads == [1250, 1300]  # AAPL 900 + JWN 350 | BKE 800 + ORCL 400 + PHG 100: the best split


def test_no_empty_shard_when_processes_outnumber_issuers(tmp_path: Path) -> None:
    files = _files(tmp_path, {"BKE_a.html": 10, "BKE_b.html": 20, "ALC_c.html": 5})
    shards = shard(files, 4)
    assert len(shards) == 2 and all(shards)
