"""The local MiniLM against sentence-transformers' vectors, and its pool of sessions."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.embeddings import MAX_SESSIONS, LocalMiniLM, session_plan, usable_cores
from ingest.embeddings import local as local_module


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
    # runs cut by padded tokens rather than texts (bench/embedder.py tries several sizes)
    np.testing.assert_allclose(
        LocalMiniLM(batch_size=64, tokens_per_run=48).embed(texts), local_vectors[:10], atol=2e-5
    )
    with pytest.raises(ValueError, match="tokens_per_run"):
        LocalMiniLM(tokens_per_run=0)


def test_session_plan() -> None:
    assert session_plan(1) == (1, 1)
    assert session_plan(2) == (2, 1)  # two one-thread sessions side by side
    assert session_plan(16) == (MAX_SESSIONS, 16 // MAX_SESSIONS)
    assert session_plan(0) == session_plan(usable_cores())


def test_parallel_sessions_give_the_vectors_one_session_gives(reference: dict[str, Any]) -> None:
    """Runs spread over two sessions (and calls from several threads at once) compute exactly
    what one session computes run after run: each run is the same, whichever session takes it."""
    texts = reference["texts"] * 3
    one = LocalMiniLM(batch_size=3, threads=1)
    two = LocalMiniLM(batch_size=3, threads=2)
    expected = one.embed(texts)
    np.testing.assert_array_equal(two.embed(texts), expected)
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
    query = two.embed(["What was Apple's gross margin?"])
    np.testing.assert_allclose(query, one.embed(["What was Apple's gross margin?"]), atol=1e-5)
    # A process that only searches (`dossier search`) makes that one session and no other.
    fresh = LocalMiniLM(threads=2)
    np.testing.assert_array_equal(fresh.embed(["What was Apple's gross margin?"]), query)
    assert fresh._whole is not None and fresh._sessions == []


def test_embed_edge_cases(local: LocalMiniLM) -> None:
    empty = local.embed([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32
    blank = local.embed([""])
    assert blank.shape == (1, 384)
    assert np.linalg.norm(blank[0]) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(TypeError):
        local.embed("a single string is not a list of texts")


def test_falls_back_to_the_original_graph(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    local_vectors: np.ndarray,
    reference: dict[str, Any],
) -> None:
    def broken(source: Path, cache_dir: Path | None = None) -> bytes:
        raise ImportError("No module named 'onnx'")

    monkeypatch.setattr(local_module, "fused_minilm_model", broken)
    with caplog.at_level(logging.WARNING, logger="ingest.embeddings"):
        embedder = LocalMiniLM(batch_size=3)
        vectors = embedder.embed(reference["texts"])
    assert "Cannot use the fused" in caplog.text and "No module named 'onnx'" in caplog.text
    # The fused graph computes the same function as the original one, up to float rounding.
    assert ((vectors * local_vectors).sum(axis=1) >= 0.99999).all()
