"""Filing scope: which documents a question is about, from what the question names.

"What was Apple's gross margin in the Q2 2023 10-Q?" names a company, a period and a form (read once
into a `Question`, assistant/question.py). Searching every filing in the store for it mostly finds
the right company's other quarters (on the Docugami dev set, 81 of 101 rank-1 misses were the right
company and the wrong quarter), so the question is resolved, against the companies, forms and
periods actually in the store, to a set of documents before searching. Nothing named, nothing
restricted; a user's explicit filters are never overridden.

Periods are read both ways a reader might mean them: "Q1 2023" matches a filing whose fiscal label
is Q1 FY2023 (Apple's quarter ended December 31, 2022) and one whose period ends in calendar Q1 2023
(Amazon's quarter ended March 31, 2023). "FY2023" / "fiscal 2023" means the fiscal label only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from assistant.models import Passage
from assistant.question import Period, Question
from ingest.dates import parse_iso_day as _iso
from ingest.doc_kinds import ANNUAL_REPORT, EARNINGS_RELEASE, PRESS_RELEASE
from ingest.documents import DocMeta
from ingest.filings import FILING_DAYS
from ingest.fiscal import calendar_quarter


class Scope(BaseModel):
    """What a question was resolved to, shown beside results and answers."""

    companies: list[str] = Field(default_factory=list, description="Companies named, as stored.")
    matched: list[str] = Field(
        default_factory=list,
        description="How each company was named: 'P&G → The Procter & Gamble Company'.")
    form: str | None = Field(default=None, description="Form or document type named, e.g. '10-Q'.")
    period: str | None = Field(default=None, description="Period named, as asked: 'Q1 2023', 'latest'.")
    doc_ids: list[str] = Field(default_factory=list, description="Documents searched.")
    mode: Literal["filter", "boost", "none"] = Field(
        default="filter",
        description="'filter': only `doc_ids` are searched; 'boost': everything is, `doc_ids` "
        "first (the companies were matched without certainty); 'none': everything is (a named "
        "company the store does not hold).")
    note: str | None = Field(default=None, description="What could not be applied, and why.")
    query: str | None = Field(
        default=None,
        description="The question as searched inside the scope: the names of the companies it is "
        "restricted to taken out, since every document in scope is theirs (left as the names only "
        "pull up cover pages and table heads that repeat them).",
    )

    def describe(self) -> str:
        if self.mode == "none":
            return self.note or "every document"
        parts = [", ".join(self.matched or self.companies)] if self.companies else []
        parts += [p for p in (self.form, self.period) if p]
        n = len(self.doc_ids)
        text = f"{' · '.join(parts)} ({n} document{'s' if n != 1 else ''}"
        text += ", preferred; every document searched)" if self.mode == "boost" else ")"
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True)
class _DocPeriod:
    end: dt.date | None
    fiscal_year: int | None
    fiscal_quarter: int | None  # None with a fiscal year: the whole year


UncertainScope = Literal["boost", "filter"]


def resolve_scope(question: Question, metas: Mapping[str, DocMeta],
                  uncertain: UncertainScope = "boost", strip_names: bool = True) -> Scope | None:
    """The documents a question names, or None when it names nothing the store holds. A company
    matched without certainty (a fuzzy match, initials, a first word, a name beside one the
    store lacks) is preferred, not required, unless `uncertain` is 'filter'; a named company the
    store does not hold is said so, and nothing is restricted (never another company's
    documents for its period or form). `strip_names`: search inside a sure scope without the
    companies' names (the default; keeping them measured better on FinanceBench's pages, where
    statement heads repeat the name: docs/evaluation.md)."""
    names = question.company_names
    companies = set(question.companies)
    if names.unknown and not companies:
        return Scope(mode="none", note=f"{_listing(names.unknown)} not in the store: searched every "
                     "document")
    narrowed = _narrow(question, metas, companies)
    if narrowed is None or not narrowed.docs:
        return None
    sure = names.sure or not companies
    return Scope(
        query=question.without_companies if strip_names and companies and sure else None,
        companies=sorted(companies),
        matched=[m.describe() for m in sorted(names.matches, key=lambda m: m.company)],
        form=narrowed.form,
        period=narrowed.period,
        doc_ids=sorted(narrowed.docs),
        mode="filter" if sure else uncertain,
        note=_note(narrowed.notes, names.unknown),
    )


@dataclass
class _Narrowed:
    """The documents left as each restriction a question names is applied in turn; one that
    would leave none is dropped, and noted ('no 10-K in the store for Apple Inc.')."""

    docs: set[str]
    companies: set[str]
    notes: list[str] = field(default_factory=list)
    form: str | None = None  # the form applied
    period: str | None = None  # the period applied, as shown: 'Q1 2023', 'latest', 'dated ...'

    def keep(self, kept: set[str], missing: str) -> bool:
        """Narrow to `kept`, or, when it is empty, keep the documents and note `missing`."""
        if kept:
            self.docs = kept
            return True
        self.notes.append(f"{missing} in the store{_for(self.companies)}")
        return False


def _narrow(question: Question, metas: Mapping[str, DocMeta], companies: set[str]) -> _Narrowed | None:
    """The companies' documents narrowed by the form, day, period, dates and 'latest' named;
    None when the question names none of these, or none of them could be applied."""
    form = question.form
    latest, dated, when = question.latest, question.dated, question.recency
    period = None if latest or dated else question.period
    on_date = question.on_date
    if not (companies or form or period or latest or dated or on_date):
        return None
    found = _Narrowed({d for d, m in metas.items() if not companies or (m.company in companies)}, companies)
    if form and not found.keep({d for d in found.docs if is_of_type(metas[d], form)}, f"no {form}"):
        form = None
    if on_date and not found.keep(nearest_dated(found.docs, metas, on_date),
                                  f"nothing dated {on_date.isoformat()}"):
        on_date = None
    if period:
        found.keep({d for d in found.docs if _in_period(metas[d], period)}, f"no document for {period.text}")
    if dated and not found.keep({d for d in found.docs if _in_window(metas[d], when.date_from, when.date_to)},
                                f"nothing dated {when.phrase}"):
        dated = False
    if latest:
        found.docs = _latest(found.docs, metas)
    period_shown = period is not None and not found.notes  # only when nothing was dropped
    if not (companies or form or period_shown or latest or dated or on_date):
        return None
    found.form = form
    found.period = ("latest" if latest else when.phrase if dated
                    else f"dated {on_date.isoformat()}" if on_date
                    else period.text if period is not None and period_shown else None)
    return found


def _note(dropped: list[str], unknown: Sequence[str]) -> str | None:
    """What the scope could not apply: 'no 10-K in the store for X: searched without it; Tesla
    not in the store'."""
    parts = ["; ".join(dropped) + ": searched without it"] if dropped else []
    parts += [f"{_listing(unknown)} not in the store"] if unknown else []
    return "; ".join(parts) or None


