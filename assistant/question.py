"""A question, read once: what it names and asks for, typed, for every step that follows.

    question = read_question("In AAPL's latest 10-Q, what were iPhone net sales?", metas)
    question.companies  -> frozenset({"Apple Inc."})    (as stored, by name or ticker)
    question.form       -> "10-Q"
    question.latest     -> True
    question.key_terms  -> {"aapl", "latest", "10", "iphon", "net", "sale"}

Scope (assistant/scope.py), retrieval (assistant/retrieval.py) and the answerers
(assistant/answer/) take the `Question`; none of them reads the raw text again. A follow-up
rewritten (assistant/followup.py) or by the LLM's condense step is a new text, read
into a new `Question`.

Companies are read against the store's company identities (ingest/identity.py, matched by
assistant/company_match.py): a name counts when it is one of a stored company's spellings (its
name, a short name such as "Amazon" or "P&G", a former name, its ticker) or close to one.
Periods are read both ways a reader might mean them (see assistant/scope.py): "Q1 2023" is a fiscal
label or a calendar quarter, "FY2023" / "fiscal 2023" the fiscal label only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from assistant.answer.terms import key_terms, named_terms
from assistant.company_match import CompanyNames, match_companies
from assistant.finance_hints import finance_hints
from assistant.instructions import strip_instructions
from assistant.recency import RecencyScope, recency_scope
from ingest.company_names import name_variants, normalised
from ingest.doc_kinds import ANNUAL_REPORT, DAY_PATTERN, EARNINGS_RELEASE, PRESS_RELEASE, parse_day
from ingest.documents import DocMeta
from ingest.identity import CompanyIdentity, document_identity, merge_identities

# Questions that ask for a figure.
_QUANTITY = re.compile(
    r"\b(how (much|many)|what (was|were|is|are) (the )?(total|amount|number)|total|amount|"
    r"revenue|sales|income|margin|capex|expenses?|cash|eps|percent|rate)\b",
    re.IGNORECASE,
)
_FORMS = re.compile(r"\b(10-?K|10-?Q|8-?K|20-?F|6-?K|40-?F|S-1|DEF 14A)(?:/A)?\b", re.IGNORECASE)
# A document named by its form: "10-Q", "the 10-K filing", "10-Q reports".
_FORM_NAMED = re.compile(_FORMS.pattern + r"(?:\s+(?:filing|report|document)s?\b)?", re.IGNORECASE)
# Documents named by what they are rather than their form.
_DOC_TYPES = (
    (re.compile(r"\bearnings\s+(?:press\s+)?(?:release|report|announcement)s?\b|\bresults\s+release\b"
                r"|\b(?:Q[1-4]|quarter|FY\s?'?\d{2,4}|fiscal\s+(?:year\s+)?\d{4}|(?:19|20)\d{2})\s+"
                r"(?:earnings|results)\b(?!\s+per\b)", re.IGNORECASE), EARNINGS_RELEASE),
    (re.compile(r"\b(?:press|news)\s+releases?\b", re.IGNORECASE), PRESS_RELEASE),
    (re.compile(r"\bannual\s+reports?\b", re.IGNORECASE), ANNUAL_REPORT),
)
# A document named by its date: "the 8-K dated 3rd March 2021", "the release of May 30, 2023".
_ON_DATE = re.compile(
    rf"\b(?:dated|filed\s+on|(?:8-?K|6-?K|release|filing|report)\s+(?:of|from|on))\s+({DAY_PATTERN})",
    re.IGNORECASE)
_ORD = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_YEAR = r"(?:'|’)?(\d{4}|\d{2})"
_FISCAL = r"(FY|fiscal(?:\s+year)?)"
_QUARTER_PATTERNS = (
    re.compile(rf"\bQ([1-4])\s*(?:of\s+)?{_FISCAL}?\s*{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_FISCAL}\s*{_YEAR}\s*Q([1-4])\b", re.IGNORECASE),
    re.compile(r"\b(\d{4})\s*Q([1-4])\b", re.IGNORECASE),
    re.compile(
        rf"\b(first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarter\s+(?:of\s+)?"
        rf"(?:{_FISCAL}\s*)?{_YEAR}\b",
        re.IGNORECASE,
    ),
)
_FISCAL_YEAR = re.compile(rf"\b{_FISCAL}\s*{_YEAR}\b", re.IGNORECASE)
_CALENDAR_YEAR = re.compile(r"\b(?:in|for|during|of|year)\s+((?:19|20)\d{2})\b", re.IGNORECASE)
_LATEST = re.compile(
    r"\b(latest|most\s+recent|newest|last|current)\s+(?:\w+\s+){0,2}?"
    r"(10-K|10-Q|20-F|filing|report|quarter|annual\s+report|quarterly\s+report)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Period:
    """A period a question names: 'Q1 2023' (quarter 1, either reading), 'FY2023' (fiscal)."""

    year: int
    quarter: int | None  # None: the whole year
    fiscal: bool  # "FY"/"fiscal" said: the fiscal label only
    text: str  # as shown: 'Q1 2023', 'Q3 FY2023', 'FY2023', '2022'


@dataclass(frozen=True)
class Question:
    """What a question says, read once by `read_question`. A bare `Question(text)` has read
    nothing: it names no company, period or form and has no key terms."""

    text: str  # as asked
    companies: frozenset[str] = frozenset()  # stored company names it names (name or ticker)
    # how each was named ('P&G' -> The Procter & Gamble Company, with a score), and the
    # company-like names it uses that the store does not hold
    company_names: CompanyNames = field(default_factory=CompanyNames)
    # '10-Q', '10-K', ... (upper case, no '/A'), or a kind of document: 'earnings release',
    # 'press release', 'annual report' (ingest/doc_kinds.py)
    form: str | None = None
    on_date: dt.date | None = None  # the date a document is named by: "the 8-K dated 3 March 2021"
    period: Period | None = None  # the fiscal or calendar period it names
    latest: bool = False  # "latest 10-Q", "most recent filing", "current quarter"
    recency: RecencyScope = field(default_factory=RecencyScope)  # "since March 2025", "latest"
    key_terms: frozenset[str] = frozenset()  # stemmed content words and numbers
    # the key terms of what it asks about, without the words that pick its documents (companies,
    # form, period, "latest"): empty when nothing else is left (see `topic_terms`)
    topic_terms: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()  # capitalised words after the first, lower-cased
    wants_figure: bool = False  # asks how much / how many / a total, revenue, margin...
    statement: str | None = None  # the financial statement it names ('cash_flows'), if any
    metric: str | None = None  # the first metric it names ('capex', 'dpo'), if any
    # statements whose pages hold the answer: those named, then those holding the metrics' line
    # items; and how filings label those line items (assistant/finance_hints.py)
    statements: tuple[str, ...] = ()
    line_items: tuple[str, ...] = ()
    # The question with its companies' names taken out, for searching inside a scope restricted
    # to them; None when too little would be left.
    without_companies: str | None = None
    search_text: str = ""  # the text retrieval searches; the question as asked unless narrowed

    def __post_init__(self) -> None:
        if not self.search_text:
            object.__setattr__(self, "search_text", self.text)

    @property
    def dated(self) -> bool:
        """A publication window is given ("since March 2025", "between ... and ...")."""
        return bool(self.recency.date_from or self.recency.date_to)

    def searching(self, text: str) -> Question:
        """The same question, searched with `text` (e.g. without the names a scope implies)."""
        return replace(self, search_text=text)


def read_question(text: str, metas: Iterable[DocMeta] = (), today: dt.date | None = None,
                  identities: Sequence[CompanyIdentity] | None = None) -> Question:
    """Everything the steps after it need from `text`, read once. `identities`: the store's
    companies (`Registry.companies()`), against which names and tickers are matched; without
    them, the companies of `metas` (the store's documents) by their stored names; `today`
    anchors "last quarter"."""
    if identities is None:
        identities = merge_identities(i for i in map(document_identity, metas) if i is not None)
    names = named_companies(text, identities)
    on_date = named_day(text)
    hints = finance_hints(text)
    terms = frozenset(key_terms(text))
    searched = strip_instructions(text)  # "Round your answer to two decimal places." is not searched
    return Question(
        text=text,
        companies=names.companies,
        company_names=names,
        form=named_form(text),
        on_date=on_date,
        period=None if on_date else named_period(text),
        latest=_LATEST.search(text) is not None,
        recency=recency_scope(text, today or dt.date.today()),
        key_terms=terms,
        topic_terms=topic_terms(text, names, terms),
        names=frozenset(named_terms(text)),
        wants_figure=_QUANTITY.search(text) is not None,
        statement=hints.named_statement,
        metric=hints.metrics[0] if hints.metrics else None,
        statements=hints.statements,
        line_items=hints.line_items,
        without_companies=_without_companies(searched, names) if names.matches else None,
        search_text=searched,
    )


# forms and dates --------------------------------------------------------------------------------
def named_form(text: str) -> str | None:
    """The SEC form ('10-K', '8-K') or kind of document ('earnings release') `text` names."""
    found = _FORMS.search(text)
    if found:
        form = found.group(1).upper()
        return form if "-" in form or " " in form else f"{form[:-1]}-{form[-1]}"
    return next((kind for pattern, kind in _DOC_TYPES if pattern.search(text)), None)


def named_day(text: str) -> dt.date | None:
    """The day a document is named by: 'the 8-K dated 3rd March 2021' -> 2021-03-03."""
    found = _ON_DATE.search(text)
    day = parse_day(found.group(1)) if found else None
    return dt.date.fromisoformat(day) if day else None


# companies --------------------------------------------------------------------------------------
def named_companies(text: str, identities: Sequence[CompanyIdentity]) -> CompanyNames:
    """The stored companies `text` names, by any of their spellings (assistant/company_match.py),
    and the company-like names it uses that match none of them."""
    return match_companies(text, identities)


def company_aliases(company: str) -> set[str]:
    """How a text may write a stored company, normalised: 'Amazon.com, Inc.' -> {'amazon com
    inc', 'amazon com', 'amazon'}; 'Meta Platforms, Inc.' -> {..., 'meta'} (no list of words too
    common to stand for a company: the company is already known to be named)."""
    variants = [v.name for v in name_variants(company) if v.kind in ("short", "first word")]
    return {a for a in map(normalised, [company, *variants]) if len(a) >= 3}


@dataclass(frozen=True)
class Mention:
    """Where a text names something: `name` as stored (a company) or as read (a period)."""

    name: str
    start: int
    end: int
    written: str  # the words as written, without "the" before or "'s" after


def company_mentions(text: str, companies: Iterable[str], metas: Iterable[DocMeta] = ()) -> list[Mention]:
    """Where `text` names each of `companies` (by a name alias, possessive or not, or by a
    ticker of theirs in `metas`), in text order, never overlapping."""
    companies = set(companies)
    names = {a: c for c in companies for a in company_aliases(c)}
    names |= {m.ticker: m.company for m in metas if m.company in companies and m.ticker}
    found: list[Mention] = []
    for name in sorted(names, key=len, reverse=True):
        words = r"[\W_]+".join(re.escape(w) for w in name.split())
        pattern = rf"(?i)(?:\bthe\s+)?\$?(?<![\w&])(?P<written>{words})(?![\w&])\.?(?:['’]s\b)?"
        for m in re.finditer(pattern, text):
            if all(m.end() <= f.start or m.start() >= f.end for f in found):
                found.append(Mention(names[name], m.start(), m.end(), m.group("written")))
    return sorted(found, key=lambda f: f.start)


def without_mentions(text: str, mentions: Iterable[Mention]) -> str:
    """`text` with the mentioned spans taken out, whitespace collapsed."""
    out, at = [], 0
    for m in sorted(mentions, key=lambda m: m.start):
        out.append(text[at : m.start])
        at = max(at, m.end)
    out.append(text[at:])
    return " ".join(" ".join(out).split())


def _without_companies(text: str, names: CompanyNames) -> str | None:
    """`text` with its mentions of the companies it names (as written, with a possessive and a
    leading 'the') removed, or None when too little would be left to search with."""
    out = _drop_companies(text, names)
    return out if out != text and len(key_terms(out)) >= 2 else None


def _drop_companies(text: str, names: CompanyNames) -> str:
    out = text
    for asked in sorted({m.asked for m in names.matches}, key=len, reverse=True):
        words = r"[\W_]+".join(re.escape(w) for w in asked.split())
        out = re.sub(rf"(?i)(?:\bthe\s+)?\$?(?<![\w&]){words}(?![\w&])\.?(?:['’]s\b)?", " ", out)
    return " ".join(out.split())


def topic_terms(text: str, names: CompanyNames, terms: frozenset[str]) -> frozenset[str]:
    """The key terms of what `text` asks about: without the stored companies it names, its form
    ("10-Q"), its periods ("Q3 2022") and "latest ...", which pick the documents searched. Every
    passage of those documents shares them, and the report's boilerplate (certifications, cover
    page, signatures) names all of them, so they say nothing about which sentence answers.
    Empty when nothing else is left. `terms`: the key terms of `text`, kept when nothing is left
    out."""
    rest = _drop_companies(text, names)
    spans = [Mention("", m.start(), m.end(), m.group(0))
             for pattern in (_FORM_NAMED, _LATEST) for m in pattern.finditer(rest)]
    rest = without_mentions(rest, [*spans, *period_mentions(rest)])
    return terms if rest == text else frozenset(key_terms(rest))


# periods ----------------------------------------------------------------------------------------
def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def period_mentions(text: str) -> list[Mention]:
    """Every quarter, fiscal year or calendar year `text` names, in text order, never
    overlapping (a quarter before the year inside it); `name` is the period's text ('Q3 FY2023')."""
    found: list[Mention] = []
    spans = [(m, p) for pattern in (*_QUARTER_PATTERNS, _FISCAL_YEAR, _CALENDAR_YEAR)
             for m in pattern.finditer(text) for p in [named_period(m.group(0))] if p]
    for m, period in spans:
        if all(m.end() <= f.start or m.start() >= f.end for f in found):
            found.append(Mention(period.text, m.start(), m.end(), m.group(0)))
    return sorted(found, key=lambda f: f.start)


