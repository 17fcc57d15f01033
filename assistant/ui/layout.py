"""The chat's two tabs as components, built inside a `gr.Blocks` and wired by `ChatApp.build`:
Research (the chat, the question box, the filters, the sources panel) and Library (upload, paste
URLs, the documents table, delete)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.components.chatbot import ExampleMessage

from assistant.ui import render
from assistant.ui.conversations import ConversationsPanel, conversations_panel, downloads_row
from assistant.ui.safety import UPLOAD_SUFFIXES


@dataclass
class ResearchTab:
    chatbot: gr.Chatbot
    question: gr.Textbox
    ask: gr.Button
    clear: gr.Button
    company: gr.Dropdown
    form: gr.Dropdown
    date_from: gr.Textbox
    date_to: gr.Textbox
    only_docs: gr.Dropdown
    sources: gr.HTML
    conversations: ConversationsPanel

    def ask_inputs(self, state: gr.State) -> list[Any]:
        """What `ChatApp.respond` reads, in its argument order."""
        return [self.question, self.chatbot, state, self.company, self.form, self.date_from,
                self.date_to, self.only_docs]


@dataclass
class LibraryTab:
    upload: gr.File
    urls: gr.Textbox
    add: gr.Button
    ingest_status: gr.HTML
    library: gr.Dataframe
    to_delete: gr.Dropdown
    delete: gr.Button
    delete_status: gr.HTML


def examples(docs: list[Any]) -> list[ExampleMessage]:
    return [ExampleMessage(text=q) for q in render.example_questions(docs)]


def research_tab(docs: list[Any]) -> ResearchTab:
    with gr.Tab("Research", id="research", elem_id="research-tab"), gr.Row(equal_height=False):
        with gr.Column(scale=7, min_width=420):
            chatbot = gr.Chatbot(
                elem_id="chat", show_label=False, height=540, placeholder=render.CHAT_PLACEHOLDER,
                examples=examples(docs) or None, feedback_options=None, latex_delimiters=[],
                buttons=["copy"], group_consecutive_messages=False, autoscroll=True,
            )
            with gr.Row(elem_id="ask-row"):
                question = gr.Textbox(
                    label="Question", placeholder="Ask about your filings and news… (Enter to send)",
                    show_label=False, scale=8, lines=1, max_lines=4, elem_id="question",
                    autofocus=True,
                )
                ask = gr.Button("Ask", variant="primary", scale=0, min_width=90, elem_id="ask")
                clear = gr.Button("New chat", variant="secondary", scale=0, min_width=120,
                                  elem_id="new-chat")
            downloads = downloads_row()
            with gr.Accordion("Filters", open=False, elem_id="filters"):
                with gr.Row():
                    company = gr.Dropdown(label="Company", choices=[], value=None,
                                          allow_custom_value=True, elem_id="f-company")
                    form = gr.Dropdown(label="Form", choices=[], value=None,
                                       allow_custom_value=True, elem_id="f-form")
                    date_from = gr.Textbox(label="Published from", placeholder="YYYY-MM-DD",
                                           elem_id="f-from")
                    date_to = gr.Textbox(label="Published to", placeholder="YYYY-MM-DD",
                                         elem_id="f-to")
                only_docs = gr.Dropdown(label="Only these documents", choices=[],
                                        multiselect=True, elem_id="f-docs")
            conversations = conversations_panel(*downloads)
        with gr.Column(scale=5, min_width=340, elem_id="sources-col"):
            sources = gr.HTML(render.EMPTY_SOURCES, elem_id="sources")
    return ResearchTab(chatbot, question, ask, clear, company, form, date_from, date_to,
                       only_docs, sources, conversations)


def library_tab(docs: list[Any], upload_max_mb: float) -> LibraryTab:
    with gr.Tab("Library", id="library", elem_id="library-tab"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                upload = gr.File(
                    label=f"Upload files ({', '.join(UPLOAD_SUFFIXES)}; at most "
                          f"{upload_max_mb:g} MB each)",
                    file_count="multiple", file_types=list(UPLOAD_SUFFIXES), elem_id="upload",
                    height=170,
                )
            with gr.Column(scale=2):
                urls = gr.Textbox(label="…or paste URLs, one a line", lines=3, elem_id="urls",
                                  placeholder="https://www.sec.gov/Archives/…")
                add = gr.Button("Add to library", variant="primary", elem_id="add")
        ingest_status = gr.HTML(elem_id="ingest-status")
        library = gr.Dataframe(
            value={"headers": render.LIBRARY_COLUMNS, "data": render.library_rows(docs)},
            headers=render.LIBRARY_COLUMNS, interactive=False, wrap=True, elem_id="library",
            show_label=False, column_widths=["34%", "13%", "7%", "10%", "7%", "13%", "16%"],
        )
        with gr.Row(equal_height=False, elem_id="delete-row"):
            to_delete = gr.Dropdown(label="Delete a document", choices=[], value=None, scale=4,
                                    elem_id="to-delete")
            delete = gr.Button("Delete", variant="stop", scale=0, min_width=120, elem_id="delete")
        delete_status = gr.HTML(elem_id="delete-status")
    return LibraryTab(upload, urls, add, ingest_status, library, to_delete, delete, delete_status)
