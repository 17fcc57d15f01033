"""The objects every interface shares: the CLI prints them as JSON, notebooks render them, the
chat shows them. A citation looks and checks the same everywhere."""

from __future__ import annotations

import html
from typing import Literal

from pydantic import BaseModel, Field


def place(title: str, section: str | None, page: int | None) -> str:
    parts = [title]
    if section:
        parts.append(section)
    if page is not None:
        parts.append(f"p. {page}")
    return ", ".join(parts)


class Filters(BaseModel):
    """What retrieval is restricted to. Matching is case-insensitive; None means any."""

    doc_ids: list[str] | None = None
    company: str | None = None
    ticker: str | None = None
    form: str | None = None
    date_from: str | None = Field(default=None, description="ISO date; published or filed on/after.")
    date_to: str | None = Field(default=None, description="ISO date; published or filed on/before.")

    def is_empty(self) -> bool:
        return not any(self.model_dump().values())


class Passage(BaseModel):
    rank: int
    score: float
    chunk_id: str
    doc_id: str
    title: str
    source: str
    url: str | None = None
    page: int | None = None
    section: str | None = None
    company: str | None = None
    ticker: str | None = None
    form: str | None = None
    period: str | None = None
    published: str | None = None
    filed: str | None = None
    start: int = 0
    end: int = 0
    text: str

    def place(self) -> str:
        """Where it is, for a reader: 'Title, Item 7, p. 23'."""
        return place(self.title or self.source, self.section, self.page)

    def json_contract(self) -> dict[str, object]:
        return self.model_dump(
            include={"rank", "score", "chunk_id", "doc_id", "title", "source", "page", "section",
                     "company", "ticker", "form", "period", "published", "text"}
        )


class Citation(BaseModel):
    n: int
    chunk_id: str
    doc_id: str
    title: str
    source: str
    url: str | None = None
    page: int | None = None
    section: str | None = None
    date: str | None = None
    quote: str = Field(description="Verbatim text of the cited passage.")

    def place(self) -> str:
        """Where it is, for a reader: 'Title, Item 7, p. 23'."""
        return place(self.title or self.source, self.section, self.page)

    def json_contract(self) -> dict[str, object]:
        return self.model_dump(
            include={"n", "chunk_id", "doc_id", "title", "source", "page", "section", "quote"}
        )


class Answer(BaseModel):
    question: str
    answer: str
    cannot_answer: bool
    mode: Literal["extractive", "llm"]
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list, description="What retrieval returned.")

    def json_contract(self) -> dict[str, object]:
        return {
            "answer": self.answer,
            "cannot_answer": self.cannot_answer,
            "mode": self.mode,
            "citations": [c.json_contract() for c in self.citations],
        }

    def sources_markdown(self) -> str:
        lines = []
        for c in self.citations:
            link = c.url or c.source
            date = f" ({c.date})" if c.date else ""
            lines.append(f"[{c.n}] [{c.place()}]({link}){date}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        body = f"**Q:** {self.question}\n\n{self.answer}"
        if self.citations:
            body += "\n\n**Sources**\n\n" + "\n".join(
                f"- {line}" for line in self.sources_markdown().splitlines()
            )
        return body

    def _repr_html_(self) -> str:
        """The answer with its sources, for Jupyter: each [n] links to its numbered source, which
        shows where the passage is, a link to the original and the quoted sentence."""
        esc = html.escape
        question = f'<p style="margin:0 0 6px 0"><b>Q:</b> {esc(self.question)}</p>'
        if self.cannot_answer:
            return (f'<div class="dossier-answer">{question}<p style="border-left:4px solid #d97706;'
                    f'padding:6px 10px;margin:0"><b>Not in the sources.</b> {esc(self.answer)}</p></div>')
        uid = f"dossier-{id(self):x}"
        sentences = " ".join(
            f'{esc(" ".join(c.quote.split()))} <a href="#{uid}-{c.n}" title="{esc(c.place())}">'
            f"[{c.n}]</a>" for c in self.citations
        )
        items = []
        for c in self.citations:
            link = esc(c.url or c.source)
            date = f" ({esc(c.date)})" if c.date else ""
            items.append(
                f'<li id="{uid}-{c.n}" value="{c.n}"><a href="{link}" target="_blank" '
                f'rel="noopener noreferrer">{esc(c.place())}</a>{date}<blockquote style="margin:4px 0 '
                f'8px 0;padding-left:8px;border-left:3px solid #c7d2fe;color:#444">'
                f"{esc(c.quote)}</blockquote></li>"
            )
        sources = f'<p style="margin:10px 0 4px 0"><b>Sources</b></p><ol>{"".join(items)}</ol>'
        return f'<div class="dossier-answer">{question}<p>{sentences}</p>{sources}</div>'

    def __str__(self) -> str:
        text = self.answer
        if self.citations:
            text += "\n\nSources:\n" + "\n".join(
                f"  [{c.n}] {c.place()} — {c.url or c.source}" for c in self.citations
            )
        return text
