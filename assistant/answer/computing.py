"""The computed answer for a question over the stored facts of the documents it is about: read
what it asks (request.py), find the operands (operands.py), compute (compute.py), cite the work
(work.py).

`compute_for` gives a `ComputedAnswer` (the computation, its citations and the passages they
quote), a `MissingOperand` reason, or None when the question asks for no computation. The offline
answer leads with it; the LLM gets it as numbered evidence (assistant/answer/llm.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer.arithmetic import ComputeError, MissingOperand
from assistant.answer.compute import compute
from assistant.answer.operands import Facts
from assistant.answer.request import read_request
from assistant.answer.verify import Verifier
from assistant.answer.work import cited_computation, evidence_passages
from assistant.models import Answer, Citation, CitationCheck, Claim, Computation, Passage
from ingest.facts import Fact
from ingest.registry import Registry


@dataclass
class ComputedAnswer:
    computation: Computation | None  # None: it could not be computed
    citations: list[Citation]
    passages: list[Passage]  # the chunks the operands come from
    problem: str = ""  # what is missing, when it could not be computed


def documents_facts(registry: Registry, doc_ids: Sequence[str]) -> list[Fact]:
    """The facts of the documents, the most recent period's document first (a figure restated in
    a later filing is taken from it)."""
    metas = registry.metas()
    ordered = sorted(
        dict.fromkeys(doc_ids),
        key=lambda d: (metas[d].period_end or metas[d].period or "") if d in metas else "",
        reverse=True,
    )
    return [f for d in ordered for f in registry.facts(doc_id=d)]


def compute_for(text: str, registry: Registry, doc_ids: Sequence[str]) -> ComputedAnswer | None:
    request = read_request(text)
    if request is None or not doc_ids:
        return None
    facts = documents_facts(registry, doc_ids)
    if not facts:
        return None
    try:
        computed = compute(request, Facts(facts))
    except MissingOperand as exc:
        return ComputedAnswer(
            None,
            [],
            [],
            f"Dossier could not compute this: no figure for {exc} was "
            "found in the tables of the documents searched.",
        )
    except ComputeError as exc:
        return ComputedAnswer(None, [], [], f"Dossier could not compute this: {exc}.")
    chunk_ids = [f.fact.chunk_id for f in computed.used if f.fact.chunk_id]
    passages = evidence_passages(computed, registry.chunks_by_id(chunk_ids), registry.metas())
    definition = request.definition.text if request.definition else None
    computation, citations = cited_computation(computed, passages, definition)
    return ComputedAnswer(computation, citations, passages)


def computed_answer(question: str, computed: ComputedAnswer, passages: Sequence[Passage]) -> Answer:
    """The offline answer: the computed figure and its work, each operand cited."""
    assert computed.computation is not None
    line = computed.computation.line()
    claim = Claim(
        text=line,
        status="supported",
        citations=[CitationCheck(written=c.n, n=c.n, status="supported") for c in computed.citations],
    )
    known = {p.chunk_id for p in passages}
    return Answer(
        question=question,
        answer=line,
        cannot_answer=False,
        mode="extractive",
        citations=computed.citations,
        claims=[claim],
        computation=computed.computation,
        passages=[*passages, *(p for p in computed.passages if p.chunk_id not in known)],
    )


COMPUTED_SOURCE = "dossier:computed"


def computed_passage(computation: Computation) -> Passage:
    """The computation as a numbered passage for the LLM: its result and work, which the model
    may state and cite; its operands are the passages before it."""
    text = (f"Computed by Dossier from the stored table figures: {computation.label}: "
            f"{computation.result} = {computation.work}.")
    digest = hashlib.sha1(text.encode()).hexdigest()[:16]
    return Passage(rank=0, score=1.0, chunk_id=f"computed-{digest}", doc_id=COMPUTED_SOURCE,
                   title="Computed by Dossier", source=COMPUTED_SOURCE, text=text)


def cited_operands(computation: Computation, passages: Sequence[Passage], verifier: Verifier) -> Computation:
    """The computation with each operand numbered as the checked answer cites its passage (None
    where the answer does not cite it)."""
    index = {p.chunk_id: i for i, p in enumerate(passages, start=1)}
    operands = []
    for operand in computation.operands:
        written = index.get(operand.chunk_id or "")
        operands.append(operand.model_copy(update={"n": verifier.shown(written) if written else None}))
    return computation.model_copy(update={"operands": operands})
