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
from assistant.ui.filters import CHIP_KEYS
from assistant.ui.safety import UPLOAD_SUFFIXES


@dataclass
class FilterChips:
    """The active filters beside the question box: a chip per filter set (a click clears it), a
    button clearing them all, and what is wrong with a date as typed."""

    row: gr.Row
    chips: dict[str, gr.Button]  # by filter key (assistant/ui/filters.py CHIP_KEYS)
    clear_all: gr.Button
    note: gr.HTML

    def outputs(self, panel: gr.Accordion) -> list[Any]:
        """What `ChatApp.show_filters` updates, in its return order."""
        return [self.row, *self.chips.values(), self.clear_all, panel, self.note]


def filter_chips() -> FilterChips:
    with gr.Row(elem_id="filter-chips", visible=False) as row:
        chips = {key: gr.Button("", size="sm", visible=False, scale=0, min_width=60,
                                elem_id=f"chip-{key.replace('_', '-')}", elem_classes=["chip"])
                 for key in CHIP_KEYS}
        clear_all = gr.Button("Clear all filters", size="sm", variant="secondary", scale=0,
                              min_width=60, elem_id="clear-filters", elem_classes=["chip-clear"])
    note = gr.HTML(elem_id="filter-note", visible=False)
    return FilterChips(row, chips, clear_all, note)


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
    filters_panel: gr.Accordion
    chips: FilterChips

    def filter_inputs(self) -> list[Any]:
        """The filters in `ChatApp.show_filters`'s argument order (and `respond`'s last five)."""
        return [self.company, self.form, self.date_from, self.date_to, self.only_docs]

    def ask_inputs(self, state: gr.State) -> list[Any]:
        """What `ChatApp.respond` reads, in its argument order."""
        return [self.question, self.chatbot, state, *self.filter_inputs()]


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
            chips = filter_chips()
            downloads = downloads_row()
            with gr.Accordion("Filters", open=False, elem_id="filters") as filters_panel:
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
                       only_docs, sources, conversations, filters_panel, chips)


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
