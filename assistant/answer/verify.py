"""Checking a generated answer before anyone sees it, one sentence at a time.

Every [n] must name a passage the writer was given; every number in a cited sentence must be held
by a passage it cites (compared as values: assistant/answer/numbers.py). A citation that fails is
removed; a sentence left without a supporting citation, or stating a number none of its passages
holds, is marked "[unsupported]"; a sentence stating a number without any citation is marked
"[uncited]". A passage figure is read in the scale and unit its passage states (numbers.py); a
supported sentence whose figure matched only because its source states no scale is marked
"[scale not stated in the source]". Surviving citations are renumbered 1, 2, ... in order of
first use, and each gets the passage sentence that best matches the claim as its verbatim quote.

Sentences are checked as they complete (`SentenceStream`), so a streamed answer shows only
checked text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

from assistant.answer.numbers import (
    Number,
    find_numbers,
    holds,
    literal,
    read_passage,
    scale_unknown,
    support,
    within,
)
from assistant.answer.terms import coverage, key_terms
from assistant.models import Answer, Citation, CitationCheck, Claim, Passage
from ingest.chunking import split_sentences

MARKER = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
# "...in 2023. [1][2] Next" -> "...in 2023 [1][2]. Next": a citation after the full stop belongs
# to the sentence before it.
_GROUP = r"\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]"
_TRAILING_MARKERS = re.compile(rf"([.!?])[ \t]*({_GROUP}(?:[ \t]*{_GROUP})*)")
_OPEN_MARKER = re.compile(r"\[[\d\s,;]*$")
_CITED_STOP = re.compile(r"\][.!?](?=\s)")
UNSUPPORTED = "[unsupported]"
UNCITED = "[uncited]"
SCALE_NOT_STATED = "scale not stated in the source"

CitationStatus = Literal["supported", "no_such_passage", "numbers_not_in_passage"]
ClaimStatus = Literal["supported", "unsupported", "uncited"]


def normalise_markers(text: str) -> str:
    return _TRAILING_MARKERS.sub(lambda m: f" {m.group(2)}{m.group(1)}", text)


class SentenceStream:
    """Feed text as it streams; get back the sentences that are complete, each with the
    whitespace that followed it. A sentence is complete once the next one has begun."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, delta: str) -> list[tuple[str, str]]:
        self._buffer += delta
        return self._take(final=False)

    def close(self) -> list[tuple[str, str]]:
        return self._take(final=True)

    def _take(self, *, final: bool) -> list[tuple[str, str]]:
        text = normalise_markers(self._buffer)
        if not final and _OPEN_MARKER.search(text):
            return []  # "... billion. [1" : the marker may belong to the sentence before it
        spans = sentence_spans(text)
        done = spans if final else spans[:-1]
        out = []
        for i, (start, end) in enumerate(done):
            following = spans[i + 1][0] if i + 1 < len(spans) else len(text)
            out.append((text[start:end], text[end:following]))
        self._buffer = "" if final else (text[spans[-1][0]:] if spans else text)
        return out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """`split_sentences`, plus a cut after every cited full stop ("... [2]. iPhone sales..."),
    which always ends a sentence in a generated answer."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CITED_STOP.finditer(text):
        spans += [(start + s, start + e) for s, e in split_sentences(text[start:m.end()])]
        start = m.end()
    spans += [(start + s, start + e) for s, e in split_sentences(text[start:])]
    return spans


class Verifier:
    """Checks the sentences of one answer against the passages its writer was given (numbered
    from 1 in the prompt), keeping the renumbering and the citations across sentences."""

    def __init__(self, passages: Sequence[Passage], cannot_answer: str) -> None:
        self.passages = list(passages)
        self.cannot_answer_text = cannot_answer
        self.claims: list[Claim] = []
        self.citations: list[Citation] = []
        self.said_cannot_answer = False
        self._final: dict[int, int] = {}  # written -> shown
        self._numbers = [passage_numbers(p) for p in self.passages]

    def check(self, sentence: str) -> str:
        """The sentence as it may be shown; records its Claim."""
        if _same_words(sentence, self.cannot_answer_text):
            self.said_cannot_answer = True
            return sentence
        bare = _without_markers(sentence)
        numbers = find_numbers(bare)
        checks: dict[int, CitationCheck] = {}
        for written in _written(sentence):
            if written not in checks:
                checks[written] = CitationCheck(written=written, n=None,
                                                status=self._status(written, numbers))
        supported = [c.written for c in checks.values() if c.status == "supported"]
        missing, unstated = [], []
        for num in numbers:
            found = support(num, [n for w in supported for n in self._numbers[w - 1]])
            if found is None:
                missing.append(num.text)
            elif found.assumed:
                unstated.append(num.text)
        for written in supported:
            checks[written].n = self._cite(written, bare, numbers)
        status: ClaimStatus
        if not checks:
            status = "uncited"
        elif not supported or missing:
            status = "unsupported"
        else:
            status = "supported"
        shown = MARKER.sub(lambda m: "".join(
            f"[{checks[w].n}]" for w in dict.fromkeys(_numbers_in(m.group(1))) if checks[w].n
        ), sentence)
        shown = re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", shown)).strip()
        if status == "unsupported":
            shown = f"{shown} {UNSUPPORTED}"
        elif status == "uncited" and numbers:
            shown = f"{shown} {UNCITED}"
        elif unstated:
            shown = f"{shown} [{SCALE_NOT_STATED}]"
        self.claims.append(Claim(text=shown, status=status, citations=list(checks.values()),
                                 unsupported_numbers=missing,
                                 scale_not_stated=unstated if status == "supported" else []))
        return shown

    def shown(self, written: int) -> int | None:
        """The number the answer shows for the passage written as `written`; None: not cited."""
        return self._final.get(written)

    def answer(self, question: str, text: str, **fields: object) -> Answer:
        cannot = self.said_cannot_answer and not any(c.status == "supported" for c in self.claims)
        return Answer(
            question=question, answer=text.strip(), cannot_answer=cannot, mode="llm",
            citations=[] if cannot else self.citations, claims=[] if cannot else self.claims,
            passages=self.passages, **fields,
        )

    def _status(self, written: int, numbers: list[Number]) -> CitationStatus:
        if not 1 <= written <= len(self.passages):
            return "no_such_passage"
        if numbers and not any(holds(num, self._numbers[written - 1]) for num in numbers):
            return "numbers_not_in_passage"
        return "supported"

    def _cite(self, written: int, claim: str, numbers: list[Number]) -> int:
        if written not in self._final:
            n = len(self._final) + 1
            self._final[written] = n
            p = self.passages[written - 1]
            self.citations.append(Citation(
                n=n, chunk_id=p.chunk_id, doc_id=p.doc_id, title=p.title, source=p.source,
                url=p.url, page=p.page, printed_page=p.printed_page, section=p.section,
                date=p.published or p.filed,
                quote=best_quote(p.text, claim, numbers, self._numbers[written - 1]),
            ))
        return self._final[written]


def verify(question: str, reply: str, passages: Sequence[Passage], cannot_answer: str) -> Answer:
    """A whole reply, checked: the non-streaming form of what `checked_stream` does."""
    verifier = Verifier(passages, cannot_answer)
    text = "".join(shown + sep for shown, sep in checked_sentences(verifier, [reply]))
    return verifier.answer(question, text)


def checked_sentences(verifier: Verifier, deltas: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Each complete sentence of the streamed reply, checked, with its following whitespace."""
    stream = SentenceStream()
    for delta in deltas:
        for sentence, sep in stream.feed(delta):
            yield verifier.check(sentence), sep
    for sentence, sep in stream.close():
        yield verifier.check(sentence), sep


