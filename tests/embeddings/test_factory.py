"""The embedder the settings ask for."""

from __future__ import annotations

import pytest

from ingest.embeddings import LocalMiniLM, OpenAIEmbedder, make_embedder


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