def _for(companies: set[str]) -> str:
    return f" for {', '.join(sorted(companies))}" if companies else ""


def _listing(names: Iterable[str]) -> str:
    names = list(names)
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


# document types and dates ----------------------------------------------------------------------
_ANNUAL_FORMS = ("10-K", "20-F", "40-F")


def is_of_type(meta: DocMeta, wanted: str) -> bool:
    """Whether a document is the form or kind a question names: '10-Q' (an 8-K's exhibits are of
    its form), 'annual report' (a 10-K, 20-F, 40-F or a glossy annual report), 'earnings
    release', 'press release' (an EX-99 exhibit or a release on its own)."""
    form = (meta.form or "").upper()
    kind = meta.doc_type
    if wanted == ANNUAL_REPORT:
        return form.startswith(_ANNUAL_FORMS) or kind == ANNUAL_REPORT
    if wanted == EARNINGS_RELEASE:
        return kind == EARNINGS_RELEASE
    if wanted == PRESS_RELEASE:
        return kind in (PRESS_RELEASE, EARNINGS_RELEASE) or "EX-99" in form
    return form.startswith(wanted)


def nearest_dated(docs: Iterable[str], metas: Mapping[str, DocMeta], day: dt.date) -> set[str]:
    """The documents dated nearest to `day` (report date, period end, filing or publication
    date), within FILING_DAYS (an 8-K is filed days after the event it reports)."""
    gaps: dict[str, int] = {}
    for d in docs:
        meta = metas[d]
        dates = [_iso(v) for v in (meta.dated, meta.period, meta.period_end, meta.filed, meta.published)]
        found = [abs((x - day).days) for x in dates if x is not None]
        if found and min(found) <= FILING_DAYS:
            gaps[d] = min(found)
    best = min(gaps.values(), default=None)
    return {d for d, gap in gaps.items() if gap == best}


# periods ----------------------------------------------------------------------------------------
def doc_period(meta: DocMeta) -> _DocPeriod:
    """What period a document covers, from its 'Q2 FY2023' / 'FY2024' label and period end."""
    end = _iso(meta.period_end) or _iso(meta.period)
    fiscal_year = fiscal_quarter = None
    found = re.fullmatch(r"(?:Q([1-4])\s+)?FY(\d{4})", (meta.period or "").strip())
    if found:
        fiscal_year = int(found.group(2))
        fiscal_quarter = int(found.group(1)) if found.group(1) else None
    return _DocPeriod(end, fiscal_year, fiscal_quarter)


def _in_period(meta: DocMeta, period: Period) -> bool:
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
