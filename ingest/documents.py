"""The two objects every ingest step passes along: a loaded Document and its Chunks.

A Document holds the full extracted text once, plus *blocks*: character spans of that text that
share a page and a section. Chunks never cross a block, so every chunk has one page and one
section, and its `start`/`end` offsets point back into `Document.text`.
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import BaseModel, Field

from ingest.errors import DossierError

DocKind = Literal["text", "markdown", "html", "pdf", "sec"]
BlockKind = Literal["text", "table"]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ArticleSource(BaseModel):
    """One entry of an article's own reference list: "[2] Title, [https://...]"."""

    n: int
    title: str = ""
    url: str | None = None


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
    period_end: str | None = Field(
        default=None, description="Last day of the period a filing covers, ISO 8601 (YYYY-MM-DD)."
    )
    filed: str | None = Field(default=None, description="Filing date, ISO 8601 (YYYY-MM-DD).")
    published: str | None = Field(default=None, description="Publication date, ISO 8601 (YYYY-MM-DD).")
    author: str | None = None
    site: str | None = None
    language: str | None = None
    accession: str | None = Field(
        default=None, description="SEC accession number, e.g. 0000320193-24-000123."
    )
    exhibit: str | None = Field(
        default=None, description="Exhibit type of a filing's exhibit, e.g. 'EX-99.1'."
    )
    parent: str | None = Field(
        default=None, description="doc_id of the filing an exhibit belongs to (same accession)."
    )
    doc_type: str | None = Field(
        default=None, description="What the document is beyond its form, read from its text: "
        "'earnings release', 'press release', 'annual report' (ingest/doc_kinds.py).")
    dated: str | None = Field(
        default=None, description="The date the document gives itself ('dated March 3, 2021', an "
        "8-K's date of report), ISO 8601.")
    companies: str | None = Field(
        default=None, description="Companies the document is about, main one first: "
        "'Alibaba Group Holding Ltd (BABA); Apple Inc. (AAPL)'.")
    references: list[ArticleSource] = Field(
        default_factory=list, description="The article's own numbered sources, which [n] markers "
        "in its text point to. Kept in the registry, not in Chroma (not a scalar).")

    def chroma_metadata(self) -> dict[str, str]:
        """Non-empty scalar fields only: Chroma metadata values cannot be None or lists."""
        return {k: v for k, v in self.model_dump(exclude={"references"}).items() if v not in (None, "")}


class TableFigure(BaseModel):
    """One figure cell of a table as the loader laid it out, before it became text: where its
    text lies in Document.text, its row label (and the label-only rows above it), its column
    header, and the inline-XBRL tag it carried, if any (see ingest/facts.py)."""

    start: int = Field(description="Offset of the figure's text in Document.text.")
    text: str = Field(description="The figure as written: '$(1,234)', '12.5%', '—'.")
    label: str = ""
    parents: list[str] = Field(default_factory=list, description="Group rows above, outermost first.")
    header: str = ""
    xbrl: dict[str, str] | None = Field(
        default=None, description="The ix:nonFraction's attributes (name, contextref, unitref, "
        "scale, sign, format) and its context's period (period_start, period_end).")


class Block(BaseModel):
    """A span of Document.text on one page and in one section."""

    start: int
    end: int
    page: int | None = Field(default=None, description="1-based page number, for paged sources.")
    printed_page: str | None = Field(
        default=None, description="The number printed on the page ('7', 'F-3'), when it is known.")
    section: str | None = Field(default=None, description="e.g. 'Item 1A. Risk Factors'.")
    kind: BlockKind = Field(
        default="text", description="'table': one table, chunked by rows with its head repeated."
    )
    head_end: int | None = Field(
        default=None,
        description="For a table: where its rows start; text[start:head_end] is its caption, "
        "units and header rows, repeated at the top of every piece of a split table.",
    )
    figures: list[TableFigure] = Field(default_factory=list, description="A table's figure cells.")


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
    text: str = Field(
        description="Document.text[start:end]; for the 2nd+ piece of a split table, the table's "
        "head (caption, units, header rows) + newline + Document.text[start:end]."
    )
    start: int = Field(description="Character offset of the chunk in Document.text.")
    end: int
    page: int | None = None
    section: str | None = None
    printed_page: str | None = None
    statement: str | None = Field(
        default=None, description="The financial statement or filing section it sits in, a "
        "finance-vocabulary statement id: 'cash_flows', 'balance_sheet', 'mdna' (ingest/statements.py).")

    def metadata(self, meta: DocMeta) -> dict[str, Any]:
        out: dict[str, Any] = meta.chroma_metadata()
        out.update(doc_id=self.doc_id, start=self.start, end=self.end)
        if self.page is not None:
            out["page"] = self.page
        if self.printed_page:
            out["printed_page"] = self.printed_page
        if self.section:
            out["section"] = self.section
        if self.statement:
            out["statement"] = self.statement
        return out


def chunk_id(doc_id: str, text: str, occurrence: int) -> str:
    """Content-hash id; `occurrence` separates identical texts inside one document."""
    return sha256(f"{doc_id}\x00{occurrence}\x00{text}")[:32]


class LoadError(DossierError):
    """A source that cannot be loaded. The message says what is wrong and what to do."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
