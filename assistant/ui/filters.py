"""The chat's filters as a user sees them: checked where typed (a date that is not YYYY-MM-DD is
refused with the format expected), shown as chips beside the question box and counted on the
folded panel, and named in an answer searched with them ("searched only Nordstrom documents,
dated 2024-01-01 to 2024-06-30"). Pure: the app wires it (assistant/ui/app.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from assistant.errors import InputError
from ingest.documents import DocMeta
from ingest.filings import cik_key, name_key
from ingest.identity import CompanyIdentity

# The chips, in the order shown; each clears one filter.
CHIP_KEYS = ("company", "form", "date_from", "date_to", "doc_ids")
DATE_LABELS = {"date_from": "Published from", "date_to": "Published to"}


class FilterError(InputError):
    """A filter the chat cannot apply: a date that is not YYYY-MM-DD, or dates in the wrong order."""


def _clean(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    return text or None


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ChatFilters:
    """The filters as set in the panel, blanks as None."""

    company: str | None = None
    form: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    doc_ids: tuple[str, ...] = ()

    @classmethod
    def read(cls, company: str | None, form: str | None, date_from: str | None,
             date_to: str | None, docs: Iterable[str] | None) -> ChatFilters:
        return cls(_clean(company), _clean(form), _clean(date_from), _clean(date_to),
                   tuple(docs or ()))

    @classmethod
    def stored(cls, filters: Mapping[str, Any]) -> ChatFilters:
        """The filters a stored conversation turn was asked with."""
        return cls.read(filters.get("company"), filters.get("form"), filters.get("date_from"),
                        filters.get("date_to"), filters.get("doc_ids"))

    def active(self) -> list[str]:
        """The keys of the filters set, in chip order."""
        return [key for key in CHIP_KEYS if getattr(self, key)]

    def problems(self) -> list[str]:
        """What is wrong with the dates as typed, each saying what is expected."""
        out = []
        for key, label in DATE_LABELS.items():
            value = getattr(self, key)
            if value and _day(value) is None:
                out.append(f"{label}: “{value}” is not a date in the form YYYY-MM-DD "
                           "(for example 2024-01-31)")
        start, end = _day(self.date_from), _day(self.date_to)
        if start and end and start > end:
            out.append(f"Published from ({self.date_from}) is after Published to "
                       f"({self.date_to}): no document can match")
        return out

    def checked(self) -> dict[str, Any]:
        """The keyword arguments for `Assistant.ask`; FilterError when a date is not valid."""
        problems = self.problems()
        if problems:
            raise FilterError("; ".join(problems))
        return {"company": self.company, "form": self.form, "date_from": self.date_from,
                "date_to": self.date_to, "doc_ids": list(self.doc_ids) or None}

    def chip_label(self, key: str, doc_labels: Mapping[str, str]) -> str:
        """The text of the chip that clears filter `key` (it is set)."""
        if key == "doc_ids":
            if len(self.doc_ids) == 1:
                return f"Document: {_short(doc_labels.get(self.doc_ids[0], self.doc_ids[0]))} ✕"
            return f"{len(self.doc_ids)} documents ✕"
        label = {"company": "Company", "form": "Form", "date_from": "From",
                 "date_to": "To"}[key]
        return f"{label}: {getattr(self, key)} ✕"

    def summary(self) -> str | None:
        """What the search was restricted to, as a phrase after "searched only"; None unfiltered."""
        if not self.active():
            return None
        n = len(self.doc_ids)
        chosen = f"the {n} chosen document{'s' if n != 1 else ''}" if n else None
        if self.company:
            parts = [f"{self.company} documents", f"form {self.form}" if self.form else None,
                     f"among {chosen}" if chosen else None]
        elif self.form:
            parts = [f"{self.form} documents", f"among {chosen}" if chosen else None]
        else:
            parts = [chosen or "documents"]
        parts.append(self._dates())
        return ", ".join(p for p in parts if p)

    def searched(self, matched: int, total: int) -> str | None:
        """`summary` with how many of the store's documents the filters left to search."""
        summary = self.summary()
        if summary is None:
            return None
        if matched == 0:
            return f"{summary}: no document of the {total} matches them"
        return f"{summary} ({matched} of {total} document{'s' if total != 1 else ''})"

    def _dates(self) -> str | None:
        if self.date_from and self.date_to:
            return f"dated {self.date_from} to {self.date_to}"
        if self.date_from:
            return f"dated {self.date_from} or later"
        if self.date_to:
            return f"dated {self.date_to} or earlier"
        return None


def company_choices(metas: Iterable[DocMeta]) -> list[str]:
    """The Company list: one entry per company, by CIK (a document without one joins the CIK
    whose name it shares without the legal form, else stands by that name), named as its first
    document (in `metas`' order) names it. Ingest stores one name per company
    (ingest/filings.py); this keeps a store ingested before that rule to one entry too."""
    named = [m for m in metas if m.company]
    names: dict[str, str] = {}
    cik_of_name: dict[str, str] = {}
    for meta in named:
        cik = cik_key(meta.cik)
        if cik:
            names.setdefault(cik, meta.company or "")
            cik_of_name.setdefault(name_key(meta.company) or "", cik)
    for meta in named:
        key = name_key(meta.company)
        if not cik_key(meta.cik) and key:
            names.setdefault(cik_of_name.get(key, key), meta.company or "")
    return sorted(set(names.values()), key=str.casefold)


def company_labels(names: Iterable[str], identities: Iterable[CompanyIdentity],
                   most: int = 4) -> list[tuple[str, str]]:
    """The Company list as (label, value): each company's name with the other spellings the
    store knows for it ("The Procter & Gamble Company (PG, P&G, Procter & Gamble)"), so typing
    a short name or a former one finds it; the value stays the name the filter matches on."""
    by_key: dict[str, CompanyIdentity] = {}
    for identity in identities:
        for alias in identity.names():
            by_key.setdefault(name_key(alias.name) or alias.name, identity)
    out = []
    for name in names:
        found = by_key.get(name_key(name) or name)
        own = {name_key(name)}
        others: list[str] = []
        for alias in found.names() if found else []:
            key = name_key(alias.name)
            if key not in own and alias.kind != "document":
                own.add(key)
                others.append(alias.name)
        out.append((f"{name} ({', '.join(others[:most])})" if others else name, name))
    return out


def accordion_label(n_active: int) -> str:
    """The folded panel's header: how many filters are set, so none hides."""
    return f"Filters ({n_active})" if n_active else "Filters"


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
