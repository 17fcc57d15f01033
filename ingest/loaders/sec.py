"""SEC filings as HTML / inline XBRL (10-K, 10-Q, 8-K, 20-F, 6-K and their exhibits), and EDGAR
full-submission `.txt` files (the filing plus each exhibit as a Document of its own).

The HTML is reduced to paragraphs; tables with figures become blocks of their own, each figure
labelled with its row and column (see `tables`). `dei:` inline facts and the SGML header fill the
metadata. PART / Item headings start sections; a table of contents is recognised and skipped;
where an Item number recurs under another Part (10-Q), labels carry the Part:
"Part I, Item 2. Management's Discussion ...".
"""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from collections.abc import Sequence

from lxml.html import HtmlElement

from ingest.dates import iso_date, parse_month_day_year
from ingest.documents import DocMeta, Document, LoadError
from ingest.filings import inherit_filing

from . import sgml
from ._common import base_meta, log, stem_title
from ._decoding import squash
from ._errors import no_text_error
from ._htmltext import Para, paragraphs, parse
from .sec_sections import sectioned

_SGML = re.compile(r"^\s*<DOCUMENT>\s*<TYPE>([^\s<]+)", re.I)
_SGML_TEXT = re.compile(r"<TEXT>(.*)</TEXT>", re.I | re.S)
_FORMS = r"10-K|10-Q|8-K|20-F|6-K|40-F|10-KT|10-QT"
_COVER_FORM = re.compile(rf"\bFORM\s+({_FORMS})(/A)?\b", re.I)
_COVER_MARKERS = ("securities exchange act of 1934", "exact name of registrant")
_EXCHANGE_TICKER = re.compile(r"\((?:NYSE|NASDAQ|Nasdaq)[A-Za-z ]*:\s*([A-Z][A-Z.]{0,5})\b")
_DATE_OF_REPORT = re.compile(r"Date of Report[^:]*:\s*(.+)$", re.I)


def looks_like_filing(html: str) -> bool:
    head = html[:300_000].lower()
    if "<ix:header" in head or "xmlns:ix=" in head or _SGML.match(html[:2000]):
        return True
    text = squash(html_lib.unescape(re.sub(r"<[^>]*>", " ", html[:100_000])))[:4000]
    cover = "SECURITIES AND EXCHANGE COMMISSION" in text or any(
        marker in text.lower() for marker in _COVER_MARKERS
    )
    return cover and bool(_COVER_FORM.search(text))


def load_sec(html: str, source: str, sgml_type: str | None = None) -> Document:
    wrapper = _SGML.match(html[:2000])
    if wrapper:
        sgml_type = wrapper.group(1).upper()
        body = _SGML_TEXT.search(html)
        html = body.group(1) if body else html
    root = parse(html)
    facts = dei_facts(root)
    paras = paragraphs(root)
    if not paras:
        raise no_text_error(source, "the filing's HTML holds no visible text")
    meta = base_meta(source)
    _fill_meta(meta, facts, sgml_type, paras, root, source)
    text, blocks = sectioned(paras, meta.form)
    return Document(text=text, kind="sec", meta=meta, blocks=blocks)


def load_submission(text: str, source: str) -> list[Document]:
    """An EDGAR full submission: the main document first, then each exhibit (EX-99.1 ...) as a
    Document of its own with the filing's metadata, its exhibit type and its parent's doc_id.
    XBRL files, images and archives are skipped."""
    sub = sgml.parse_submission(text)
    readable = [d for d in sub.documents if d.readable]
    if not readable:
        raise LoadError(source, "is an EDGAR submission without a readable document (only XBRL, "
                        "images or archives); load the filing's HTML document instead")
    form = (sub.form or "").upper()
    primary = next((d for d in readable if d.type == form), readable[0])
    main = load_sec(primary.as_html(), source, primary.type)
    _apply_header(main.meta, sub)
    docs = [main]
    seen: Counter[str] = Counter()
    for part in readable:
        if part is primary:
            continue
        exhibit = part.type or f"document {part.sequence}"
        seen[exhibit] += 1
        suffix = exhibit if seen[exhibit] == 1 else f"{exhibit}-{seen[exhibit]}"
        try:
            doc = load_sec(part.as_html(), f"{source}#{suffix}", part.type or None)
        except LoadError as exc:
            log.warning("%s: skipped %s (%s)", source, exhibit, exc.reason)
            continue
        _exhibit_meta(doc.meta, main, exhibit)
        docs.append(doc)
    return docs


def _apply_header(meta: DocMeta, sub: sgml.Submission) -> None:
    """The SGML header's facts: CIK, form, filing date and accession number win; the company
    name and period fill in what the document itself did not say."""
    meta.cik = sub.cik or meta.cik
    meta.form = sub.form or meta.form
    meta.filed = sub.filed or meta.filed
    meta.accession = sub.accession
    meta.company = meta.company or sub.company
    meta.period = meta.period or sub.period
    if not meta.title or meta.title == stem_title(meta.source) or not meta.title.startswith(
        meta.company or "\x00"
    ):
        meta.title = " ".join(p for p in (meta.company, meta.form, meta.period or meta.filed) if p)


