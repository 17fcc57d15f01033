"""Who a document is about: its company's identity, read from the document and kept in the registry.

A question names a company the way a reader does ("P&G", "JPM", "Coca Cola", "Alphabet (formerly
Google)"), rarely by the stored legal name. Each stored document with a company gets one identity:

- the legal name as stored (one per CIK, see ingest/filings.py), and the name its own cover gives
  ("(Exact name of registrant as specified in its charter)") when that differs;
- the short names people use, made by the one suffix rule (ingest/company_names.py): 'Procter &
  Gamble', 'P&G', 'PG'; initials and first words are marked as such, since they stand for other
  companies too;
- the former names the document itself states: "(formerly known as Wal-Mart Stores, Inc.)",
  "formerly Google Inc.", and the cover's "Former name ..., if changed since last report";
- ticker and CIK (from SEC's list by the same name when the document gives neither, as a PDF's
  cover does not).

The registry keeps them (`Registry.identities()`, `Registry.companies()`: one entry per company,
its other spellings as aliases); assistant/company_match.py resolves a question's names against
them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.companies import listed_company
from ingest.company_names import name_variants, normalised, short_name
from ingest.documents import DocMeta
from ingest.filings import cik_key, name_key

HEAD_CHARS = 60_000  # where a filing states its names: the cover and Item 1
# A name as written: capitalised words, joined by '&', 'and', 'of', 'the', commas before a legal
# form ("Wal-Mart Stores, Inc.").
_NAME = (r"(?:[Tt]he\s+)?[A-Z0-9][\w&'’.-]*(?:(?:,\s+|\s+)(?:&|and|of|the|de|[A-Z0-9][\w&'’.-]*))*")
_FORMERLY = re.compile(rf"\bformerly(?:\s+(?:known\s+as|named|called))?\s*:?\s+[\"“]?({_NAME})")
_FORMER_CAPTION = re.compile(r"\(\s*Former\s+name", re.IGNORECASE)
_EXACT_NAME = re.compile(r"\(\s*Exact\s+name\s+of\s+(?:the\s+)?registrant", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"^(?:n/?a|none|not\s+applicable|no\s+change)\b|\d", re.IGNORECASE)
# Kinds of alias that name this company for certain; 'initials' and 'first word' may be others'.
SURE_KINDS = ("legal", "document", "short", "former", "ticker")


@dataclass(frozen=True)
class Alias:
    name: str
    kind: str  # legal, document, short, former, initials, first word, ticker


@dataclass(frozen=True)
class CompanyIdentity:
    """One company as the store knows it."""

    legal_name: str
    ticker: str | None = None
    cik: str | None = None
    aliases: tuple[Alias, ...] = field(default_factory=tuple)  # the other spellings, legal name aside

    @property
    def key(self) -> str:
        """One key per company: its CIK, else its name without the legal form."""
        return cik_key(self.cik) or f"name:{name_key(self.legal_name)}"

    def names(self) -> list[Alias]:
        """Every spelling, the legal name and the ticker included."""
        out = [Alias(self.legal_name, "legal"), *self.aliases]
        return out + [Alias(self.ticker, "ticker")] if self.ticker else out

    def merged(self, other: CompanyIdentity) -> CompanyIdentity:
        """This identity with `other`'s spellings (another document of the same company)."""
        seen = {normalised(a.name) for a in self.names()}
        extra = [a for a in other.names() if normalised(a.name) not in seen and a.kind != "legal"]
        extra = _unique(extra)
        if other.legal_name not in {a.name for a in self.names()}:  # stored as 'Walmart Inc.' too
            extra.insert(0, Alias(other.legal_name, "document"))
        return CompanyIdentity(self.legal_name, self.ticker or other.ticker, self.cik or other.cik,
                               self.aliases + tuple(extra))


def document_identity(meta: DocMeta, text: str = "") -> CompanyIdentity | None:
    """The identity of a document's company, from its metadata and its own text; None when the
    document names no company."""
    if not meta.company:
        return None
    head = text[:HEAD_CHARS]
    aliases = [Alias(v.name, v.kind) for v in name_variants(meta.company)]
    cover = cover_name(head)
    if cover and name_key(cover) != name_key(meta.company):
        aliases.append(Alias(cover, "document"))
        aliases += [Alias(v.name, v.kind) for v in name_variants(cover)]
    for name in former_names(head):  # 'Google Inc.' and 'Google', both former
        aliases += [Alias(name, "former")] + [Alias(v.name, "former") for v in name_variants(name)
                                             if v.kind == "short"]
    legal = normalised(meta.company)
    ticker, cik = (meta.ticker or "").upper() or None, meta.cik
    if not (ticker and cik):  # a PDF's cover gives neither: SEC's list, by the same name
        listed = listed_company(short_name(meta.company))
        if listed is not None and name_key(listed.name) == name_key(meta.company):
            ticker, cik = ticker or listed.ticker, cik or listed.cik.zfill(10)
    return CompanyIdentity(
        legal_name=meta.company,
        ticker=ticker,
        cik=cik,
        aliases=tuple(_unique(a for a in aliases if normalised(a.name) != legal)),
    )


def former_names(text: str) -> list[str]:
    """The names a document says its company had: 'formerly known as X', '(formerly X)', and the
    line above a cover's '(Former name or former address, if changed since last report)'."""
    found = []
    for match in _FORMERLY.finditer(text):
        name = _trim(match.group(1))
        if name:
            found.append(name)
    for match in _FORMER_CAPTION.finditer(text):
        line = text[: match.start()].rstrip().rsplit("\n", 1)[-1].strip()
        if line and not _NOT_A_NAME.search(line) and 2 <= len(line) <= 80:
            found.append(line)
    return list(dict.fromkeys(found))


def cover_name(text: str) -> str | None:
    """The name above a cover's '(Exact name of registrant as specified in its charter)'."""
    match = _EXACT_NAME.search(text[:20_000])
    if not match:
        return None
    before = text[: match.start()].rstrip().rsplit("\n", 1)[-1].strip()
    return before if 2 <= len(before) <= 100 and re.search(r"[A-Za-z]{2}", before) else None


def merge_identities(identities: Iterable[CompanyIdentity]) -> list[CompanyIdentity]:
    """One identity per company (same CIK; one without a CIK joins the CIK whose name it shares,
    else stands by its name), spellings merged; the first document's legal name is the company's."""
    identities = list(identities)
    cik_of_name = {name_key(i.legal_name): i.key for i in identities if cik_key(i.cik)}
    by_key: dict[str, CompanyIdentity] = {}
    for identity in identities:  # one without a CIK joins the CIK whose name it shares
        key = identity.key if cik_key(identity.cik) else cik_of_name.get(name_key(identity.legal_name),
                                                                            identity.key)
        by_key[key] = by_key[key].merged(identity) if key in by_key else identity
    return list(by_key.values())


def _trim(name: str) -> str | None:
    """A 'formerly ...' capture without the sentence words after the name."""
    name = name.strip(" ,.;:\"”)")
    words = name.split()
    while words and words[-1].lower().strip(",") in ("and", "of", "the", "de", "&"):
        words.pop()
    name = " ".join(words).strip(" ,")
    return name if len(name) >= 2 and short_name(name) else None


def _unique(aliases: Iterable[Alias]) -> list[Alias]:
    seen: set[str] = set()
    out = []
    for alias in aliases:
        key = normalised(alias.name)
        if key and key not in seen:
            seen.add(key)
            out.append(alias)
    return out
