"""Dossier: answers about company filings and financial news, with cited passages."""

from assistant.api import Assistant
from assistant.models import Answer, Citation, Filters, Passage

__all__ = ["Answer", "Assistant", "Citation", "Filters", "Passage"]