def _exhibit_meta(meta: DocMeta, main: Document, exhibit: str) -> None:
    """An exhibit is read as part of its filing: same company, form, dates and accession."""
    meta.exhibit = exhibit
    meta.url = main.meta.url
    inherit_filing(meta, main.meta, main.doc_id)


def dei_facts(root: HtmlElement) -> dict[str, str]:
    """First value of each dei: inline fact, e.g. {'EntityRegistrantName': 'Apple Inc.'}."""
    facts: dict[str, str] = {}
    for el in root.iter("ix:nonnumeric", "ix:nonfraction"):
        name = el.get("name", "")
        if name.lower().startswith("dei:"):
            value = squash(el.text_content())
            if value and value.upper() not in ("N/A", "NONE", "—", "-"):
                facts.setdefault(name[4:], value)
    return facts


def _fill_meta(
    meta: DocMeta,
    facts: dict[str, str],
    sgml_type: str | None,
    paras: Sequence[Para],
    root: HtmlElement,
    source: str,
) -> None:
    exhibit = (sgml_type or "").startswith("EX-")
    cover_lines = [line for p in paras[:80] for line in p.text.split("\n")]
    cover = "\n".join(cover_lines)[:6000]
    meta.company = facts.get("EntityRegistrantName") or _registrant(cover_lines)
    ticker = _EXCHANGE_TICKER.search(cover)
    meta.ticker = facts.get("TradingSymbol") or (ticker.group(1) if ticker else None)
    cik = facts.get("EntityCentralIndexKey")
    meta.cik = cik.zfill(10) if cik and cik.isdigit() else cik
    form = facts.get("DocumentType")
    if not form and sgml_type and not exhibit:
        form = sgml_type
    if not form and not exhibit:
        found = _COVER_FORM.search(cover)
        form = (found.group(1) + (found.group(2) or "")).upper() if found else None
    meta.form = form
    meta.period = _period(facts, form, cover_lines)
    if exhibit:
        meta.exhibit = sgml_type
        meta.published = _release_date(sgml_type or "", cover)
    meta.language = "en"
    parts = [meta.company or "", meta.form or (sgml_type or ""), meta.period or ""]
    title = " ".join(p for p in parts if p)
    if exhibit or not meta.form:
        headline = _headline(paras)
        title = f"{title}: {headline}" if title and headline else title or headline
    meta.title = title[:200] or _html_title(root) or stem_title(source)


def _period(facts: dict[str, str], form: str | None, cover_lines: Sequence[str]) -> str | None:
    """'FY2024' / 'Q2 FY2025' from the dei fiscal focus; else the report date (8-K, 6-K)."""
    year = facts.get("DocumentFiscalYearFocus")
    focus = (facts.get("DocumentFiscalPeriodFocus") or "").upper()
    if year and focus == "FY":
        return f"FY{year}"
    if year and focus:
        return f"{focus} FY{year}"
    end = iso_date(facts.get("DocumentPeriodEndDate"))
    if end or form not in ("8-K", "6-K", "8-K/A", "6-K/A"):
        return end
    for line in cover_lines[:60]:  # the cover's stand-alone date line
        found = _DATE_OF_REPORT.search(line)
        value = iso_date(found.group(1) if found else line) if len(line) <= 80 else None
        if value:
            return value
    return None


def _release_date(exhibit: str, cover: str) -> str | None:
    """A press release's own date (EX-99: 'For Immediate Release: November 22, 2024'): the first
    date of its opening text."""
    day = parse_month_day_year(cover[:1500]) if exhibit.startswith("EX-99") else None
    return day.isoformat() if day else None


def _registrant(lines: Sequence[str]) -> str | None:
    """The name above '(Exact name of registrant as specified in its charter)'."""
    for i, line in enumerate(lines):
        lowered = line.lower()
        if "exact name of registrant" in lowered or "(registrant name)" in lowered:
            above = lines[i - 1].split(" | ")[0].strip() if i > 0 else ""
            if 2 <= len(above) <= 100:
                return above
    return None


def _headline(paras: Sequence[Para]) -> str:
    """A press release's headline: the first one-line paragraph of 4 to 30 words."""
    for p in paras[:60]:
        one_line = not p.in_table and "\n" not in p.text and 4 <= len(p.text.split()) <= 30
        if one_line and not p.text.lower().startswith(("exhibit", "for immediate release")):
            return p.text[:150]
    return ""


def _html_title(root: HtmlElement) -> str:
    title = squash(root.findtext(".//title") or "")
    return "" if title.lower() in ("", "document") or re.fullmatch(r"[\w.-]+", title) else title