def best_quote(text: str, claim: str, numbers: Sequence[Number],
               read: Sequence[Number] | None = None) -> str:
    """The sentence of a passage that best supports a claim: most of the claim's numbers, then
    most of its key terms, then the earliest. Verbatim. `read`: the passage's numbers as
    `read_passage` gives them (read here if not given)."""
    spans = split_sentences(text)
    if not spans:
        return text.strip()
    terms = key_terms(claim)
    held = read_passage(text) if read is None else read

    def score(span: tuple[int, int]) -> tuple[int, float]:
        sentence = text[span[0]:span[1]]
        found = [n for n in held if span[0] <= n.start < span[1]]
        return sum(1 for num in numbers if holds(num, found)), coverage(terms, sentence)

    start, end = max(spans, key=score)  # max keeps the first of equals
    return text[start:end]


def passage_numbers(p: Passage) -> list[Number]:
    """Numbers a passage holds, in its text (in the scale and unit it states) and in where it
    comes from (title, period, dates: as written)."""
    meta = " ".join(x for x in (p.title, p.period, p.published, p.filed) if x)
    return read_passage(p.text) + literal(find_numbers(meta.replace("-", " ")))


def _numbers_in(group: str) -> list[int]:
    return [int(x) for x in re.split(r"\s*[,;]\s*", group.strip())]


def _written(sentence: str) -> list[int]:
    return [n for m in MARKER.finditer(sentence) for n in _numbers_in(m.group(1))]


def _without_markers(sentence: str) -> str:
    return " ".join(MARKER.sub(" ", sentence).split())


def _same_words(a: str, b: str) -> bool:
    def words(s: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", s.casefold())

    return bool(words(b)) and words(a) == words(b)


def quoted_claims(answer: Answer) -> list[Claim]:
    """The claims of an extractive answer: each quoted sentence, verbatim from the passage it
    cites, so each is supported; amounts in it whose scale the source does not state are
    named, as for a generated claim."""
    if answer.cannot_answer:
        return []
    by_chunk = {p.chunk_id: p for p in answer.passages}
    claims = []
    for c in answer.citations:
        passage = by_chunk.get(c.chunk_id)
        at = passage.text.find(c.quote) if passage else -1
        quoted = (within(read_passage(passage.text), at, at + len(c.quote)) if passage and at >= 0
                  else read_passage(c.quote))
        unstated = scale_unknown(quoted)
        mark = f" [{SCALE_NOT_STATED}]" if unstated else ""
        claims.append(Claim(text=f"{c.quote} [{c.n}]{mark}", status="supported",
                            citations=[CitationCheck(written=c.n, n=c.n, status="supported")],
                            scale_not_stated=unstated))
    return claims
