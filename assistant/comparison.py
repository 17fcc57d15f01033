"""Comparisons answered side by side: a question naming two or more companies or periods is
split into parts, each answered in its own scope with its own citations, numbered on across the
parts; a part the sources do not cover is said plainly to be missing, with what was searched.

    "Compare Buckle's and Nordstrom's results."
      -> "results, Buckle"     answered from Buckle's documents        [1] [2]
         "results, Nordstrom"  "Nordstrom: not in the sources — the store holds no documents of
                               Nordstrom."
    "Apple's net sales in Q3 2023 vs Q3 2022"
      -> "net sales, Apple, Q3 2023", "net sales, Apple, Q3 2022"

Companies are the stored ones the question names, the names it writes possessively
("Nordstrom's"), and names joined to either by "and", "or", "vs", "&" or a comma ("Buckle and
Nordstrom"); a name the store does not hold is a part with nothing to search. Periods are every
quarter or year the question names (assistant/question.py). One company and one period (or none)
is a single question, answered as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from assistant.answer.request import read_request
from assistant.answer.terms import key_terms
from assistant.followup import Subject, name_mentions, topic_of, unknown_names
from assistant.models import Answer, AnswerPart, Citation, Claim, Passage
from assistant.question import Mention, Question, company_mentions, period_mentions, without_mentions
from ingest.documents import DocMeta

MAX_PARTS = 6  # companies x periods beyond this are not split: the question is asked whole
_CONNECTOR = re.compile(r"^\s*,?\s*(?:,|and|&|or|vs\.?|versus|with|against|to)\s*(?:the\s+)?$",
                        re.IGNORECASE)
_COMPARING = re.compile(r"\b(?:compar(?:e[ds]?|ing|ison)|vs\.?|versus|against|side\s+by\s+side|"
                        r"between|relative\s+to|differ(?:ence)?s?)\b", re.IGNORECASE)
_NAME = re.compile(r"\b[A-Z][A-Za-z0-9&.\-]*(?:['’]s\b)?")


@dataclass(frozen=True)
class Part:
    """One side of a comparison: what it is about and what to ask."""

    label: str  # 'Buckle', 'Q3 2022', 'Buckle, Q3 2024'
    text: str  # the part as searched: 'results, Buckle'
    company: str | None  # the company as written, when the parts differ by company
    stored: bool  # the store holds that company (or the part is about a period)


def comparison_parts(question: Question, metas: Mapping[str, DocMeta]) -> list[Part] | None:
    """The parts of a question naming two or more companies or periods, in the order asked;
    None for a question about one company and one period (or none)."""
    stored = company_mentions(question.text, question.companies, metas.values())
    companies = _companies(question, stored)
    periods = list(dict.fromkeys(m.name for m in period_mentions(question.text)))
    # a figure computed over several years (a growth, an average, a definition's "average
    # between FY2018 and FY2019") is one answer: its years stay in each part's text; a figure
    # asked for in each period ("net sales in Q3 2023 vs Q3 2022") is a part per period
    request = read_request(question.text) if len(periods) > 1 else None
    joint = request is not None and request.operation != "value"
    if joint:
        periods = []
    if len(companies) < 2 and len(periods) < 2:
        return None
    if len(companies) * max(1, len(periods)) > MAX_PARTS:
        return None
    mentions = [*stored, *([] if joint else period_mentions(question.text)),
                *name_mentions(question.text, companies)]
    topic = topic_of(_COMPARING.sub(" ", without_mentions(question.text, mentions)), [])
    by_company: list[str | None] = list(companies) if len(companies) > 1 else [None]
    by_period: list[str | None] = list(periods) if len(periods) > 1 else [None]
    shared_company = next(iter(companies), None) if len(companies) == 1 else None
    shared_period = periods[0] if len(periods) == 1 else None
    out = []
    for company in by_company:
        for period in by_period:
            label = ", ".join(p for p in (company, period) if p)
            named = company or shared_company
            text = Subject(topic, (named,) if named else (), period or shared_period).text()
            held = company is None or companies[company] is not None
            out.append(Part(label, text, company, held))
    return out


def _companies(question: Question, stored: list[Mention]) -> dict[str, str | None]:
    """The companies named, as written, in text order -> the stored company (None: not held).
    Two spellings of one stored company ("Apple", "AAPL") are one company."""
    found: list[tuple[int, str, str | None]] = [(m.start, m.written, m.name) for m in stored]
    spans = [(m.start, m.end) for m in stored]
    for name in unknown_names(question, stored):
        at = question.text.find(name)
        found.append((at, name, None))
        spans.append((at, at + len(name)))
    written = {w for _, w, _ in found}
    for match in _NAME.finditer(question.text):
        name = re.sub(r"['’]s$", "", match.group(0)).rstrip(".")
        if name in written or name.lower() not in question.names:
            continue
        gaps = [question.text[match.end():s] if match.end() <= s else question.text[e:match.start()]
                for s, e in spans if match.end() <= s or match.start() >= e]
        if any(_CONNECTOR.match(gap) for gap in gaps):  # "Buckle and Nordstrom"
            found.append((match.start(), name, None))
            written.add(name)
    companies: dict[str, str | None] = {}
    keys: set[str] = set()
    for _, name, company in sorted(found, key=lambda f: f[0]):
        key = company or name.lower()
        if key not in keys:
            keys.add(key)
            companies[name] = company
    return companies


def part_question(question: Question) -> Question:
    """A part as answered: inside its company's documents the company's name is no evidence (every
    passage there is theirs), so the terms the evidence must cover leave it out; "results,
    Nordstrom" needs passages about results, not any passage naming Nordstrom."""
    rest = without_mentions(question.text, company_mentions(question.text, question.companies))
    terms = frozenset(key_terms(rest))
    return replace(question, key_terms=terms) if question.companies and terms else question


