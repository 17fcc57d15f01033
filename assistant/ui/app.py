"""The research chat: a Gradio Blocks app over one `Assistant`.

    from assistant import Assistant
    from assistant.ui import ChatApp
    ChatApp(Assistant()).launch()          # what `dossier chat` and `Assistant.chat()` run

Research tab: the chat (answers stream sentence by sentence, each [n] links to its source card),
filters retrieval honours, and the sources panel. Library tab: upload files or paste URLs to
ingest, the documents in the store, delete. Safe defaults: 127.0.0.1, optional login
(DOSSIER_AUTH), a concurrency limit, upload size and type limits, sanitised upload names, and
only the ingested files themselves served as originals.

The tabs are laid out in layout.py; what they do is in research.py (asking) and library.py
(adding and deleting documents), both over store_views.py (what the store holds, shown).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.api import Assistant
from assistant.conversations import ConversationStore
from assistant.ui.assets import CSS, HEAD, theme
from assistant.ui.conversations import Conversations
from assistant.ui.layout import library_tab, research_tab
from assistant.ui.library import LibraryActions
from assistant.ui.research import ResearchActions, new_state
from assistant.ui.safety import parse_auth
from assistant.ui.sandbox import SandboxOriginals

__all__ = ["ChatApp", "new_state"]


class ChatApp(ResearchActions, LibraryActions):
    """The chat over one `Assistant`: its tabs built and wired, launched with safe defaults."""

    mcp = False  # also serve the MCP tools at /mcp (the `mcp` extra)
    allow_ingest = False  # ... their `ingest` tool too

    def __init__(self, assistant: Assistant, *, mcp: bool = False,
                 allow_ingest: bool = False) -> None:
        self.assistant = assistant
        self.mcp, self.allow_ingest = mcp, allow_ingest
        self.settings = assistant.settings
        self.uploads = Path(self.settings.store.home) / "uploads"
        self._write = threading.Lock()
        self.conversations = Conversations(ConversationStore.at_home(self.settings.store.home))
        # Open the store (Chroma included) now: the first question should not pay for it, and
        # the worker threads then share one embedder and one store.
        self.assistant.store.open_chroma()
        self.demo = self.build()

    def build(self) -> gr.Blocks:
        docs = self.documents()
        with gr.Blocks(title="Dossier", analytics_enabled=False) as demo:  # no telemetry
            self.demo = demo
            state = gr.State(new_state())
            with gr.Row(elem_id="topbar"):
                status = gr.Markdown(self.status_line(), elem_id="status")
            with gr.Tabs(elem_id="tabs"):
                research = research_tab(docs)
                library = library_tab(docs, self.settings.chat.upload_max_mb)
            views = [status, library.library, library.to_delete, research.company, research.form,
                     research.only_docs, research.chatbot]
            self._wire_research(research, state)
            self._wire_library(library, views)
            demo.load(self.refresh, None, views)
            demo.load(self.conversations.listing, None, research.conversations.listing)
        return demo

    def launch_kwargs(self, **overrides: Any) -> dict[str, Any]:
        """What `launch` passes to Gradio: the safe defaults, then `overrides`."""
        chat = self.settings.chat
        auth = chat.auth.get_secret_value() if chat.auth else None
        kwargs: dict[str, Any] = {
            "server_name": "127.0.0.1",
            "server_port": None,  # Gradio: GRADIO_SERVER_PORT, else the first free from 7860
            "share": False,
            "auth": parse_auth(auth),
            "allowed_paths": self.original_paths(),
            "max_file_size": chat.upload_max_bytes,
            "show_error": False,
            "footer_links": [],
            "run_history": False,
            "enable_monitoring": False,
            "mcp_server": False,
            "ssr_mode": False,
            "pwa": False,
            "theme": theme(),
            "css": CSS,
            "head": HEAD,
            "app_kwargs": {"middleware": [SandboxOriginals.middleware()]},
        }
        if kwargs["auth"]:
            kwargs["auth_message"] = "Dossier: sign in with the user and password you were given."
        kwargs.update(overrides)
        if kwargs.get("share"):
            raise ValueError("share links are not offered: use --host to expose the chat")
        from assistant.serve.beside_chat import serve_beside_chat  # the JSON API (and MCP)

        kwargs["app_kwargs"] = {**kwargs["app_kwargs"], "lifespan": serve_beside_chat(
            self.assistant, host=kwargs["server_name"], concurrency=self.settings.chat.concurrency,
            mcp=self.mcp, allow_ingest=self.allow_ingest)}
        return kwargs

    def launch(self, **overrides: Any) -> Any:
        self.demo.queue(default_concurrency_limit=self.settings.chat.concurrency)
        return self.demo.launch(**self.launch_kwargs(**overrides))

    def close(self) -> None:
        self.demo.close()
        self.conversations.close()

    def __repr__(self) -> str:
        url = getattr(self.demo, "local_url", None)
        return f"Dossier chat at {url} (.close() stops it)" if url else "Dossier chat (not running)"
