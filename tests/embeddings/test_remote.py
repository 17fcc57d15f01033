"""The OpenAI-compatible client against a real (local, in-process) HTTP server. No test touches
the network."""

from __future__ import annotations

import json
import traceback
from typing import Any

import numpy as np
import pytest

from ingest.embeddings import EmbeddingError, LocalMiniLM, OpenAIEmbedder
from tests.conftest import StartServer
from tests.helpers import QuietHandler, free_port, without_proxies
from tests.openai_server import FAKE_DIM, embeddings_reply, fake_vector

SECRET = "sk-test-DO-NOT-LEAK-4f2a9c"
def unit(v: list[float]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float32)
    return a / np.linalg.norm(a)


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.failures: list[int] = []  # status codes answered before succeeding, in order
        self.always: int | None = None  # status code answered to every request
        outer = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 (stdlib's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                auth = self.headers.get("Authorization", "")
                outer.requests.append({"path": self.path, "auth": auth, "body": body})
                status = outer.always or (outer.failures.pop(0) if outer.failures else 200)
                if self.path != "/v1/embeddings":
                    status = 404
                if status == 200:
                    payload = embeddings_reply(body)
                else:
                    # Echo the key, as some servers do, to prove the client scrubs it.
                    key = auth.removeprefix("Bearer ")
                    payload = {
                        "error": {
                            "message": f"status {status}; Incorrect API key provided: {key}",
                            "type": "invalid_request_error",
                        }
                    }
                self.reply(status, json.dumps(payload).encode(), "application/json")

        self.handler = Handler
        self.base_url = ""  # set once served

    def embedder(self, **kwargs: Any) -> OpenAIEmbedder:
        kwargs.setdefault("retry_wait_s", 0.01)
        kwargs.setdefault("retry_wait_max_s", 0.05)
        kwargs.setdefault("timeout", 5)
        return OpenAIEmbedder("fake-embed", base_url=self.base_url, api_key=SECRET, **kwargs)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, http_server: StartServer) -> FakeServer:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    srv = FakeServer()
    srv.base_url = http_server(srv.handler).url + "/v1"
    return srv


def test_openai_embeds_in_batches_in_order(server: FakeServer) -> None:
    embedder = server.embedder(batch_size=2)
    texts = ["alpha", "beta", "", "gamma", "delta"]
    vectors = embedder.embed(texts)
    assert vectors.shape == (5, FAKE_DIM) and vectors.dtype == np.float32
    expected = np.stack([unit(fake_vector(t or " ")) for t in texts])
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    assert [r["body"]["input"] for r in server.requests] == [
        ["alpha", "beta"],
        [" ", "gamma"],  # empty texts go out as one space: OpenAI rejects ""
        ["delta"],
    ]
    first = server.requests[0]
    assert first["path"] == "/v1/embeddings"
    assert first["auth"] == f"Bearer {SECRET}"
    assert first["body"]["model"] == "fake-embed"
    assert first["body"]["encoding_format"] == "float"
    assert embedder.dimension == FAKE_DIM
    assert len(server.requests) == 3  # dimension came from the responses, no probe
    assert SECRET not in repr(embedder)


def test_openai_dimension_probe_is_lazy(server: FakeServer) -> None:
    embedder = server.embedder()
    assert server.requests == []
    assert embedder.dimension == FAKE_DIM
    assert len(server.requests) == 1
    assert embedder.dimension == FAKE_DIM
    assert len(server.requests) == 1
    given = server.embedder(dimension=FAKE_DIM)
    assert given.dimension == FAKE_DIM and len(server.requests) == 1
    assert given.embed([]).shape == (0, FAKE_DIM)
    wrong = server.embedder(dimension=16)
    with pytest.raises(EmbeddingError, match="8-d embeddings"):
        wrong.embed(["x"])


def test_openai_count_tokens_uses_minilm_tokenizer(server: FakeServer) -> None:
    embedder = server.embedder(max_tokens=500)
    texts = ["Revenue increased 12% year over year.", "risk factors"]
    assert embedder.count_tokens(texts) == LocalMiniLM().count_tokens(texts)
    assert embedder.max_tokens == 500
    assert server.embedder().max_tokens == 254
    assert server.requests == []


def test_openai_retries_after_429(server: FakeServer) -> None:
    server.failures = [429, 503]
    vectors = server.embedder().embed(["alpha"])
    np.testing.assert_allclose(vectors[0], unit(fake_vector("alpha")), atol=1e-6)
    assert len(server.requests) == 3


def test_openai_gives_up_after_max_attempts(server: FakeServer) -> None:
    server.always = 503
    with pytest.raises(EmbeddingError) as err:
        server.embedder(max_attempts=3).embed(["alpha"])
    assert len(server.requests) == 3
    assert "HTTP 503" in str(err.value) and "3 attempts" in str(err.value)
    assert SECRET not in str(err.value)


def test_openai_401_is_clear_and_hides_the_key(server: FakeServer) -> None:
    server.always = 401
    embedder = server.embedder()
    with pytest.raises(EmbeddingError) as err:
        embedder.embed(["alpha"])
    assert len(server.requests) == 1  # not retried
    assert server.requests[0]["auth"] == f"Bearer {SECRET}"  # the server did get the key
    message = str(err.value)
    assert "401" in message and "API key was rejected" in message
    assert server.base_url in message
    assert SECRET not in message
    assert SECRET not in repr(err.value)
    assert SECRET not in "".join(traceback.format_exception(err.value))


def test_openai_connection_refused_is_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    without_proxies(monkeypatch)
    port = free_port()  # nothing listens there
    embedder = OpenAIEmbedder(
        "fake-embed",
        base_url=f"http://127.0.0.1:{port}/v1",
        api_key=SECRET,
        max_attempts=2,
        retry_wait_s=0.01,
        retry_wait_max_s=0.02,
    )
    with pytest.raises(EmbeddingError, match="cannot connect") as err:
        embedder.embed(["alpha"])
    assert SECRET not in str(err.value)
