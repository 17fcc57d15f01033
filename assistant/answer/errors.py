"""What can go wrong with the LLM endpoint, importable without loading LangChain (the CLI and the
chat catch these)."""

from __future__ import annotations


class LLMError(RuntimeError):
    """The LLM endpoint failed; the message says what to do and never holds the key."""


class LLMConfigError(LLMError):
    """The endpoint refused the request as configured: bad key, unknown model, bad request."""


class LLMUnavailable(LLMError):
    """The endpoint could not give an answer now: unreachable, too slow, overloaded, or its reply
    broke off. `search_query` is the question as it was (or would have been) searched."""

    def __init__(self, message: str, search_query: str | None = None) -> None:
        super().__init__(message)
        self.search_query = search_query
