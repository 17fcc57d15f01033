"""A sample passage and answer (the Alibaba note: a title, a quote and a passage with HTML to
escape, a PDF page), shared by the tests of the chat's rendering and conversations."""

from __future__ import annotations

from assistant.models import Answer, Citation, Passage

TEXT = ("Alibaba Group's AI plans are large.\nThe company's 380 billion yuan ($53 billion) "
        "three-year AI and cloud\ninfrastructure plan <b>matters</b>. More text follows here.")
QUOTE = ("The company's 380 billion yuan ($53 billion) three-year AI and cloud infrastructure "
         "plan <b>matters</b>.")


def sample_passage(**kw: object) -> Passage:
    base: dict[str, object] = dict(
        rank=1, score=0.5, chunk_id="c1", doc_id="d1", title="Alibaba <AI> note",
        source="/data/filings/alibaba note.pdf", url="file:///data/filings/alibaba%20note.pdf",
        page=3, section="Item 7", company="Alibaba Group", form="20-F", period="FY2025",
        published="2025-05-15", text=TEXT,
    )
    base.update(kw)
    return Passage(**base)


def sample_answer(cannot: bool = False) -> Answer:
    citation = Citation(n=1, chunk_id="c1", doc_id="d1", title="Alibaba <AI> note",
                        source="/data/filings/alibaba note.pdf",
                        url="file:///data/filings/alibaba%20note.pdf", page=3, section="Item 7",
                        date="2025-05-15", quote=QUOTE)
    if cannot:
        return Answer(question="Dividend in 2019?", answer="I cannot answer this from the ingested sources.",
                      cannot_answer=True, mode="extractive", passages=[sample_passage()])
    return Answer(question="How much is Alibaba investing?", answer=f"{QUOTE} [1]",
                  cannot_answer=False, mode="extractive", citations=[citation],
                  passages=[sample_passage()])
