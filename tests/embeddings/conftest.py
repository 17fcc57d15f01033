"""Fixtures shared by the embedder tests: sentence-transformers' reference vectors and the local
MiniLM's vectors for the same texts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.embeddings import LocalMiniLM

FIXTURES = Path(__file__).parents[1] / "fixtures"


@pytest.fixture(scope="package")
def reference() -> dict[str, Any]:
    """Vectors from fp32 sentence-transformers; see fixtures/make_reference_vectors.py."""
    data: dict[str, Any] = json.loads(
        (FIXTURES / "minilm_reference.json").read_text(encoding="utf-8")
    )
    return data


@pytest.fixture(scope="package")
def local() -> LocalMiniLM:
    return LocalMiniLM(batch_size=3)


@pytest.fixture(scope="package")
def local_vectors(local: LocalMiniLM, reference: dict[str, Any]) -> np.ndarray:
    return local.embed(reference["texts"])
