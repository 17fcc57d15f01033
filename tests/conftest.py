"""Shared fixtures: one real local embedder per session, and fresh stores in temporary folders."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from ingest.embeddings import LocalMiniLM

FIXTURES = Path(__file__).parent / "fixtures"


class CountingEmbedder:
    """The real local model, counting the texts it is asked to embed."""

    def __init__(self, inner: LocalMiniLM) -> None:
        self.inner = inner
        self.model_name = inner.model_name
        self.dimension = inner.dimension
        self.max_tokens = inner.max_tokens
        self.embedded: list[str] = []

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="session")
def minilm() -> LocalMiniLM:
    return LocalMiniLM()


@pytest.fixture
def embedder(minilm: LocalMiniLM) -> CountingEmbedder:
    return CountingEmbedder(minilm)


@pytest.fixture
def assistant(tmp_path: Path, embedder: CountingEmbedder) -> Iterator[Assistant]:
    with Assistant(home=tmp_path / "home", embedder=embedder) as a:  # type: ignore[arg-type]
        yield a


@pytest.fixture(scope="session")
def alibaba_store(tmp_path_factory: pytest.TempPathFactory, minilm: LocalMiniLM) -> Path:
    """A store holding the Alibaba analyst article (shared by read-only tests)."""
    home = tmp_path_factory.mktemp("alibaba") / "home"
    with Assistant(home=home, embedder=minilm) as a:
        report = a.ingest([FIXTURES / "alibaba-ai-investment-2025.txt"], progress=False)
        assert report.ok, report.failed
    return home
