"""HTML and Markdown for the chat: answers with linked citations (answers), source cards with the
quoted sentence highlighted (sources), the library table and example questions (library), links
and labels (labels). Pure functions of the models, so they are tested without a browser. Every
text from a document is escaped before it is shown."""

from assistant.ui.render.answers import (
    CHAT_PLACEHOLDER,
    answer_markdown,
    answer_units,
    cannot_answer_body,
    cite_link,
    error_markdown,
    filter_error_markdown,
    filter_note_html,
    message_html,
    parts_html,
    question_markdown,
    searching_markdown,
    work_box,
)
from assistant.ui.render.labels import (
    FILE_ROUTE,
    display_date,
    document_label,
    error_reason,
    original_link,
    plain_html,
    short_company,
)
from assistant.ui.render.library import (
    KNOWN_QUESTIONS,
    LIBRARY_COLUMNS,
    example_questions,
    library_rows,
    report_html,
)
from assistant.ui.render.sources import (
    EMPTY_SOURCES,
    card_meta,
    highlight,
    highlight_all,
    passage_card,
    same_text,
    shared_card,
    source_card,
    sources_html,
    view_page_link,
)

__all__ = [
    "CHAT_PLACEHOLDER", "EMPTY_SOURCES", "FILE_ROUTE", "KNOWN_QUESTIONS", "LIBRARY_COLUMNS",
    "answer_markdown", "answer_units", "cannot_answer_body", "card_meta", "cite_link",
    "display_date", "document_label", "error_markdown", "error_reason", "example_questions",
    "filter_error_markdown", "filter_note_html", "highlight", "highlight_all", "library_rows",
    "message_html", "original_link", "parts_html", "passage_card", "plain_html",
    "question_markdown", "report_html", "same_text", "searching_markdown", "shared_card",
    "short_company", "source_card", "sources_html", "view_page_link", "work_box",
]
