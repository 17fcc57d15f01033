"""The offline answer: the sentences of the top passages that best answer the question, quoted
verbatim, each followed by its citation; or the fixed cannot-answer sentence when the evidence
does not cover the question's key terms. A quoted table row whose figures are in a scale its
table states elsewhere ("(In millions, ...)") is followed by that scale: "(in millions of USD)"."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import prompts
from assistant.answer.numbers import Number, read_passage, scale_stated_elsewhere, within
from assistant.answer.terms import coverage, stems
from assistant.models import Answer, Citation, Passage
from assistant.question import Question
from ingest.chunking import split_sentences
from ingest.embeddings import Embedder
from ingest.loaders.pdf_furniture import is_furniture_line
from ingest.references import cited_sources
from ingest.units import states_units

# Sentences that hold a figure.
_FIGURE = re.compile(r"\d[\d,]*(\.\d+)?\s*(%|percent|million|billion|bn|m\b)|\$\s?\d|\d{1,3}(,\d{3})+")


_URL = re.compile(r"https?://|www\.")
_MARKER = re.compile(r"\[(\d{1,3})\]")


@dataclass
class Candidate:
    passage: Passage
    start: int  # offset of the sentence inside passage.text
    text: str
    score: float = 0.0


def extractive_answer(
    question: Question,
    passages: Sequence[Passage],
    embedder: Embedder,
    *,
    max_sentences: int = 4,
    min_support: float = 0.5,
    min_similarity: float = 0.2,
    document_texts: Mapping[str, str] | None = None,
) -> Answer:
    """`document_texts` (doc id -> full text) lets names in the question ("Apple") rule out
    sentences from documents that never mention them."""
    terms = question.key_terms
    candidates = _candidates(_about_named(question.names, passages, document_texts))
    if candidates:
        vectors = embedder.embed([question.text] + [c.text for c in candidates])
        similarity = vectors[1:] @ vectors[0]
        for cand, sim in zip(candidates, similarity, strict=True):
            lexical = coverage(terms, cand.text)
            figure = 0.1 if question.wants_figure and _FIGURE.search(cand.text) else 0.0
            cand.score = float(sim) + 0.5 * lexical + figure + 0.05 / cand.passage.rank
    chosen = _select(candidates, max_sentences)
    evidence = " ".join(c.text for c in chosen)
    best_similarity = max((c.score for c in chosen), default=0.0)
    if not chosen or coverage(terms, evidence) < min_support or best_similarity < min_similarity:
        return Answer(question=question.text, answer=prompts.cannot_answer(), cannot_answer=True,
                      mode="extractive", passages=list(passages))
    citations, lines = [], []
    read: dict[str, list[Number]] = {}
    for n, cand in enumerate(_reading_order(chosen), start=1):
        p = cand.passage
        citations.append(Citation(
            n=n, chunk_id=p.chunk_id, doc_id=p.doc_id, title=p.title, source=p.source, url=p.url,
            page=p.page, printed_page=p.printed_page, section=p.section, date=p.published or p.filed,
            quote=cand.text,
            article_sources=cited_sources(cand.text, (document_texts or {}).get(p.doc_id, p.text)),
        ))
        lines.append(f"{display_quote(cand.text)}{_scale_note(cand, read)} [{n}]")
    return Answer(question=question.text, answer=" ".join(lines), cannot_answer=False,
                  mode="extractive", citations=citations, passages=list(passages))


def display_quote(quote: str) -> str:
    """The quote as shown in the answer: a source's own reference markers ("[2]" in an analyst
    article) become "(ref. 2)" so they cannot be mistaken for Dossier's citations. The
    citation's `quote` keeps the exact text."""
    return _MARKER.sub(r"(ref. \1)", quote)


def _scale_note(cand: Candidate, read: dict[str, list[Number]]) -> str:
    """' (in millions of USD)' when the quote's figures are in a scale stated outside it."""
    if states_units(cand.text):
        return ""
    p = cand.passage
    if p.chunk_id not in read:
        read[p.chunk_id] = read_passage(p.text)
    note = scale_stated_elsewhere(within(read[p.chunk_id], cand.start, cand.start + len(cand.text)))
    return f" ({note})" if note else ""


def _about_named(
    names: frozenset[str], passages: Sequence[Passage], document_texts: Mapping[str, str] | None
) -> list[Passage]:
    if not names or document_texts is None:
        return list(passages)
    mentions: dict[str, bool] = {}
    for p in passages:
        if p.doc_id not in mentions:
            haystack = " ".join(
                [p.title, p.company or "", document_texts.get(p.doc_id, p.text)]
            ).casefold()
            mentions[p.doc_id] = all(name in haystack for name in names)
    return [p for p in passages if mentions[p.doc_id]]


def _candidates(passages: Sequence[Passage]) -> list[Candidate]:
    seen: set[str] = set()
    out = []
    for p in passages:
        for start, end in split_sentences(p.text):
            raw = p.text[start:end]
            text = raw.strip()
            key = " ".join(text.lower().split())
            if len(text.split()) < 4 or key in seen:  # overlapping chunks repeat sentences
                continue
            if _URL.search(text) or key == " ".join(p.title.lower().split()) or is_furniture_line(text):
                continue  # a reference list, the title line or a page footer: not a claim to quote
            seen.add(key)
            out.append(Candidate(p, start + len(raw) - len(raw.lstrip()), text))
    return out


def _select(candidates: list[Candidate], limit: int) -> list[Candidate]:
    """Best-scoring sentences near the top score, skipping near-duplicates."""
    ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
    if not ranked:
        return []
    floor = ranked[0].score - 0.15
    chosen: list[Candidate] = []
    chosen_stems: list[set[str]] = []
    for cand in ranked:
        if cand.score < floor or len(chosen) == limit:
            break
        words = stems(cand.text)
        if any(_jaccard(words, other) > 0.85 for other in chosen_stems):
            continue
        chosen.append(cand)
        chosen_stems.append(words)
    return chosen


def _reading_order(chosen: list[Candidate]) -> list[Candidate]:
    """Documents in order of their best sentence; sentences in document order within each."""
    first_seen: dict[str, int] = {}
    for i, cand in enumerate(chosen):
        first_seen.setdefault(cand.passage.doc_id, i)
    return sorted(
        chosen,
        key=lambda c: (first_seen[c.passage.doc_id], c.passage.start + c.start),
    )


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))

