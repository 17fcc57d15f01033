"""A computed figure as the answer shows it: the result first, then its work, each operand cited
by the table row that holds it.

    "Percentage change in finished goods, 2018 to 2019: -6.70% = (668 − 716) / 716 [1][2]"

Each operand's citation quotes its row as the stored chunk writes it (a line of the table), so the
quote holds the figure verbatim; two operands on one row share a citation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from assistant.answer.result import Computed
from assistant.models import Citation, Computation, ComputedOperand, Passage
from assistant.retrieval import to_passage
from ingest.documents import DocMeta
from ingest.facts import Fact
from ingest.registry import ChunkRecord


def row_quote(fact: Fact, chunk_text: str) -> str | None:
    """The line of the chunk that holds the fact's figure: the figure whole (a "1" is not the
    "1" of "12"), on the row its label names exactly ("Tamil films", not "Regional films
    (excluding Tamil films)"), under its group row where the table repeats a label."""
    figure = re.compile(rf"(?<![\d.,]){re.escape(fact.text)}(?![\d]|[.,]\d)")
    rows: list[tuple[tuple[bool, bool, bool], str]] = []
    group = None  # the label of the last row with no figures ("India Only")
    for line in (line.strip() for line in chunk_text.splitlines()):
        cells = [c.strip() for c in line.strip("|").split("|")]
        label = cells[0] if len(cells) > 1 else None
        if fact.text in line:
            rows.append(((figure.search(line) is not None, label == fact.line_item,
                          bool(fact.parents) and group == fact.parents[-1]), line))
        if label and not any(cells[1:]):
            group = label
    named = [(rank, line) for rank, line in rows if fact.line_item and fact.line_item in line]
    chosen = named or rows
    return max(chosen, key=lambda row: row[0])[1] if chosen else None


def evidence_passages(
    computed: Computed, chunks: Mapping[str, ChunkRecord], metas: Mapping[str, DocMeta]
) -> list[Passage]:
    """The passages (stored chunks) that hold the operands, in the order the work uses them."""
    out: list[Passage] = []
    for found in computed.used:
        chunk_id = found.fact.chunk_id
        known = chunk_id is not None and chunk_id in chunks and found.fact.doc_id in metas
        if known and chunk_id not in {p.chunk_id for p in out}:
            out.append(to_passage(chunks[str(chunk_id)], metas[found.fact.doc_id], len(out) + 1, 1.0))
    return out


def cited_computation(
    computed: Computed, passages: list[Passage], definition: str | None = None, first: int = 1
) -> tuple[Computation, list[Citation]]:
    """The computation with its operands numbered from `first`, and their citations."""
    by_chunk = {p.chunk_id: p for p in passages}
    citations: list[Citation] = []
    numbers: dict[tuple[str, str], int] = {}
    operands: list[ComputedOperand] = []
    for found in computed.used:
        fact = found.fact
        passage = by_chunk.get(fact.chunk_id or "")
        quote = row_quote(fact, passage.text) if passage else None
        n = None
        if passage is not None and quote:
            key = (passage.chunk_id, quote)
            if key not in numbers:
                numbers[key] = first + len(numbers)
                citations.append(
                    Citation(
                        n=numbers[key],
                        chunk_id=passage.chunk_id,
                        doc_id=passage.doc_id,
                        title=passage.title,
                        source=passage.source,
                        url=passage.url,
                        page=passage.page,
                        printed_page=passage.printed_page,
                        section=passage.section,
                        date=passage.published or passage.filed,
                        quote=quote,
                    )
                )
            n = numbers[key]
        period = fact.fiscal_period or fact.header or None
        operands.append(
            ComputedOperand(
                name=found.name,
                label=fact.line_item,
                period=period,
                value=str(fact.value),
                text=fact.text,
                n=n,
                chunk_id=fact.chunk_id,
            )
        )
    computation = Computation(
        label=computed.label,
        result=computed.result,
        value=str(computed.value),
        formula=computed.formula,
        work=computed.work,
        operands=operands,
        definition=definition,
    )
    return computation, citations