def named_period(text: str) -> Period | None:
    """The first quarter `text` names, else the latest fiscal year, else the latest calendar year."""
    for i, pattern in enumerate(_QUARTER_PATTERNS):
        found = pattern.search(text)
        if not found:
            continue
        g = found.groups()
        if i == 0:
            quarter, fiscal, year = int(g[0]), bool(g[1]), _year(g[2])
        elif i == 1:
            fiscal, year, quarter = True, _year(g[1]), int(g[2])
        elif i == 2:
            year, quarter, fiscal = _year(g[0]), int(g[1]), False
        else:
            quarter, fiscal, year = _ORD[g[0].lower()], bool(g[1]), _year(g[2])
        if 1990 <= year <= 2100:
            return Period(year, quarter, fiscal, f"Q{quarter} {'FY' if fiscal else ''}{year}")
    # Several years named ("CAGR from FY2020 to FY2022"): the latest, whose annual report holds
    # the earlier years as comparatives.
    fiscal_years = [_year(m.group(2)) for m in _FISCAL_YEAR.finditer(text)]
    if fiscal_years:
        return Period(max(fiscal_years), None, True, f"FY{max(fiscal_years)}")
    calendar_years = [int(m.group(1)) for m in _CALENDAR_YEAR.finditer(text)]
    if calendar_years:
        return Period(max(calendar_years), None, False, str(max(calendar_years)))
    return None
