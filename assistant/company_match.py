"""The companies a question names, resolved against the store's company identities (ingest/identity.py).

A reader writes "P&G", "JPM", "Coca Cola", "Proctor & Gamble" or "Google" for a company the store
keeps as "The Procter & Gamble Company". The question's capitalised names are read as spans
(maximal runs of capitalised words, "of" and "&" inside: "Bank of America"), and each span is
matched as a whole against every stored spelling:

- the same name, ticker, short name, the name on the cover or a former name: a sure match;
- initials or a first word ("GE", "Meta" for Meta Platforms): a likely match, sure only with a
  cue that the word is a company here (a possessive "Meta's", a legal form "Meta Inc", a form
  "Meta 10-K");
- otherwise a fuzzy match (rapidfuzz ratio of the normalised names) of at least MATCH_MIN; sure at
  SURE_SCORE and above;
- otherwise a name SEC's list gives the same CIK as a stored company ("Google", "Facebook"): sure.

A span is never cut to fit a stored name, so "American Express" is not American Water Works and
"General Motors" is not General Mills; only a whole stored name found inside a longer span counts
("What Was Apple" in a title-case question). A span with a company cue that matches nothing, or
one SEC's list of listed companies knows (ingest/companies.py), is a company the store does not
hold: the scope says so and does not restrict the search to other companies' documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from ingest.company_names import LEGAL_FORM_WORDS, normalised, short_name
from ingest.filings import cik_key
from ingest.identity import SURE_KINDS, Alias, CompanyIdentity

MATCH_MIN = 85.0  # below: not the company
SURE_SCORE = 92.0  # at and above: restrict the search to it; below: prefer its documents
_LIKELY = 88.0  # initials and first words without a cue
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'’.-]*[A-Za-z0-9&]|[A-Za-z0-9]")
# Periods and forms, capitalised but no names: 'FY2019', 'Q4', 'H1', '10-K', '2023'.
_NOT_NAME = re.compile(r"(?:FY|Q[1-4]|H[12])?'?\d{2,4}|Q[1-4]|H[12]|(?:10|20|40|8|6)-?[KQF](?:/A)?",
                       re.IGNORECASE)
_DETERMINERS = ("the", "its", "our", "their", "this", "that", "each", "a", "an")
_INSIDE_NAMES = ("of", "de")  # words inside a name: 'Bank of America' ('&' is read from the gap)
_Names = list[tuple[str, Alias, CompanyIdentity]]  # (normalised spelling, alias, its company)
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\"“(]\s*|\n\s*)$")
_FORM_AFTER = re.compile(r"\s*(?:'s\s+)?(?:10-?K|10-?Q|8-?K|20-?F|6-?K|annual report|earnings|"
                         r"quarterly report|press release|stock|shares)\b", re.IGNORECASE)


@dataclass(frozen=True)
class CompanyMatch:
    asked: str  # as the question writes it: 'P&G'
    company: str  # the stored legal name: 'The Procter & Gamble Company'
    score: float  # 0-100

    @property
    def sure(self) -> bool:
        return self.score >= SURE_SCORE

    def describe(self) -> str:
        """'P&G → The Procter & Gamble Company'; the stored name alone when asked by it or by it
        without its legal form ('Apple')."""
        as_stored = normalised(self.asked) in (normalised(self.company), normalised(short_name(self.company)))
        return self.company if as_stored else f"{self.asked} → {self.company}"


@dataclass(frozen=True)
class CompanyNames:
    """What a question says about companies: the stored ones it names, and names it uses for
    companies the store does not hold."""

    matches: tuple[CompanyMatch, ...] = ()
    unknown: tuple[str, ...] = ()
    # every name the matched companies' documents are stored under ('WALMART INC.', 'Walmart Inc.')
    stored: frozenset[str] = frozenset()

    @property
    def companies(self) -> frozenset[str]:
        return self.stored | {m.company for m in self.matches}

    @property
    def sure(self) -> bool:
        """Every name resolved, each for certain."""
        return not self.unknown and all(m.sure for m in self.matches)


@dataclass(frozen=True)
class _Span:
    words: tuple[str, ...]
    start: int
    end: int
    at_sentence_start: bool
    cue: bool  # a possessive, a legal form or a form after it: a company for certain

    @property
    def text(self) -> str:
        return " ".join(self.words)


def match_companies(text: str, identities: Sequence[CompanyIdentity],
                    listed: Callable[[str], str | None] | None = None) -> CompanyNames:
    """The stored companies `text` names and the company-like names it uses that match none.
    `listed(name)`: the CIK of the listed company (SEC's list) a name is, if any; by default
    from ingest.companies.listed_company."""
    listed = listed or _listed_cik
    names = [(normalised(a.name), a, identity) for identity in identities for a in identity.names()]
    identities_by_name = {identity.legal_name: identity for identity in identities}
    matches: dict[str, CompanyMatch] = {}
    unknown: list[str] = []
    by_cik = {cik_key(i.cik): i for i in identities if cik_key(i.cik)}
    for span in _spans(text):
        found = [_confirmed(m, identities_by_name, listed) for m in _match_span(span, names)]
        company_like = len(span.words) > 1 or not (span.at_sentence_start or _acronym(span.text))
        cik = cik_key(listed(span.text)) if not found and (company_like or span.cue) else None
        if not found and cik in by_cik:  # a brand SEC's list gives the stored company: 'Google'
            found = [CompanyMatch(span.text, by_cik[cik].legal_name, 100.0)]
        if found:
            for match in found:
                if match.company not in matches or matches[match.company].score < match.score:
                    matches[match.company] = match
        elif span.cue or (company_like and cik):
            unknown.append(short_name(_unknown_name(span)))
    ranked = tuple(sorted(matches.values(), key=lambda m: -m.score))
    stored = {a.name for m in ranked for a in identities_by_name[m.company].names()
              if a.kind in ("legal", "document")}  # a merged company's other documents' names
    return CompanyNames(ranked, tuple(dict.fromkeys(unknown)), frozenset(stored))


def _unknown_name(span: _Span) -> str:
    """The name a span gives, without a sentence's first word before it ('Which of JPM' -> 'JPM')."""
    words = list(span.words)
    if span.at_sentence_start and len(words) > 1:
        words.pop(0)
        while len(words) > 1 and words[0].lower() in (*_INSIDE_NAMES, "&"):
            words.pop(0)
    return " ".join(words)


def _listed_cik(name: str) -> str | None:
    from ingest.companies import listed_company

    company = listed_company(name)
    return company.cik if company else None


def _confirmed(match: CompanyMatch, identities: dict[str, CompanyIdentity],
               listed: Callable[[str], str | None]) -> CompanyMatch:
    """A likely match (initials, a first word) made sure when SEC's list knows the name as the
    same company (same CIK): 'Meta' is Meta Platforms, 'Alibaba' Alibaba Group."""
    if match.sure:
        return match
    cik = cik_key(identities[match.company].cik)
    same = cik is not None and cik_key(listed(match.asked)) == cik
    return CompanyMatch(match.asked, match.company, 100.0) if same else match


def _match_span(span: _Span, names: _Names) -> list[CompanyMatch]:
    candidates = [span]
    rest = list(span.words[1:])
    while rest and rest[0].lower() in (*_INSIDE_NAMES, "&"):
        rest.pop(0)
    if span.at_sentence_start and rest:  # "Is Apple ..." / "Apple ..."
        candidates.append(_Span(tuple(rest), span.start, span.end, False, span.cue))
    for match in (_whole, _fuzzy):
        for candidate in candidates:
            found = match(candidate, names)
            if found:
                return found
    return _inside(span, names)


def _whole(span: _Span, names: _Names, sure_only: bool = False) -> list[CompanyMatch]:
    """Stored companies one of whose spellings is the span (its legal form dropped); with
    `sure_only`, only by a spelling that names them for certain (not initials or a first word)."""
    asked = span.text
    wanted = {normalised(asked), normalised(short_name(asked))}
    squashed = {w.replace(" ", "") for w in wanted}
    out = []
    for name, alias, identity in names:
        if name not in wanted and name.replace(" ", "") not in squashed:
            continue
        if alias.kind in ("ticker", "initials") and not _written_as(asked, alias.name):
            continue  # 'pg' in lower case is not P&G
        if sure_only and alias.kind not in SURE_KINDS:
            continue
        kind = alias.kind
        score = 100.0 if kind in SURE_KINDS or span.cue else _LIKELY
        out.append(CompanyMatch(asked, identity.legal_name, score))
    return _best(out)


def _fuzzy(span: _Span, names: _Names) -> list[CompanyMatch]:
    asked = normalised(short_name(span.text))
    if len(asked) < 5:
        return []
    out = []
    for name, alias, identity in names:
        if alias.kind not in ("legal", "document", "short", "former") or len(name) < 5:
            continue
        score = max(fuzz.ratio(asked, name), fuzz.ratio(asked.replace(" ", ""), name.replace(" ", "")))
        if score >= MATCH_MIN:
            out.append(CompanyMatch(span.text, identity.legal_name, float(score)))
    return _best(out)


def _inside(span: _Span, names: _Names) -> list[CompanyMatch]:
    """A whole stored name (never initials or a first word) inside a longer span, longest first."""
    n = len(span.words)
    for size in range(n - 1, 0, -1):
        for i in range(n - size + 1):
            part = _Span(span.words[i : i + size], span.start, span.end, False, False)
            found = _whole(part, names, sure_only=True)
            if found:
                return found
    return []


def _best(matches: list[CompanyMatch]) -> list[CompanyMatch]:
    """The best-scoring matches; two companies sharing a spelling are both kept, uncertain."""
    if not matches:
        return []
    top = max(m.score for m in matches)
    best = {m.company: m for m in matches if m.score == top}
    if len(best) > 1:
        return [CompanyMatch(m.asked, m.company, min(m.score, _LIKELY)) for m in best.values()]
    return list(best.values())


def _written_as(asked: str, name: str) -> bool:
    return asked.replace("’", "'").removesuffix("'s") == name


def _spans(text: str) -> Iterable[_Span]:
    """Maximal runs of capitalised words ('of', 'and', '&', 'the', 'de' inside), possessive
    dropped, with whether each opens a sentence and has a company cue."""
    tokens = list(_WORD.finditer(text))
    i = 0
    while i < len(tokens):
        if not _is_name_word(tokens[i].group()):
            i += 1
            continue
        j = i + 1
        while j < len(tokens):
            word = tokens[j].group()
            gap = text[tokens[j - 1].end() : tokens[j].start()]
            if gap.strip() not in ("", ",", "-", "&") or _possessive(tokens[j - 1].group()):
                break
            if _acronym(tokens[j - 1].group()) and j - 1 > i or _acronym(word):
                break  # 'Alibaba AI', 'COGS of Microsoft': an acronym stands alone or ends a name
            if _is_name_word(word):
                j += 1
            elif word.lower() in _INSIDE_NAMES and j + 1 < len(tokens) and _is_name_word(
                    tokens[j + 1].group()) and not _acronym(tokens[j - 1].group()):
                j += 2
            else:
                break
        words = []
        for k in range(i, j):  # the words, with an '&' between two of them kept
            if k > i and "&" in text[tokens[k - 1].end() : tokens[k].start()]:
                words.append("&")
            words.append(tokens[k].group())
        last = words[-1]
        possessive = _possessive(last)
        words[-1] = re.sub(r"['’]s$", "", last)
        legal = len(words) > 1 and words[-1].lower().rstrip(".") in LEGAL_FORM_WORDS - {"a", "b", "c", "the"}
        after = _FORM_AFTER.match(text, tokens[j - 1].end())
        start = tokens[i].start()
        # "the Company's", "our Group's": a common noun standing for the company, not a name
        common = len(words) == 1 and i > 0 and tokens[i - 1].group().lower() in _DETERMINERS
        yield _Span(tuple(words), start, tokens[j - 1].end(),
                    bool(_SENTENCE_END.search(text[max(0, start - 3) : start])),
                    not common and (possessive or legal or after is not None))
        i = j


def _acronym(word: str) -> bool:
    bare = re.sub(r"['’]s$", "", word)
    return bare.isalpha() and bare.isupper() and len(bare) <= 5


def _possessive(word: str) -> bool:
    return bool(re.search(r"['’]s$", word))


def _is_name_word(word: str) -> bool:
    bare = re.sub(r"['’]s$", "", word)
    if bare.isdigit() or _NOT_NAME.fullmatch(bare):
        return False
    return bare[0].isupper() or (bare[0].isdigit() and any(c.isupper() for c in bare))
