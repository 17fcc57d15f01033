"""What can go wrong with the LLM endpoint, importable without loading LangChain (the CLI and the
chat catch these)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.errors import DossierError


class LLMError(DossierError, RuntimeError):
    """The LLM endpoint failed; the message says what to do and never holds the key."""


class LLMConfigError(LLMError):
    """The endpoint refused the request as configured: bad key, unknown model, bad request."""


class LLMUnavailable(LLMError):
    """The endpoint could not give an answer now: unreachable, too slow, overloaded, or its reply
    broke off. `search_query` is the question as it was (or would have been) searched."""

    def __init__(self, message: str, search_query: str | None = None) -> None:
        super().__init__(message)
        self.search_query = search_query


_KEY_LIKE = re.compile(r"\b(?:sk|pk|rk|key)-[A-Za-z0-9_\-]{8,}|\bBearer\s+\S+", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secrets and anything shaped like an API key ('sk-…', 'Bearer …')
    replaced by '[redacted]': endpoints echo the key they were sent in their error messages."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", text)
