"""What the store holds, as the chat shows it: the documents, the originals the app may serve,
the status line, and every view of the store refreshed at once. The base of the chat's tabs."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.ui import render
from assistant.ui.filters import company_choices, company_labels
from assistant.ui.layout import examples
from ingest.locations import is_url

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.config import Settings
    from assistant.ui.conversations import Conversations


class StoreViews:
    """The chat's parts over one `Assistant` (set by `ChatApp`): the research and library tabs
    build on these."""

    assistant: Assistant
    settings: Settings
    conversations: Conversations
    uploads: Path
    demo: gr.Blocks
    _write: threading.Lock  # one ingest or delete at a time

    def documents(self) -> list[Any]:
        return self.assistant.documents()

    def original_paths(self) -> list[str]:
        """The files the app may serve: exactly the ingested ones that still exist."""
        return [d.source for d in self.documents()
                if not is_url(d.source) and Path(d.source).is_file()]

    def status_line(self) -> str:
        docs = self.documents()
        chunks = sum(d.n_chunks for d in docs)
        mode = "generated answers" if self.settings.llm.configured else "offline extractive answers"
        if not docs:
            return ("**Dossier** · the store is empty: add filings or articles in the "
                    "**Library** tab")
        return (f"**Dossier** · {len(docs)} document{'' if len(docs) == 1 else 's'} · "
                f"{chunks} passage{'' if chunks == 1 else 's'} · {mode}")

    def refresh(self) -> tuple[Any, ...]:
        """Every view of the store: status, library table, delete choices, filter choices,
        example questions. Also lets the file route serve newly ingested originals."""
        docs = self.documents()
        self.demo.allowed_paths[:] = self.original_paths()
        companies = company_choices(d.meta for d in docs)
        forms = sorted({d.meta.form for d in docs if d.meta.form})
        doc_choices = [(render.document_label(d), d.doc_id) for d in docs]
        suggested = examples(docs)
        return (
            self.status_line(),
            {"headers": render.LIBRARY_COLUMNS, "data": render.library_rows(docs)},
            gr.Dropdown(choices=doc_choices, value=None),
            gr.Dropdown(choices=company_labels(companies, self.assistant.companies())),
            gr.Dropdown(choices=forms),
            gr.Dropdown(choices=doc_choices),
            gr.Chatbot(examples=suggested or None),
        )

