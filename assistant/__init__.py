"""Dossier: answers about company filings and financial news, with cited passages.

The names below are imported on first use (PEP 562): importing a submodule such as
`assistant.cli` then loads nothing it does not need, which keeps `dossier --help` instant."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.errors import DossierError
    from assistant.models import Answer, Citation, Filters, Passage

_HOMES = {"Assistant": "assistant.api", "DossierError": "assistant.errors",
          "Answer": "assistant.models", "Citation": "assistant.models",
          "Filters": "assistant.models", "Passage": "assistant.models"}

__all__ = ["Answer", "Assistant", "Citation", "DossierError", "Filters", "Passage"]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
