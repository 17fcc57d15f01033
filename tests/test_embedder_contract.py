"""The `Embedder` protocol's contract, run against every embedder Dossier has: the local MiniLM,
the OpenAI-compatible client (against a local /v1/embeddings stub over real HTTP) and the worker
process of ingest/embed_worker.py. Each backend is built once per module."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from ingest.embed_worker import EmbeddingWorker
from ingest.embeddings import Embedder, LocalMiniLM, OpenAIEmbedder
from tests.helpers import LocalHTTPServer, without_proxies
from tests.openai_server import FAKE_DIM, EmbeddingsStub

TEXTS = [
    "Total net sales rose 8% to $94.8 billion in the March quarter.",
    "Alibaba will invest more than 380 billion yuan in AI and cloud infrastructure.",
    "",
    "The say-on-pay proposal passed with 61% of the votes cast.",
    "Operating cash flow was $28.6 billion; capital expenditures were $2.9 billion. " * 3,
]


class WorkerEmbedder:
    """The worker process as an Embedder: `embed` runs there, the rest is the model's."""

    def __init__(self, model: LocalMiniLM) -> None:
        self.model = model
        self.worker = EmbeddingWorker(model)
        self.model_name, self.dimension, self.max_tokens = (model.model_name, model.dimension,
                                                            model.max_tokens)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.model.count_tokens(texts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.worker.embed(texts)


@pytest.fixture(scope="module")
def openai_embedder() -> Iterator[OpenAIEmbedder]:
    with pytest.MonkeyPatch.context() as monkeypatch, LocalHTTPServer(EmbeddingsStub) as server:
        without_proxies(monkeypatch)
        yield OpenAIEmbedder("stub-embed", base_url=f"{server.url}/v1", api_key="sk-test",
                             batch_size=2, timeout=10)


@pytest.fixture(scope="module")
def worker_embedder(minilm: LocalMiniLM) -> Iterator[WorkerEmbedder]:
    embedder = WorkerEmbedder(minilm)
    yield embedder
    embedder.worker.close()


@pytest.fixture(params=["local", "openai", "worker"])
def embedder_under_test(request: pytest.FixtureRequest) -> Embedder:
    name = {"local": "minilm", "openai": "openai_embedder", "worker": "worker_embedder"}
    embedder: Embedder = request.getfixturevalue(name[request.param])
    return embedder


def test_describes_itself(embedder_under_test: Embedder) -> None:
    assert isinstance(embedder_under_test.model_name, str) and embedder_under_test.model_name
    assert embedder_under_test.dimension >= 1
    assert embedder_under_test.max_tokens >= 1


def test_one_unit_float32_row_per_text_of_the_stated_dimension(embedder_under_test: Embedder) -> None:
    vectors = embedder_under_test.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), embedder_under_test.dimension)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input_gives_an_empty_matrix(embedder_under_test: Embedder) -> None:
    vectors = embedder_under_test.embed([])
    assert vectors.shape == (0, embedder_under_test.dimension)


def test_a_batch_equals_one_text_at_a_time(embedder_under_test: Embedder) -> None:
    batch = embedder_under_test.embed(TEXTS)
    one_by_one = np.vstack([embedder_under_test.embed([t]) for t in TEXTS])
    assert np.allclose(batch, one_by_one, atol=1e-5)


def test_input_order_is_kept_and_results_are_deterministic(embedder_under_test: Embedder) -> None:
    forward = embedder_under_test.embed(TEXTS)
    backward = embedder_under_test.embed(TEXTS[::-1])
    assert np.allclose(forward, backward[::-1], atol=1e-5)
    assert np.array_equal(forward, embedder_under_test.embed(TEXTS))
    different = [i for i in range(len(TEXTS) - 1) if not np.allclose(forward[i], forward[i + 1])]
    assert len(different) == len(TEXTS) - 1  # distinct texts, distinct vectors


def test_token_counts_are_per_text_and_grow_with_the_text(embedder_under_test: Embedder) -> None:
    counts = embedder_under_test.count_tokens(TEXTS)
    assert len(counts) == len(TEXTS) and all(isinstance(n, int) and n >= 0 for n in counts)
    assert counts[2] == 0  # the empty text
    long = " ".join(TEXTS) * 10
    assert embedder_under_test.count_tokens([long])[0] > embedder_under_test.max_tokens  # no cut


def test_the_backends_agree_where_they_should(minilm: LocalMiniLM, worker_embedder: WorkerEmbedder,
                                              openai_embedder: OpenAIEmbedder) -> None:
    """The worker runs the ingest process's model: the same vectors; the stub's are its own."""
    assert np.allclose(worker_embedder.embed(TEXTS), minilm.embed(TEXTS), atol=1e-6)
    assert openai_embedder.dimension == FAKE_DIM
