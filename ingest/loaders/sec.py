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
from dataclasses import dataclass

from lxml.html import HtmlElement

from ingest.dates import iso_date
from ingest.documents import Block, DocMeta, Document, LoadError

from . import sgml
from ._common import base_meta, log, stem_title
from ._decoding import squash
from ._errors import no_text_error
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
_TOC_ROW = re.compile(r"\|\s*(?:[^|:]{1,30}:\s*)?(?:[A-Z]-)?(?:\d{1,3}|[ivxlc]{1,6})$", re.I)
_MAX_HEADING_LINE = 200
_MAX_LABEL = 100  # longer lines are prose that happens to start with "Item 7"
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
    text, blocks = _sectioned(paras, meta.form)
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
    filing = main.meta
    headline = meta.title.split(": ", 1)[1] if ": " in meta.title else ""
    for key in ("url", "company", "ticker", "cik", "form", "period", "filed", "accession"):
        setattr(meta, key, getattr(filing, key))
    meta.exhibit = exhibit
    meta.parent = main.doc_id
    meta.title = f"{filing.title}, {exhibit}" + (f": {headline}" if headline else "")


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
    para: int = -1  # index of its paragraph


def _sectioned(paras: Sequence[Para], form: str | None = None) -> tuple[str, list[Block]]:
    text = "\n\n".join(p.text for p in paras)
    heads = _fold_parts(_assign_parts(_drop_toc(_candidates(paras)), form))
    labels = _labels(heads, form)
    blocks = blocks_at(text, [(h.offset, label) for h, label in zip(heads, labels, strict=True)])
    return text, split_tables(blocks, _table_spans(paras))


_ROMAN = ("I", "II", "III", "IV")


def _assign_parts(heads: list[_Heading], form: str | None) -> list[_Heading]:
    """Each Item's Part: the last PART heading kept above it (table-of-contents entries are gone
    by now). In a 10-Q an Item number that drops (Item 4 -> Item 1) without a PART heading
    between starts the next Part; a 10-Q's first Items are in Part I."""
    quarterly = (form or "").upper().startswith("10-Q")
    part: str | None = "PART I" if quarterly else None
    last_number = 0.0
    for h in heads:
        if h.key.startswith("PART"):
            part, last_number = h.key, 0.0
            continue
        number = _item_number(h.key)
        if quarterly and part in _PARTS_ORDER[:-1] and number < last_number:
            part = _PARTS_ORDER[_PARTS_ORDER.index(part) + 1]
        h.part, last_number = part, number
    return heads


_PARTS_ORDER = tuple(f"PART {r}" for r in _ROMAN)


def _item_number(key: str) -> float:
    found = re.search(r"(\d+)([A-Z]?)", key)
    return int(found.group(1)) + (0.5 if found.group(2) else 0.0) if found else 0.0


def _labels(heads: Sequence[_Heading], form: str | None) -> list[str]:
    """Item labels carry their Part where Item numbers recur across Parts (10-Q Part I Item 2
    vs Part II Item 2), and always in a 10-Q."""
    parts_of: dict[str, set[str | None]] = {}
    for h in heads:
        parts_of.setdefault(h.key, set()).add(h.part)
    with_part = (form or "").upper().startswith("10-Q") or any(len(p) > 1 for p in parts_of.values())
    out: list[str] = []
    for h in heads:
        if with_part and h.key.startswith("ITEM") and h.part:
            out.append(f"Part {h.part.split()[-1]}, {h.label}")
        else:
            out.append(h.label)
    return out


def _table_spans(paras: Sequence[Para]) -> list[tuple[int, int, int]]:
    """(start, end, head_end) in the joined text of each table that has figures."""
    spans: list[tuple[int, int, int]] = []
    offset = 0
    for para in paras:
        if para.data_table:
            spans.append((offset, offset + len(para.text), offset + para.head_len))
        offset += len(para.text) + 2
    return spans


def split_tables(blocks: Sequence[Block], tables: Sequence[tuple[int, int, int]]) -> list[Block]:
    """Each table lying inside one block becomes a block of its own (kind 'table'); the text
    around it stays in blocks of the same section. Blocks stay contiguous."""
    out: list[Block] = []
    i = 0
    for block in blocks:
        cur = block.start
        while i < len(tables) and tables[i][0] < block.end:
            start, end, head_end = tables[i]
            i += 1
            if start < cur or end > block.end:
                continue  # a heading inside the table: keep it as text
            if start > cur:
                out.append(Block(start=cur, end=start, page=block.page, section=block.section))
            cur = min(end + 2, block.end)
            out.append(Block(start=start, end=cur, page=block.page, section=block.section,
                             kind="table", head_end=head_end if head_end > start else None))
        if cur < block.end:
            out.append(Block(start=cur, end=block.end, page=block.page, section=block.section))
    return out


def _candidates(paras: Sequence[Para]) -> list[_Heading]:
    found: list[_Heading] = []
    offset = 0
    part: str | None = None
    for index, para in enumerate(paras):
        line_start = offset
        for line in para.text.split("\n"):
            match = _HEADING.match(line)
            if match and len(line) <= _MAX_HEADING_LINE:
                key = squash(match.group(1)).upper()
                if key.startswith("PART"):
                    part = key
                label = _label(line, match.end())
                toc = para.in_table and bool(_TOC_ROW.search(line))
                found.append(_Heading(line_start, label, key, part, toc, index))
            line_start += len(line) + 1
        offset += len(para.text) + 2
    return found


def _label(line: str, key_end: int) -> str:
    """'ITEM 1.BUSINESS' -> 'ITEM 1. BUSINESS'; table cells joined by spaces; long titles cut
    at a word, with an ellipsis."""
    rest = re.sub(r"^([.:])(?=[^\W\d_])", r"\1 ", line[key_end:])
    label = squash((line[:key_end] + rest).replace(" | ", " "))
    if len(label) > _MAX_LABEL:
        label = label[:_MAX_LABEL].rsplit(" ", 1)[0].rstrip(" ,;:-") + "…"
    return label


def _drop_toc(heads: list[_Heading]) -> list[_Heading]:
    """Drop table-of-contents entries: table rows ending in a page number, and in runs of >= 3
    headings packed closer than _DENSE_GAP, the headings that recur later in the document, or
    the rest of a contents table's rows when most of the run does ("Part II" listed in the
    contents but absent from the body)."""
    keep = [not h.toc for h in heads]
    i = 0
    while i < len(heads):
        j = i
        while j + 1 < len(heads) and heads[j + 1].offset - heads[j].offset < _DENSE_GAP + len(
            heads[j].label
        ):
            j += 1
        if j - i >= 2:
            listed = [heads[k].toc or any(_same(heads[k], h) for h in heads[j + 1 :])
                      for k in range(i, j + 1)]
            # mostly a contents list: every row of a table holding contents entries goes
            toc_paras = {heads[k].para for k in range(i, j + 1) if heads[k].toc}
            whole = 2 * sum(listed) >= len(listed)
            for k, recurs in zip(range(i, j + 1), listed, strict=True):
                keep[k] = keep[k] and not (recurs or (whole and heads[k].para in toc_paras))
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