def answer_parts(question: Question, parts: list[Part], ask: Callable[[str], Answer],
                 mode: Literal["extractive", "llm"], *, filtered: bool = False) -> Answer:
    """Each part asked with `ask` (its own scope and citations), put together: the text part by
    part, labelled, with citations numbered on across parts; a part not covered says so, and
    what was searched (`filtered`: the user's filters chose the documents)."""
    answered: list[AnswerPart] = []
    citations: list[Citation] = []
    claims: list[Claim] = []
    passages: list[Passage] = []
    for part in parts:
        if not part.stored:
            answered.append(AnswerPart(
                label=part.label, question=part.text, covered=False,
                answer=f"not in the sources — the store holds no documents of {part.company}."))
            continue
        answer = ask(part.text)
        passages += [p for p in answer.passages if p.chunk_id not in {q.chunk_id for q in passages}]
        if answer.cannot_answer:
            searched = (f"searched only {answer.scope}" if answer.scope
                        else "searched only the documents the filters allow" if filtered
                        else "searched every document")
            answered.append(AnswerPart(label=part.label, question=part.text, covered=False,
                                       answer=f"not in the sources — {searched}.", scope=answer.scope))
            continue
        numbers = _numbers(answer.citations, citations)
        claims += [_renumbered_claim(c, numbers) for c in answer.claims]
        answered.append(AnswerPart(
            label=part.label, question=part.text, covered=True,
            answer=_renumbering(numbers)(answer.answer),
            citations=list(dict.fromkeys(numbers[c.n] for c in answer.citations)), scope=answer.scope))
    text = "\n\n".join(f"{p.label}: {p.answer}" for p in answered)
    return Answer(
        question=question.text, answer=text, cannot_answer=not citations, mode=mode,
        citations=citations, passages=passages, claims=claims, parts=answered,
        scope="; ".join(f"{p.label}: {p.scope}" for p in answered if p.scope) or None)


def _numbers(part: list[Citation], so_far: list[Citation]) -> dict[int, int]:
    """Each of a part's citation numbers -> its number in the whole answer: the earlier number
    when an earlier part quoted the same passage, else the next one (`so_far` grows)."""
    numbers = {}
    for c in part:
        same = next((s for s in so_far if (s.chunk_id, s.quote) == (c.chunk_id, c.quote)), None)
        if same is None:
            same = c.model_copy(update={"n": len(so_far) + 1})
            so_far.append(same)
        numbers[c.n] = same.n
    return numbers


def _renumbering(numbers: Mapping[int, int]) -> Callable[[str], str]:
    def renumber(found: re.Match[str]) -> str:
        n = int(found.group(1))
        return f"[{numbers.get(n, n)}]"

    return lambda text: re.sub(r"\[(\d+)\]", renumber, text)


def _renumbered_claim(claim: Claim, numbers: Mapping[int, int]) -> Claim:
    return claim.model_copy(update={
        "text": _renumbering(numbers)(claim.text),
        "citations": [c.model_copy(update={"n": numbers.get(c.n, c.n) if c.n is not None else None})
                      for c in claim.citations],
    })
