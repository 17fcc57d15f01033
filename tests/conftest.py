"""Shared fixtures: one real local embedder per session, fresh stores in temporary folders, local
HTTP servers and a `chroma run` server."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from ingest.embeddings import LocalMiniLM
from tests.helpers import LocalHTTPServer, without_proxies
from tests.openai_server import ScriptedOpenAI

FIXTURES = Path(__file__).parent / "fixtures"
DEMO = Path(__file__).parent.parent / "demo" / "corpus"


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
    with Assistant(home=tmp_path / "home", embedder=embedder) as a:
        yield a


@pytest.fixture(scope="session")
def alibaba_store(tmp_path_factory: pytest.TempPathFactory, minilm: LocalMiniLM) -> Path:
    """A store holding the Alibaba analyst article (shared by read-only tests)."""
    home = tmp_path_factory.mktemp("alibaba") / "home"
    with Assistant(home=home, embedder=minilm) as a:
        report = a.ingest([FIXTURES / "alibaba-ai-investment-2025.txt"], progress=False)
        assert report.ok, report.failed
    return home


@pytest.fixture(scope="session")
def two_document_store(tmp_path_factory: pytest.TempPathFactory, minilm: LocalMiniLM) -> Path:
    """A store holding the Alibaba article and Buckle's earnings release (an 8-K exhibit), for
    read-only tests of the interfaces; closed, so another process may open it too."""
    home = tmp_path_factory.mktemp("two-documents") / "home"
    with Assistant(home=home, embedder=minilm) as a:
        report = a.ingest([FIXTURES / "alibaba-ai-investment-2025.txt",
                           FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html"], progress=False)
        assert report.ok, report.failed
    return home


@pytest.fixture(scope="session")
def apple_buckle_store(tmp_path_factory: pytest.TempPathFactory, minilm: LocalMiniLM) -> Path:
    """A store holding Apple's Q3 FY2023 10-Q (the demo corpus's PDF) and Buckle's earnings
    release, for follow-ups and comparisons (read-only; closed)."""
    home = tmp_path_factory.mktemp("apple-buckle") / "home"
    with Assistant(home=home, embedder=minilm) as a:
        report = a.ingest([DEMO / "AAPL_10-Q_Q3FY2023.pdf", FIXTURES / "BKE_8-K_2024-11-22_EX-99.1.html"],
                          progress=False)
        assert report.ok, report.failed
    return home


# --- local servers ---------------------------------------------------------------------------------
StartServer = Callable[[type[BaseHTTPRequestHandler]], LocalHTTPServer]


@pytest.fixture
def http_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[StartServer]:
    """Starts a handler behind a local HTTP server (tests/helpers.py) for this test, reached
    without proxies; every server started is stopped after the test."""
    without_proxies(monkeypatch)
    started: list[LocalHTTPServer] = []

    def start(handler: type[BaseHTTPRequestHandler]) -> LocalHTTPServer:
        started.append(LocalHTTPServer(handler).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def openai_server() -> Iterator[ScriptedOpenAI]:
    """A scripted OpenAI-compatible server on 127.0.0.1 (tests/openai_server.py), one per module."""
    with ScriptedOpenAI() as server:
        yield server


@pytest.fixture(params=["embedded", "server"])
def chroma_url(request: pytest.FixtureRequest) -> str | None:
    """A test taking this runs twice: against an embedded Chroma (None) and a `chroma run`
    server (its URL)."""
    return str(request.getfixturevalue("chroma_server")) if request.param == "server" else None


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`chroma run` on 127.0.0.1 and a free port, for the whole session; its URL."""
    from bench.local_servers import chroma_executable, chroma_run

    if chroma_executable() is None:
        pytest.skip("the `chroma` command (chromadb's server CLI) is not installed")
    with chroma_run(tmp_path_factory.mktemp("chroma-server")) as server:
        yield server.url
