"""Embeddings from an OpenAI-compatible ``/v1/embeddings`` server, with retries and scrubbed errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from ingest.embeddings.base import MINILM_MAX_TOKENS, EmbeddingError, check_texts, content_ids, normalise

if TYPE_CHECKING:
    from openai import OpenAI

_T = TypeVar("_T")


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible ``/v1/embeddings`` server (OpenAI, vLLM, Ollama ...).

    ``dimension`` is taken from the first response (a one-text probe request if it is read
    before any ``embed`` call) unless given. ``count_tokens`` uses the MiniLM tokenizer as an
    approximation of the remote tokenizer. Requests are retried with exponential backoff on 429,
    5xx, timeouts and connection errors. The API key never appears in errors or ``repr``.
    """

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        batch_size: int = 64,
        timeout: float = 30,
        *,
        dimension: int | None = None,
        max_tokens: int = MINILM_MAX_TOKENS,
        max_attempts: int = 5,
        retry_wait_s: float = 0.5,
        retry_wait_max_s: float = 20.0,
    ) -> None:
        from openai import OpenAI

        if not model:
            raise ValueError("OpenAIEmbedder needs a model name")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if dimension is not None and dimension < 1:
            raise ValueError("dimension must be positive")
        self.model_name = model
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.retry_wait_s = retry_wait_s
        self.retry_wait_max_s = retry_wait_max_s
        self._dimension = dimension
        # Local servers (vLLM, llama.cpp, Ollama) accept any key; the client insists on one.
        real_key = api_key  # the assistant passes OPENAI_API_KEY; nothing here reads the env
        key = real_key or "not-needed"
        self._secrets = [real_key] if real_key else []
        # Retries are ours (tenacity), so the client's own are off.
        self._client: OpenAI = OpenAI(
            api_key=key, base_url=base_url, timeout=timeout, max_retries=0
        )
        self.base_url = str(self._client.base_url)

    def __repr__(self) -> str:
        return f"OpenAIEmbedder(model={self.model_name!r}, base_url={self.base_url!r})"

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = int(self._request(["dimension probe"]).shape[1])
        return self._dimension

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in content_ids(check_texts(texts))]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        items = check_texts(texts)
        if not items:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [
            self._request(items[i : i + self.batch_size])
            for i in range(0, len(items), self.batch_size)
        ]
        return np.concatenate(parts, axis=0)

    def _scrub(self, message: str) -> str:
        for secret in self._secrets:
            message = message.replace(secret, "***")
        return message

    def _request(self, texts: list[str]) -> np.ndarray:
        # OpenAI rejects empty strings; a space embeds as "nothing" on every server.
        inputs = [t if t else " " for t in texts]
        try:
            response = self._with_retries(
                lambda: self._client.embeddings.create(
                    model=self.model_name, input=inputs, encoding_format="float"
                )
            )
        except Exception as exc:
            raise EmbeddingError(self._describe(exc)) from None
        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(inputs):
            raise EmbeddingError(
                f"{self.base_url} returned {len(data)} embeddings for {len(inputs)} texts "
                f"(model {self.model_name!r})"
            )
        vectors = np.asarray([d.embedding for d in data], dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] == 0:
            raise EmbeddingError(f"{self.base_url} returned malformed embeddings")
        if self._dimension is None:
            self._dimension = int(vectors.shape[1])
        elif vectors.shape[1] != self._dimension:
            raise EmbeddingError(
                f"{self.base_url} returned {vectors.shape[1]}-d embeddings for model "
                f"{self.model_name!r}, expected {self._dimension}"
            )
        return normalise(vectors)

    def _with_retries(self, call: Callable[[], _T]) -> _T:
        import openai
        from tenacity import (
            Retrying,
            retry_if_exception,
            stop_after_attempt,
            wait_random_exponential,
        )

        def transient(exc: BaseException) -> bool:
            if isinstance(exc, openai.APIStatusError):
                return exc.status_code == 429 or exc.status_code >= 500
            return isinstance(exc, openai.APIConnectionError)  # includes APITimeoutError

        retrying = Retrying(
            retry=retry_if_exception(transient),
            stop=stop_after_attempt(self.max_attempts),
            wait=wait_random_exponential(multiplier=self.retry_wait_s, max=self.retry_wait_max_s),
            reraise=True,
        )
        return retrying(call)

    def _describe(self, exc: Exception) -> str:
        import openai

        where = f"Embedding request to {self.base_url} (model {self.model_name!r}) failed"
        if isinstance(exc, openai.AuthenticationError):
            what = (
                f"HTTP {exc.status_code}, the API key was rejected: {exc.message}. Check "
                "OPENAI_API_KEY (or DOSSIER_OPENAI_API_KEY)."
            )
        elif isinstance(exc, openai.NotFoundError):
            what = (
                f"HTTP {exc.status_code}: {exc.message}. Check the base URL (it usually ends "
                "in /v1) and that the server serves this model."
            )
        elif isinstance(exc, openai.APIStatusError):
            what = f"HTTP {exc.status_code}: {exc.message}"
            if exc.status_code == 429 or exc.status_code >= 500:
                what += f" (gave up after {self.max_attempts} attempts)"
        elif isinstance(exc, openai.APITimeoutError):
            what = f"no answer within {self.timeout:g}s (after {self.max_attempts} attempts)"
        elif isinstance(exc, openai.APIConnectionError):
            what = f"cannot connect (after {self.max_attempts} attempts): {exc.message}"
        else:
            what = f"{type(exc).__name__}: {exc}"
        return self._scrub(f"{where}: {what}")

