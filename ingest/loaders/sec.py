"""SEC filings as HTML / inline XBRL (10-K, 10-Q, 8-K, 20-F, 6-K and their exhibits).

The HTML is reduced to paragraphs (tables as " | " rows); `dei:` inline facts fill the
metadata; PART / Item headings start sections. Sectioning is a deliberately simple first pass.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from lxml.html import HtmlElement

from ingest.documents import Block, DocMeta, Document

from ._common import base_meta, iso_date, no_text_error, squash, stem_title
from ._htmltext import Para, paragraphs, parse

_SGML = re.compile(r"^\s*<DOCUMENT>\s*<TYPE>([^\s<]+)", re.I)
_SGML_TEXT = re.compile(r"<TEXT>(.*)</TEXT>", re.I | re.S)
_FORMS = r"10-K|10-Q|8-K|20-F|6-K|40-F|10-KT|10-QT"
_COVER_FORM = re.compile(rf"\bFORM\s+({_FORMS})(/A)?\b", re.I)
_HEADING = re.compile(
    r"^(PART\s+[IVX]+|ITEM\s+\d+[A-Z]?(?:\.\d+)?)(?=$|[.:(\s\u2013\u2014-])", re.I
)
_COVER_MARKERS = ("securities exchange act of 1934", "exact name of registrant")
_EXCHANGE_TICKER = re.compile(r"\((?:NYSE|NASDAQ|Nasdaq)[A-Za-z ]*:\s*([A-Z][A-Z.]{0,5})\b")
_DATE_OF_REPORT = re.compile(r"Date of Report[^:]*:\s*(.+)$", re.I)
_TOC_ROW = re.compile(r"\|\s*(?:[A-Z]-)?(?:\d{1,3}|[ivxlc]{1,6})$", re.I)
_MAX_HEADING_LINE = 200  # longer lines are prose that happens to start with "Item 7"
_DENSE_GAP = 80  # headings this close together, and repeated later, are a table of contents


def looks_like_filing(html: str) -> bool:
    head = html[:300_000].lower()
    if "<ix:header" in head or "xmlns:ix=" in head or _SGML.match(html[:2000]):
        return True
    text = squash(html_lib.unescape(re.sub(r"<[^>]*>", " ", html[:100_000])))[:4000]
    cover = "SECURITIES AND EXCHANGE COMMISSION" in text or any(
        marker in text.lower() for marker in _COVER_MARKERS
    )
    return cover and bool(_COVER_FORM.search(text))


def load_sec(html: str, source: str) -> Document:
    sgml_type = None
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
    text, blocks = _sectioned(paras)
    meta = base_meta(source)
    _fill_meta(meta, facts, sgml_type, paras, root, source)
    return Document(text=text, kind="sec", meta=meta, blocks=blocks)


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


# --- sections -------------------------------------------------------------------------------


@dataclass
class _Heading:
    offset: int  # in the joined text
    label: str
    key: str  # 'PART II' or 'ITEM 1A', upper-case
    part: str | None = None
    toc: bool = False  # a table row ending in a page number


def _sectioned(paras: Sequence[Para]) -> tuple[str, list[Block]]:
    text = "\n\n".join(p.text for p in paras)
    heads = _drop_toc(_candidates(paras))
    return text, blocks_at(text, [(h.offset, h.label) for h in _fold_parts(heads)])


def _candidates(paras: Sequence[Para]) -> list[_Heading]:
    found: list[_Heading] = []
    offset = 0
    part: str | None = None
    for para in paras:
        line_start = offset
        for line in para.text.split("\n"):
            match = _HEADING.match(line)
            if match and len(line) <= _MAX_HEADING_LINE:
                key = squash(match.group(1)).upper()
                if key.startswith("PART"):
                    part = key
                label = squash(line.replace(" | ", " "))[:80].rstrip()
                toc = para.in_table and bool(_TOC_ROW.search(line))
                found.append(_Heading(line_start, label, key, part, toc))
            line_start += len(line) + 1
        offset += len(para.text) + 2
    return found


def _drop_toc(heads: list[_Heading]) -> list[_Heading]:
    """Drop table-of-contents entries: table rows ending in a page number, and runs of >= 3
    headings packed closer than _DENSE_GAP whose headings recur later in the document."""
    keep = [not h.toc for h in heads]
    i = 0
    while i < len(heads):
        j = i
        while j + 1 < len(heads) and heads[j + 1].offset - heads[j].offset < _DENSE_GAP + len(
            heads[j].label
        ):
            j += 1
        if j - i >= 2:
            for k in range(i, j + 1):
                if any(_same(heads[k], h) for h in heads[k + 1 :]):
                    keep[k] = False
        i = j + 1
    return [h for h, ok in zip(heads, keep, strict=True) if ok]


def _same(a: _Heading, b: _Heading) -> bool:
    return a.key == b.key and (a.part is None or a.part == b.part)


def _fold_parts(heads: list[_Heading]) -> list[_Heading]:
    """A PART heading directly followed by an Item heading joins that Item's block."""
    out: list[_Heading] = []
    for i, head in enumerate(heads):
        nxt = heads[i + 1] if i + 1 < len(heads) else None
        if (
            head.key.startswith("PART")
            and nxt is not None
            and nxt.key.startswith("ITEM")
            and nxt.offset - head.offset < _DENSE_GAP + len(head.label)
        ):
            nxt.offset = head.offset
            continue
        out.append(head)
    return out


def blocks_at(text: str, starts: Sequence[tuple[int, str | None]]) -> list[Block]:
    """Blocks that start at each (offset, section); text before the first has no section."""
    blocks = [Block(start=0, end=len(text))]
    for offset, section in starts:
        if offset <= blocks[-1].start:
            blocks[-1].section = section
            continue
        blocks[-1].end = offset
        blocks.append(Block(start=offset, end=len(text), section=section))
    return blocks
