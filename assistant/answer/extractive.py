"""The offline answer: the sentences of the top passages that best answer the question, quoted
verbatim, each followed by its citation; or the fixed cannot-answer sentence when the evidence
does not cover the question's key terms. Only whole sentences and whole table rows are quoted
(assistant/answer/quotable.py); a table row of the period the question asks for is preferred;
the best sentence comes first. Terms are those of the question's topic: the companies, form and
period that pick its documents are shared by every passage searched, and by the report's
boilerplate (certifications, cover page), so they rank nothing, and a quote that names none of
the topic's words is not quoted. Nor are the words that frame the question ("major factors",
"compared to previous quarters", "what might this suggest") asked of a quote: the answering
sentence names the subject, not them (assistant/answer/terms.py `subject_terms`); they count
only where it uses them. A sentence that only points elsewhere ("Refer to Note 14 ...") does not
lead. A question for a metric's figure (not why it moved) is answered first by a quote that
states a figure: the statement's row for the metric itself where the question asks for nothing
narrower (assistant/answer/metric_words.py), else any quote with a figure. The question's words
for a metric count as found in a quote that names the metric in a filing's words ("revenue" in
"Total net sales", "R&D expenditure" in "R&D expenses"), and so do its words for a line item
("stock buyback" in "share repurchase program"), though the evidence must still name one of the
question's own words outside the metric ("Net sales" alone does not answer "iPhone revenue"). A
quoted table row whose figures are in a scale
its table states elsewhere ("(In millions, ...)") is followed by that scale: "(in millions of
USD)"."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import prompts
from assistant.answer.metric_words import asked_line_items, asked_metrics, is_metric_row, names_metric
from assistant.answer.numbers import Number, read_passage, scale_stated_elsewhere, within
from assistant.answer.quotable import (
    continues_before,
    is_cross_reference,
    is_furniture,
    is_heading,
    is_table_row,
    quotable_spans,
)
from assistant.answer.terms import asked_of, coverage, stems, subject_terms
from assistant.models import Answer, Citation, Passage
from assistant.question import Period, Question
from assistant.rendering import display_quote
from ingest.embeddings import Embedder
from ingest.references import cited_sources
from ingest.units import states_units

# Sentences that hold a figure.
_FIGURE = re.compile(r"\d[\d,]*(\.\d+)?\s*(%|percent|million|billion|bn|m\b)|\$\s?\d|\d{1,3}(,\d{3})+")


# Questions asking why or what drove a figure, not for the figure itself.
_WHY = re.compile(r"\b(why|factors?|reasons?|drivers?|drove|caused?|explain)\b", re.IGNORECASE)
_URL = re.compile(r"https?://|www\.")
_YEAR = re.compile(r"(?<![\d.,$])(?:19|20)\d{2}(?![\d,])")
_PERIOD_WEIGHT = 0.1  # a table row of the period asked, over a row of other years
# Characters of quotes in an answer (its first quote is given however long): a reader takes in
# the first lines.
ANSWER_CHARS = 600


@dataclass
class Candidate:
    passage: Passage
    start: int  # offset of the sentence inside passage.text
    text: str
    score: float = 0.0
    tier: int = 0  # for a metric's figure: 2 its own row, 1 a quote with a figure, else 0


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
    terms = question.topic_terms or question.key_terms
    subject = subject_terms(terms)
    metrics = asked_metrics(question.text) if question.metric else {}
    named = {**asked_line_items(question.text), **metrics}  # the words a filing may say otherwise
    candidates = _candidates(_about_named(question.names, passages, document_texts),
                             document_texts or {})
    if question.topic_terms:  # a quote naming none of the topic (a certification, a cover page)
        candidates = [c for c in candidates if _coverage(subject, named, c.text) > 0]
    if candidates:
        vectors = embedder.embed([question.text] + [c.text for c in candidates])
        similarity = vectors[1:] @ vectors[0]
        for cand, sim in zip(candidates, similarity, strict=True):
            lexical = _coverage(terms, named, cand.text)
            figure = _FIGURE.search(cand.text) is not None
            period = _PERIOD_WEIGHT * _period_fit(cand, question.period)
            cand.score = (float(sim) + 0.5 * lexical + (0.1 if question.wants_figure and figure else 0.0)
                          + period + 0.05 / cand.passage.rank)
            if metrics and question.wants_figure and not _WHY.search(question.text):
                cand.tier = _metric_tier(cand.text, figure, subject, metrics)
    chosen = _select(candidates, max_sentences)
    evidence = " ".join(c.text for c in chosen)
    best_similarity = max((c.score for c in chosen), default=0.0)
    if (not chosen or _coverage(terms, named, evidence) < min_support
            or best_similarity < min_similarity or not _names_the_part(subject, named, evidence)):
        return Answer(question=question.text, answer=prompts.cannot_answer(), cannot_answer=True,
                      mode="extractive", passages=list(passages))
    citations, lines = [], []
    read: dict[str, list[Number]] = {}
    for n, cand in enumerate(_reading_order(_within(chosen, ANSWER_CHARS)), start=1):
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


def _coverage(terms: frozenset[str], metrics: Mapping[str, frozenset[str]], text: str) -> float:
    """Share of `terms` that `text` mentions, of those it is asked to (the framing words only
    where it uses them); the question's words for a metric count as found where `text` names
    that metric in any of its words ("revenue" in "Total net sales"); so do its words for a line
