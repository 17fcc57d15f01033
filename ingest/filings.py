"""What one document learns from the others: an exhibit its filing's metadata, and a company its
one stored name.

- An exhibit (an EX-99.1 press release) is read as part of its filing: it takes the filing's
  company, CIK and ticker, its form as "8-K EX-99.1", and the filing date, period and accession
  it does not state itself. Its filing is the one with the same accession (a full submission
  says so), or else, for an exhibit file on its own, the filing of the same CIK dated within
  FILING_DAYS of the exhibit's own date (an 8-K is filed within four business days of the event
  its press release announces). The order of arrival does not matter: an exhibit stored before
  its filing is adopted when the filing arrives (`adopt`), and its stored metadata rewritten.
- A company has one stored name: a document whose company has the CIK (or, without a CIK, the
  name without its legal form, see `company_names`) of a company already stored or read earlier
  in the batch takes that company's name, so "BUCKLE, INC" and "Buckle Inc" are one company.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ingest.company_names import short_name
from ingest.dates import parse_iso_day
from ingest.documents import DocMeta

FILING_DAYS = 7
_NOT_WORD = re.compile(r"[\W_]+")


def inherit_filing(meta: DocMeta, filing: DocMeta, filing_id: str) -> None:
    """Give an exhibit (meta.exhibit set) its filing's metadata where it does not state its own."""
    exhibit = meta.exhibit or "exhibit"
    headline = meta.title.split(": ", 1)[1] if ": " in meta.title else ""
    meta.company = filing.company or meta.company
    meta.ticker = filing.ticker or meta.ticker
    meta.cik = filing.cik or meta.cik
    meta.form = f"{filing.form} {exhibit}" if filing.form else meta.form
    meta.period = meta.period or filing.period
    meta.period_end = meta.period_end or filing.period_end
    meta.filed = meta.filed or filing.filed
    report_day = filing.period if parse_iso_day(filing.period) else None  # an 8-K's date of report
    meta.dated = meta.dated or filing.dated or report_day
    meta.accession = meta.accession or filing.accession
    meta.parent = filing_id
    meta.title = f"{filing.title}, {exhibit}" + (f": {headline}" if headline else "")


def cik_key(cik: str | None) -> str | None:
    """A CIK without its leading zeros: '0000885245' and '885245' are one company."""
    return str(int(cik)) if cik and cik.strip().isdigit() else None


def name_key(name: str | None) -> str | None:
    """A company name without its legal form, case and punctuation: 'BUCKLE, INC' -> 'buckle'."""
    if not name:
        return None
    return _NOT_WORD.sub(" ", short_name(name)).strip().casefold() or None


@dataclass
class _Filing:
    doc_id: str
    meta: DocMeta


@dataclass
class KnownFilings:
    """The companies and filings stored, and read so far in this batch."""

    names_by_cik: dict[str, str] = field(default_factory=dict)
    names_by_key: dict[str, str] = field(default_factory=dict)
    filings: list[_Filing] = field(default_factory=list)
    # exhibits whose filing is not known, by what links them (accession, else CIK), then doc_id
    orphans: dict[str, dict[str, _Filing]] = field(default_factory=dict)
    _orphan_keys: dict[str, str] = field(default_factory=dict)  # doc_id -> its key in orphans

    @classmethod
    def of(cls, metas: Mapping[str, DocMeta]) -> KnownFilings:
        """From the registry's documents (doc_id -> meta)."""
        known = cls()
        for doc_id, meta in metas.items():
            known.add(doc_id, meta)
        return known

    def settle(self, meta: DocMeta) -> None:
        """An exhibit without its filing gets it; a company already known gets its stored name."""
        if meta.exhibit and not meta.parent:
            filing = self._filing_of(meta)
            if filing is not None:
                inherit_filing(meta, filing.meta, filing.doc_id)
        cik, key = cik_key(meta.cik), name_key(meta.company)
        # by CIK; only a document without one goes by its name (two CIKs are two companies)
        stored = self.names_by_cik.get(cik) if cik else self.names_by_key.get(key or "")
        if stored and meta.company:
            meta.company = stored

    def add(self, doc_id: str, meta: DocMeta) -> None:
        """Remember a stored (or about to be stored) document; the first name of a company wins."""
        if meta.company:
            cik, key = cik_key(meta.cik), name_key(meta.company)
            if cik:
                self.names_by_cik.setdefault(cik, meta.company)
            if key:
                self.names_by_key.setdefault(key, meta.company)
        if meta.form and not meta.exhibit:
            self.filings = [f for f in self.filings if f.doc_id != doc_id] + [_Filing(doc_id, meta)]
        self._forget_orphan(doc_id)
        key = _link_key(meta) if meta.exhibit and not meta.parent else None
        if key:
            self.orphans.setdefault(key, {})[doc_id] = _Filing(doc_id, meta)
            self._orphan_keys[doc_id] = key

    def adopt(self, doc_id: str, meta: DocMeta) -> list[tuple[str, DocMeta]]:
        """The exhibits stored (or read) before the filing `doc_id` (`meta`), just added, whose
        filing it is: (exhibit doc_id, its meta with the filing's) for each; they are orphans no
        more. Nothing for a document that is no filing."""
        if not meta.form or meta.exhibit:
            return []
        keys = [k for k in (f"accession:{meta.accession}" if meta.accession else None,
                            f"cik:{cik_key(meta.cik)}" if cik_key(meta.cik) else None) if k]
        adopted = []
        for orphan in [o for k in keys for o in self.orphans.get(k, {}).values()]:
            filing = self._filing_of(orphan.meta)
            if filing is None or filing.doc_id != doc_id:
                continue  # not this filing's, or a nearer filing of its company's
            exhibit = orphan.meta.model_copy(deep=True)
            inherit_filing(exhibit, filing.meta, filing.doc_id)
            self._forget_orphan(orphan.doc_id)
            adopted.append((orphan.doc_id, exhibit))
        return adopted

    def _forget_orphan(self, doc_id: str) -> None:
        key = self._orphan_keys.pop(doc_id, None)
        if key is not None:
            self.orphans[key].pop(doc_id, None)

    def _filing_of(self, meta: DocMeta) -> _Filing | None:
        if meta.accession:
            return next((f for f in self.filings if f.meta.accession == meta.accession), None)
        cik, day = cik_key(meta.cik), parse_iso_day(meta.published)
        if cik is None or day is None:
            return None  # no way to tell which of the company's filings it belongs to
        best: tuple[int, _Filing] | None = None
        for filing in self.filings:
            if cik_key(filing.meta.cik) != cik:
                continue
            gap = _days_apart(day, filing.meta)
            if gap is not None and gap <= FILING_DAYS and (best is None or gap < best[0]):
                best = (gap, filing)
        return best[1] if best else None


def _link_key(exhibit: DocMeta) -> str | None:
    """What may link an exhibit to its filing later (see `_filing_of`); None when nothing can."""
    if exhibit.accession:
        return f"accession:{exhibit.accession}"
    cik = cik_key(exhibit.cik)
    return f"cik:{cik}" if cik and parse_iso_day(exhibit.published) else None


def _days_apart(day: dt.date, filing: DocMeta) -> int | None:
    """Days between `day` and the nearest of a filing's dates (report date, period end, filed)."""
    dates = [parse_iso_day(d) for d in (filing.period, filing.period_end, filing.filed)]
    gaps = [abs((d - day).days) for d in dates if d is not None]
    return min(gaps) if gaps else None
