"""The two objects every ingest step passes along: a loaded Document and its Chunks.

A Document holds the full extracted text once, plus *blocks*: character spans of that text that
share a page and a section. Chunks never cross a block, so every chunk has one page and one
section, and its `start`/`end` offsets point back into `Document.text`.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, Field

DocKind = Literal["text", "markdown", "html", "pdf", "sec"]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DocMeta(BaseModel):
    """What an analyst filters by. Every field is optional: loaders fill in what they can read."""

    title: str = ""
    source: str = Field("", description="Absolute file path or URL the document came from.")
    url: str | None = Field(default=None, description="Link a reader can open (URL, or file:// for files).")
    company: str | None = None
    ticker: str | None = None
    cik: str | None = None
    form: str | None = Field(default=None, description="SEC form type: 10-K, 10-Q, 8-K, 20-F, 6-K ...")
    period: str | None = Field(default=None, description="Fiscal period, e.g. 'FY2024' or 'Q2 FY2025'.")
    filed: str | None = Field(default=None, description="Filing date, ISO 8601 (YYYY-MM-DD).")
    published: str | None = Field(default=None, description="Publication date, ISO 8601 (YYYY-MM-DD).")
    author: str | None = None
    site: str | None = None
    language: str | None = None

    def chroma_metadata(self) -> dict[str, str]:
        """Non-empty fields only: Chroma metadata values cannot be None."""
        return {k: v for k, v in self.model_dump().items() if v not in (None, "")}


class Block(BaseModel):
    """A span of Document.text on one page and in one section."""

    start: int
    end: int
    page: int | None = Field(default=None, description="1-based page number, for paged sources.")
    section: str | None = Field(default=None, description="e.g. 'Item 1A. Risk Factors'.")


class Document(BaseModel):
    text: str
    kind: DocKind
    meta: DocMeta
    blocks: list[Block]

    @property
    def content_hash(self) -> str:
        return sha256(self.text)

    @property
    def doc_id(self) -> str:
        """Stable per source: re-ingesting the same source replaces, never duplicates."""
        return sha256(self.meta.source)[:16]

    @classmethod
    def single_block(cls, text: str, kind: DocKind, meta: DocMeta) -> Document:
        return cls(text=text, kind=kind, meta=meta, blocks=[Block(start=0, end=len(text))])


class Chunk(BaseModel):
    chunk_id: str
    doc_id: str
    text: str
    start: int = Field(description="Character offset of the chunk in Document.text.")
    end: int
    page: int | None = None
    section: str | None = None

    def metadata(self, meta: DocMeta) -> dict[str, Any]:
        out: dict[str, Any] = meta.chroma_metadata()
        out.update(doc_id=self.doc_id, start=self.start, end=self.end)
        if self.page is not None:
            out["page"] = self.page
        if self.section:
            out["section"] = self.section
        return out


def chunk_id(doc_id: str, text: str, occurrence: int) -> str:
    """Content-hash id; `occurrence` separates identical texts inside one document."""
    return sha256(f"{doc_id}\x00{occurrence}\x00{text}")[:32]


class LoadError(Exception):
    """A source that cannot be loaded. The message says what is wrong and what to do."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