item (`metrics` holds those too: "stock buyback" in "share repurchase")."""
    terms = asked_of(terms, text)
    if not terms:
        return 1.0
    credited = terms & _metric_words_named(metrics, text)
    rest = terms - credited
    return (len(credited) + coverage(rest, text) * len(rest)) / len(terms)


def _metric_words_named(metrics: Mapping[str, frozenset[str]], text: str) -> frozenset[str]:
    """The question's words for the metrics that `text` names in any of their words."""
    return frozenset().union(*(words for metric, words in metrics.items() if names_metric(text, metric)))


def _names_the_part(terms: frozenset[str], metrics: Mapping[str, frozenset[str]],
                    evidence: str) -> bool:
    """Evidence names at least one of the question's own words: the words for a metric found
    in a filing's words alone ("Net sales" for "iPhone revenue") do not answer it. Where the
    question's subject is the metric and nothing else ("R&D expenditure"), the evidence naming
    it in the filing's words ("R&D expenses") does."""
    return coverage(terms, evidence) > 0 or bool(terms) and terms <= _metric_words_named(metrics, evidence)


def _metric_tier(text: str, figure: bool, terms: frozenset[str],
                 metrics: Mapping[str, frozenset[str]]) -> int:
    """2: the row of a metric the question asks for, when its topic is that metric and nothing
    narrower (not "iPhone revenue"); 1: a quote stating a figure; 0: a quote without one."""
    for metric, words in metrics.items():
        if terms <= words and is_metric_row(text, metric):
            return 2
    return 1 if figure else 0


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


def _candidates(passages: Sequence[Passage], document_texts: Mapping[str, str]) -> list[Candidate]:
    """The whole sentences and table rows of the passages (assistant/answer/quotable.py), less
    repeats, reference lists, headings that are the document's title, and page furniture."""
    seen: set[str] = set()
    out = []
    for p in passages:
        title = " ".join(p.title.lower().split())
        spans = quotable_spans(p.text, continues=_continues(p, document_texts),
                               paragraph_end=_after(p, document_texts))
        for start, end in spans:
            text = p.text[start:end]
            key = " ".join(text.lower().split())
            if len(text.split()) < 4 or key in seen:  # overlapping chunks repeat sentences
                continue
            if _URL.search(text) or (key == title and is_heading(text)):
                continue  # a reference list, or the title line: not a claim to quote
            if is_furniture(text, [p.company or ""]):
                continue  # a running header or footer that slipped through ingest
            seen.add(key)
            out.append(Candidate(p, start, text))
    return out


