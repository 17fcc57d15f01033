"""The objects every interface shares: the CLI prints them as JSON, notebooks render them, the
chat shows them. A citation looks and checks the same everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from ingest.documents import ArticleSource

if TYPE_CHECKING:
    from ingest.registry import DocRecord


def place(title: str, section: str | None, page: int | None, printed_page: str | None = None) -> str:
    parts = [title]
    if section:
        parts.append(section)
    if page is not None:
        parts.append(page_label(page, printed_page))
    return ", ".join(parts)


def page_label(page: int, printed_page: str | None = None) -> str:
    """'p. 7 (PDF 10)' where the printed number differs from the PDF's page; else 'p. 10'."""
    if printed_page and printed_page != str(page):
        return f"p. {printed_page} (PDF {page})"
    return f"p. {page}"


def document_contract(record: DocRecord) -> dict[str, object]:
    """A stored document as `dossier status --json`, the JSON API and the MCP tools list it."""
    meta = record.meta
    return {"doc_id": record.doc_id, "title": meta.title, "source": record.source,
            "chunks": record.n_chunks, "company": meta.company, "ticker": meta.ticker,
            "form": meta.form, "period": meta.period, "filed": meta.filed,
            "published": meta.published, "url": meta.url}


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


# Passage and Citation share where they are (`Located`); pydantic orders fields base class first
# (by reversed MRO), so `Ranked` and `Numbered` keep rank, score and n first, in their JSON too.
class Ranked(BaseModel):
    rank: int
    score: float


class Numbered(BaseModel):
    n: int


class Located(BaseModel):
    """Where a text is: its chunk and document, title, source, link, page and section."""

    chunk_id: str
    doc_id: str
    title: str
    source: str
    url: str | None = None
    page: int | None = None
    printed_page: str | None = None
    section: str | None = None

    def place(self) -> str:
        """Where it is, for a reader: 'Title, Item 7, p. 23'."""
        return place(self.title or self.source, self.section, self.page, self.printed_page)


class Passage(Located, Ranked):
    company: str | None = None
    ticker: str | None = None
    form: str | None = None
    period: str | None = None
    published: str | None = None
    filed: str | None = None
    start: int = 0
    end: int = 0
    text: str
    statement: str | None = None  # the statement or section it sits in: 'cash_flows', 'mdna'

    def json_contract(self) -> dict[str, object]:
        return self.model_dump(
            include={"rank", "score", "chunk_id", "doc_id", "title", "source", "page",
                     "printed_page", "section", "company", "ticker", "form", "period", "published", "text",
                     "statement"}
        )


class Citation(Located, Numbered):
    date: str | None = None
    quote: str = Field(description="Verbatim text of the cited passage.")
    article_sources: list[ArticleSource] = Field(
        default_factory=list, description="Where the quoted claim came from: the entries of the "
        "article's own reference list that the quote's [n] markers point to.")

    def json_contract(self) -> dict[str, object]:
        return self.model_dump(
            include={"n", "chunk_id", "doc_id", "title", "source", "page", "printed_page", "section", "quote",
                     "date", "article_sources"}
        )


class CitationCheck(BaseModel):
    """One [n] the answer's writer put after a claim, and what verification made of it."""

    written: int = Field(description="The number as written: the passage's place in the prompt.")
    n: int | None = Field(default=None, description="Its number in the answer; None when removed.")
    status: Literal["supported", "no_such_passage", "numbers_not_in_passage"]


class Claim(BaseModel):
    """One sentence of the answer, checked against the passages it cites."""

    text: str = Field(description="The sentence as shown, citation markers included.")
    status: Literal["supported", "unsupported", "uncited"]
    citations: list[CitationCheck] = Field(default_factory=list)
    unsupported_numbers: list[str] = Field(
        default_factory=list,
        description="Numbers the sentence states that no passage it cites holds (all of its "
        "numbers when it cites nothing).",
    )
    scale_not_stated: list[str] = Field(
        default_factory=list,
        description="Numbers of a supported sentence that match a cited figure only in a scale "
        "its source does not state (read as thousands, millions or billions): 'scale not stated "
        "in the source'.",
    )

    def json_contract(self) -> dict[str, object]:
        return {
            "text": self.text,
            "status": self.status,
            "citations": [c.model_dump() for c in self.citations],
            "unsupported_numbers": self.unsupported_numbers,
            "scale_not_stated": self.scale_not_stated,
        }


