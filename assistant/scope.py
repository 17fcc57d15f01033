"""Filing scope: which documents a question is about, read from the question itself.

"What was Apple's gross margin in the Q2 2023 10-Q?" names a company, a period and a form. Searching
every filing in the store for it mostly finds the right company's other quarters (on the Docugami
dev set, 81 of 101 rank-1 misses were the right company and the wrong quarter), so the question is
resolved, against the companies, forms and periods actually in the store, to a set of documents
before searching. Nothing named, nothing restricted; a user's explicit filters are never overridden.

Periods are read both ways a reader might mean them: "Q1 2023" matches a filing whose fiscal label
is Q1 FY2023 (Apple's quarter ended December 31, 2022) and one whose period ends in calendar Q1 2023
(Amazon's quarter ended March 31, 2023). "FY2023" / "fiscal 2023" means the fiscal label only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, Field

from assistant.answer.terms import key_terms
from assistant.models import Passage
from assistant.recency import recency_scope
from ingest.company_names import short_name
from ingest.dates import parse_iso_day as _iso
from ingest.documents import DocMeta
from ingest.fiscal import calendar_quarter

# First words too common to stand for a company on their own ("American" is not American Express).
_GENERIC_FIRST = {
    "american", "first", "general", "united", "national", "international", "global", "new", "bank",
    "advanced", "applied", "digital", "energy", "financial", "royal", "southern", "western",
    "eastern", "northern", "capital", "texas", "alpha", "meta", "block", "target", "visa",
}
_FORMS = re.compile(r"\b(10-K|10-Q|8-K|20-F|6-K|40-F|S-1|DEF 14A)(?:/A)?\b", re.IGNORECASE)
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


class Scope(BaseModel):
    """What a question was resolved to, shown beside results and answers."""

    companies: list[str] = Field(default_factory=list, description="Companies named, as stored.")
    form: str | None = Field(default=None, description="Form named, e.g. '10-Q'.")
    period: str | None = Field(default=None, description="Period named, as asked: 'Q1 2023', 'latest'.")
    doc_ids: list[str] = Field(default_factory=list, description="Documents searched.")
    note: str | None = Field(default=None, description="What could not be applied, and why.")
    query: str | None = Field(
        default=None,
        description="The question as searched inside the scope: the names of the companies it is "
        "restricted to taken out, since every document in scope is theirs (left as the names only "
        "pull up cover pages and table heads that repeat them).",
    )

    def describe(self) -> str:
        parts = [", ".join(self.companies)] if self.companies else []
        parts += [p for p in (self.form, self.period) if p]
        n = len(self.doc_ids)
        text = f"{' · '.join(parts)} ({n} document{'s' if n != 1 else ''})"
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True)
class _Period:
    year: int
    quarter: int | None
    fiscal: bool  # "FY"/"fiscal" said: the fiscal label only
    text: str


@dataclass(frozen=True)
class _DocPeriod:
    end: dt.date | None
    fiscal_year: int | None
    fiscal_quarter: int | None  # None with a fiscal year: the whole year


def resolve_scope(
    question: str, metas: Mapping[str, DocMeta], today: dt.date | None = None
) -> Scope | None:
    """The documents a question names, or None when it names nothing the store holds."""
    companies = _named_companies(question, metas.values())
    form_match = _FORMS.search(question)
    form = form_match.group(1).upper() if form_match else None
    latest = _LATEST.search(question)
    when = recency_scope(question, today or dt.date.today())
    dated = bool(when.date_from or when.date_to)
    period = None if latest or dated else _named_period(question)
    if not (companies or form or period or latest or dated):
        return None

    notes: list[str] = []
    docs = {d for d, m in metas.items() if not companies or (m.company in companies)}
    if form:
        with_form = {d for d in docs if (metas[d].form or "").upper().startswith(form)}
        if with_form:
            docs = with_form
        else:
            notes.append(f"no {form} in the store{_for(companies)}")
            form = None
    if period:
        in_period = {d for d in docs if _in_period(metas[d], period)}
        if in_period:
            docs = in_period
        else:
            notes.append(f"no document for {period.text} in the store{_for(companies)}")
    if dated:
        in_window = {d for d in docs if _in_window(metas[d], when.date_from, when.date_to)}
        if in_window:
            docs = in_window
        else:
            notes.append(f"nothing dated {when.phrase} in the store{_for(companies)}")
            dated = False
    if latest:
        docs = _latest(docs, metas)
    if not companies and not form and not (period and not notes) and not latest and not dated:
        return None
    if not docs:
        return None
    return Scope(
        query=without_companies(question, companies, metas.values()) if companies else None,
        companies=sorted(companies),
        form=form,
        period=("latest" if latest else when.phrase if dated
                else period.text if period and not notes else None),
        doc_ids=sorted(docs),
        note="; ".join(notes) + ": searched without it" if notes else None,
    )


def _for(companies: set[str]) -> str:
    return f" for {', '.join(sorted(companies))}" if companies else ""


# companies --------------------------------------------------------------------------------------
def _normalise(text: str) -> str:
    text = text.casefold().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    return " " + " ".join(re.sub(r"[^0-9a-z]+", " ", text).split()) + " "


def company_aliases(company: str) -> set[str]:
    """'Amazon.com, Inc.' -> {'amazon com inc', 'amazon com', 'amazon'}."""
    full = _normalise(company).strip()
    words = full.split()
    core = _normalise(short_name(company)).split() or words
    aliases = {full, " ".join(core)}
    if len(core) > 1 and len(core[0]) >= 4 and core[0] not in _GENERIC_FIRST:
        aliases.add(core[0])
    return {a for a in aliases if len(a) >= 3}


def without_companies(question: str, companies: Iterable[str], metas: Iterable[DocMeta]) -> str | None:
    """The question with its mentions of `companies` (names, possessives, tickers) removed, or None
    when too little would be left to search with."""
    wanted = set(companies)
    names = {a for c in wanted for a in company_aliases(c)}
    names |= {m.ticker for m in metas if m.company in wanted and m.ticker}
    text = question
    for name in sorted(names, key=len, reverse=True):
        words = r"[\W_]+".join(re.escape(w) for w in name.split())
        text = re.sub(rf"(?i)(?:\bthe\s+)?\$?\b{words}\b\.?(?:['’]s\b)?", " ", text)
    text = " ".join(text.split())
    return text if text != question and len(key_terms(text)) >= 2 else None


def _named_companies(question: str, metas: Iterable[DocMeta]) -> set[str]:
    text = _normalise(question)
    tokens = set(re.findall(r"\$?\b[A-Z][A-Z.]{1,5}\b", question))
    named = set()
    for meta in metas:
        if not meta.company or meta.company in named:
            continue
        ticker = (meta.ticker or "").upper()
        by_ticker = bool(ticker) and (ticker in tokens or f"${ticker}" in tokens)
        if by_ticker or any(f" {alias} " in text for alias in company_aliases(meta.company)):
            named.add(meta.company)
    return named


# periods ----------------------------------------------------------------------------------------
def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def _named_period(question: str) -> _Period | None:
    for i, pattern in enumerate(_QUARTER_PATTERNS):
        found = pattern.search(question)
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
            label = f"Q{quarter} {'FY' if fiscal else ''}{year}"
            return _Period(year, quarter, fiscal, label)
    found = _FISCAL_YEAR.search(question)
    if found:
        return _Period(_year(found.group(2)), None, True, f"FY{_year(found.group(2))}")
    found = _CALENDAR_YEAR.search(question)
    if found:
        return _Period(int(found.group(1)), None, False, found.group(1))
    return None


def doc_period(meta: DocMeta) -> _DocPeriod:
    """What period a document covers, from its 'Q2 FY2023' / 'FY2024' label and period end."""
    end = _iso(meta.period_end) or _iso(meta.period)
    fiscal_year = fiscal_quarter = None
    found = re.fullmatch(r"(?:Q([1-4])\s+)?FY(\d{4})", (meta.period or "").strip())
    if found:
        fiscal_year = int(found.group(2))
        fiscal_quarter = int(found.group(1)) if found.group(1) else None
    return _DocPeriod(end, fiscal_year, fiscal_quarter)


def _in_period(meta: DocMeta, period: _Period) -> bool:
    has_period = bool(meta.period or meta.period_end)
    p = doc_period(meta)
    if p.fiscal_year is not None:
        if period.quarter is None and p.fiscal_year == period.year:
            return True
        if period.quarter is not None and p.fiscal_year == period.year and (
            p.fiscal_quarter == period.quarter or (period.quarter == 4 and p.fiscal_quarter is None)
        ):
            return True
    if period.fiscal:
        return False
    if p.end is not None and has_period:
        if period.quarter is None:
            return p.end.year == period.year
        return calendar_quarter(p.end) == (period.year, period.quarter)
    published = _iso(meta.published or meta.filed)
    if published is None or has_period:
        return False
    if period.quarter is None:
        return published.year == period.year
    start = dt.date(period.year, 3 * period.quarter - 2, 1)
    return start <= published <= start + dt.timedelta(days=92 + 75)  # results news comes later


def _in_window(meta: DocMeta, start: str | None, end: str | None) -> bool:
    """Published (articles) or period end / filing date (filings) inside [start, end]."""
    date = _iso(meta.published) or doc_period(meta).end or _iso(meta.filed)
    low, high = _iso(start) or dt.date.min, _iso(end) or dt.date.max
    return date is not None and low <= date <= high


def _latest(docs: set[str], metas: Mapping[str, DocMeta]) -> set[str]:
    """Per company and form, the filing(s) with the latest period end. Articles stay: "the latest
    news" is a preference among them, not one article."""
    best: dict[tuple[str | None, str], tuple[dt.date, set[str]]] = {}
    articles = set()
    for d in docs:
        meta = metas[d]
        date = doc_period(meta).end
        if not meta.form or date is None:
            articles.add(d)
            continue
        key = (meta.company, meta.form.split("/")[0])
        if key not in best or date > best[key][0]:
            best[key] = (date, {d})
        elif date == best[key][0]:
            best[key][1].add(d)
    filings = {d for _, ids in best.values() for d in ids}
    return filings | articles if filings else docs


class SearchResults(list[Passage]):
    """Passages, best first, with the scope the query was resolved to (None: everything)."""

    def __init__(self, passages: Iterable[Passage] = (), scope: Scope | None = None) -> None:
        super().__init__(passages)
        self.scope = scope