def _continues(p: Passage, document_texts: Mapping[str, str]) -> bool:
    """The passage starts inside a sentence of its document (cut from a longer one)."""
    document = document_texts.get(p.doc_id)
    if not document or document[p.start:p.start + len(p.text)] != p.text:
        return False  # no document text, or a passage with a table head put before it
    return continues_before(document, p.start)


def _after(p: Passage, document_texts: Mapping[str, str]) -> str | None:
    """What follows the passage in its document (up to a blank line), when the document has no
    pages (see `quotable_spans`); None for a PDF page or without the document's text."""
    document = document_texts.get(p.doc_id)
    if p.page is not None or not document or document[p.start:p.start + len(p.text)] != p.text:
        return None
    return document[p.start + len(p.text):p.start + len(p.text) + 200]


def _period_fit(cand: Candidate, period: Period | None) -> int:
    """For a table row, when the question names a calendar year ("in 2019"): 1 when the row or
    its table's head names that year, -1 when they name other years only. A fiscal year or a
    quarter may end in the calendar year before or after its label (Apple's Q1 FY2023 ended on
    December 31, 2022), so then only a row more than a year away counts against. Else 0."""
    if period is None or not is_table_row(cand.text):
        return 0
    years = {int(y) for y in _YEAR.findall(_table_head(cand.passage.text, cand.start) + " " + cand.text)}
    if not years:
        return 0
    if period.quarter is None and not period.fiscal:
        return 1 if period.year in years else -1
    return 0 if any(abs(year - period.year) <= 1 for year in years) else -1


def _table_head(text: str, row_start: int, most: int = 4) -> str:
    """The lines above a table row in its passage, up to the table's start (a blank line or a
    sentence), at most `most` of them: where its column headers are."""
    lines = text[:row_start].rstrip("\n").split("\n")[-most:]
    head: list[str] = []
    for line in reversed(lines):
        if not line.strip() or (line.rstrip().endswith(".") and "|" not in line):
            break
        head.append(line)
    return " ".join(reversed(head))


def _select(candidates: list[Candidate], limit: int) -> list[Candidate]:
    """Best-scoring sentences near the top score, skipping near-duplicates: the best of the
    highest tier first, a statement before a pointer to elsewhere ("Refer to Note 14 ..."),
    then the others of any tier that score near it or above."""
    ranked = sorted(candidates, key=lambda c: (c.tier, not is_cross_reference(c.text), c.score),
                    reverse=True)
    if not ranked:
        return []
    floor = ranked[0].score - 0.15
    chosen: list[Candidate] = []
    chosen_stems: list[set[str]] = []
    for cand in ranked:
        if len(chosen) == limit:
            break
        if cand.score < floor:
            continue
        words = stems(cand.text)
        if any(_jaccard(words, other) > 0.85 for other in chosen_stems):
            continue
        chosen.append(cand)
        chosen_stems.append(words)
    return chosen


def _within(chosen: list[Candidate], chars: int) -> list[Candidate]:
    """The quotes an answer shows: the best always, the next best while all together stay
    within `chars` characters. (Whether the evidence supports an answer is judged on all of
    `chosen`.)"""
    shown: list[Candidate] = []
    for cand in chosen:
        if not shown or sum(len(c.text) for c in shown) + len(cand.text) <= chars:
            shown.append(cand)
    return shown


def _reading_order(chosen: list[Candidate]) -> list[Candidate]:
    """The best sentence first (the one that answers); then documents in order of their best
    sentence, sentences in document order within each."""
    if not chosen:
        return []
    first_seen: dict[str, int] = {}
    for i, cand in enumerate(chosen):
        first_seen.setdefault(cand.passage.doc_id, i)
    rest = sorted(
        chosen[1:],
        key=lambda c: (first_seen[c.passage.doc_id], c.passage.start + c.start),
    )
    return [chosen[0], *rest]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, len(a | b))