class AnswerPart(BaseModel):
    """One part of a comparison ("Compare Buckle's and Nordstrom's results"): a company or
    period, answered in its own scope, or said plainly not to be in the sources."""

    label: str = Field(description="What the part is about, as asked: 'Buckle', 'Q3 2022'.")
    question: str = Field(description="The part as searched: 'results, Buckle'.")
    covered: bool = Field(description="False: the sources do not answer this part.")
    answer: str = Field(description="The part's text, its [n] numbered as in the whole answer; "
                        "or why it is not in the sources.")
    citations: list[int] = Field(default_factory=list, description="The [n] this part cites.")
    scope: str | None = Field(default=None, description="The documents this part searched.")


class ComputedOperand(BaseModel):
    """One input of a computed figure: the table figure it is, and the citation that quotes it."""

    name: str = Field(description="What it stands for: a vocabulary line item ('revenue') or the row label.")
    label: str = Field(description="The row label as the table writes it.")
    period: str | None = Field(default=None, description="The period of its column: 'FY2023', '2019'.")
    value: str = Field(description="Its value as a signed decimal, in the table's scale.")
    text: str = Field(description="The figure as the table writes it: '(1,234)'.")
    n: int | None = Field(default=None, description="The citation that quotes its table row.")
    chunk_id: str | None = Field(default=None, description="The stored chunk that holds its row.")


class Computation(BaseModel):
    """A figure Dossier computed from stored table figures, with its work."""

    label: str = Field(description="What was computed: 'Revenue growth FY2024'.")
    result: str = Field(description="The figure as shown, rounded as asked: '2.0%', '$10,959 million'.")
    value: str = Field(description="The exact result as a decimal, before rounding.")
    formula: str = Field(description="The formula over named operands.")
    work: str = Field(description="The formula with the operands' figures: '(391,035 − 383,285) / 383,285'.")
    operands: list[ComputedOperand] = Field(default_factory=list)
    definition: str | None = Field(default=None,
                                   description="The question's own definition, when it gave one.")

    def line(self) -> str:
        """'Revenue growth FY2024: 2.0% = (391,035 − 383,285) / 383,285 [1][2]'."""
        cited = "".join(f"[{n}]" for n in dict.fromkeys(o.n for o in self.operands if o.n))
        return f"{self.label}: {self.result} = {self.work}{' ' + cited if cited else ''}"


class Answer(BaseModel):
    question: str
    answer: str
    cannot_answer: bool
    mode: Literal["extractive", "llm"]
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list, description="What retrieval returned.")
    claims: list[Claim] = Field(default_factory=list, description="Each sentence, verified.")
    searched: str | None = Field(
        default=None, description="The question as searched, when a follow-up was rewritten to stand alone."
    )
    notice: str | None = Field(
        default=None, description="Shown with the answer: e.g. the LLM was unreachable, so it is extractive."
    )
    scope: str | None = Field(
        default=None, description="The filings the question was resolved to, e.g. 'Apple Inc. · 10-Q · Q1 "
        "2023 (2 documents)'; None when it named none."
    )
    parts: list[AnswerPart] = Field(
        default_factory=list, description="A comparison's parts, in the order asked (each its own "
        "scope and citations); empty for a single question."
    )
    computation: Computation | None = Field(
        default=None, description="The figure Dossier computed for the question, with its work.")

    @property
    def supported_claims(self) -> int:
        return sum(1 for c in self.claims if c.status == "supported")

    def summary(self) -> str:
        """'4 of 5 claims supported'."""
        total = len(self.claims)
        return f"{self.supported_claims} of {total} claim{'' if total == 1 else 's'} supported"

    def json_contract(self) -> dict[str, object]:
        return {
            "answer": self.answer,
            "cannot_answer": self.cannot_answer,
            "mode": self.mode,
            "citations": [c.json_contract() for c in self.citations],
            "claims": [c.json_contract() for c in self.claims],
            "summary": self.summary(),
            "supported_claims": self.supported_claims,
            "total_claims": len(self.claims),
            "searched": self.searched,
            "notice": self.notice,
            "scope": self.scope,
            "parts": [p.model_dump() for p in self.parts],
            "computation": self.computation.model_dump() if self.computation else None,
        }

    # Renderings, kept in assistant/rendering.py (imported when asked: it imports this module).
    def to_markdown(self) -> str:
        """The answer for a memo: the question, the text as shown (its [n] and the verifier's
        marks), the claims summary, and the numbered sources with place, link and quote."""
        from assistant.rendering import answer_markdown

        return answer_markdown(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        from assistant.rendering import answer_html

        return answer_html(self)

    def __str__(self) -> str:
        from assistant.rendering import answer_text

        return answer_text(self)
