"""Links and labels shared by the chat's views: where a source's original opens, a company's
short name, a date, a document's label, and text escaped for HTML."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from ingest.company_names import short_name
from ingest.locations import is_url
from ingest.registry import DocRecord

FILE_ROUTE = "gradio_api/file="


def original_link(source: str, url: str | None = None, page: int | None = None) -> str:
    """Where a reader opens the original: the URL for web sources; for ingested files the app's
    file route (the app allows exactly the ingested files), at the cited page for PDFs."""
    if url and is_url(url):
        return url
    if is_url(source):
        return source
    link = FILE_ROUTE + quote(source, safe="/")
    if page is not None and source.lower().endswith(".pdf"):
        link += f"#page={page}"
    return link


def short_company(company: str | None) -> str:
    """'BUCKLE, INC' -> 'Buckle'; 'Nordstrom, Inc.' -> 'Nordstrom'; for example questions."""
    if not company:
        return ""
    name = short_name(company)
    if name.isupper():
        name = " ".join(w.capitalize() if len(w) > 3 else w for w in name.split())
    return name


def display_date(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso)
        return (when.astimezone() if when.tzinfo else when).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def plain_html(text: str) -> str:
    """Text for a chat message: whitespace collapsed (PDF line breaks), HTML escaped."""
    return html.escape(" ".join(text.split()), quote=False)


def document_label(record: DocRecord) -> str:
    name = record.source if is_url(record.source) else Path(record.source).name
    title = record.meta.title or name
    return title if title == name else f"{title} ({name})"


def error_reason(exc: BaseException) -> str:
    """An error as a message shows it: its type and first line, never a stack trace."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
