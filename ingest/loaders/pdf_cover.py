"""Filing metadata from the cover page of an SEC filing printed to PDF.

An SEC 10-K / 10-Q / 8-K / 20-F cover reads, in its text layer, roughly:

    SECURITIES AND EXCHANGE COMMISSION ... FORM 10-Q ...
    For the quarterly period ended April 1, 2023 ... Commission File Number: 001-36743
    Apple Inc.
    (Exact name of Registrant as specified in its charter)
    ... Title of each class  Trading symbol(s)  Name of each exchange ...
    Common Stock, $0.00001 par value per share  AAPL  The Nasdaq Stock Market LLC

`read_cover` turns that into company, ticker, form and period end (ISO; an 8-K's report date);
`apply_cover` fills a PDF's DocMeta with them: `period_end`, and `period` as the same date (the
format the SEC loader falls back to without fiscal-focus facts), which the pipeline's
`ingest.fiscal.fill_fiscal_period` then turns into a fiscal label ('Q2 FY2023') where it can.
A PDF without such a cover is left as it was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.dates import iso_date
from ingest.documents import DocMeta

from ._decoding import squash

_COVER_CHARS = 8000  # the cover is on the first page or two; never read further
_SEC = re.compile(r"SECURITIES\s+AND\s+EXCHANGE\s+COMMISSION", re.I)
# Words only a cover page has (an article about a 10-K names the form and the SEC too).
_COVER_MARKER = re.compile(
    r"Commission\s+File\s+N|Exact\s+name\s+of\s+(?:the\s+)?registrant|pursuant\s+to\s+section\s+13"
    r"|Rule\s+13a-16",
    re.I,
)
_FORM = re.compile(r"\bFORM\s+(10-K|10-Q|8-K|20-F|6-K|40-F|10-KT|10-QT|S-1|S-4|F-1)(/A)?(?![\w-])", re.I)
_MONTH_DATE = r"([A-Z][a-z]{2,8}\.?\s+\d{1,2}\s*,?\s*\d{4})"
# Two-column covers put the other column's words between "ended" and its date: "For the quarterly
# period ended Commission file\nMarch 31, 2021 number 1-5805" (JPMorgan's 10-Q).
_OTHER_COLUMN = r"(?:[^\d\n]{0,40}\r?\n\s*)?"
_PERIOD = re.compile(
    r"for\s+the\s+(?:quarterly\s+period|fiscal\s+year|year|period|quarter)\s+ended:?\s*"
    + _OTHER_COLUMN + _MONTH_DATE,
    re.I,
)
_DATE_OF_REPORT = re.compile(r"Date\s+of\s+Report[^:]{0,60}:?\s*" + _MONTH_DATE, re.I)
_EXACT_NAME = re.compile(r"\(\s*Exact\s+name\s+of\s+(?:the\s+)?registrant", re.I)
_FILE_NUMBER = re.compile(r"Commission\s+File\s+(?:Number|No\.?)\s*:?\s*[\d-]+\s*$", re.I)
_EXCHANGES = (
    r"(?:The\s+)?(?:Nasdaq|NASDAQ|New\s+York\s+Stock\s+Exchange|NYSE|Cboe|CBOE|Chicago\s+Stock"
    r"|Boston\s+Stock|Toronto\s+Stock|Investors\s+Exchange)"
)
_SYMBOL_ROW = re.compile(r"(?<![\w$.,%-])([A-Z]{1,5}(?:[.-][A-Z]{1,2})?)\s+" + _EXCHANGES)
_SYMBOL_HEADER = re.compile(r"Trading\s+Symbol", re.I)
_INLINE_TICKER = re.compile(r"\((?:NYSE|NASDAQ|Nasdaq)[A-Za-z ]*:\s*([A-Z][A-Z.]{0,5})\b")
# Titles EDGAR's PDF renderings carry: "Form 10-Q for Microsoft Corp filed 10/24/2022",
# "10-Q - 10/28/2022 - Intel Corporation".
_FILED_IN_TITLE = re.compile(
    r"\bfiled\s+(\d{1,2}/\d{1,2}/\d{4})|^\s*[\w/-]+\s+-\s+(\d{1,2}/\d{1,2}/\d{4})\s+-\s", re.I
)
_NOT_A_NAME = ("(", "_", "commission file", "securities registered", "washington", "form ")


@dataclass(frozen=True)
class CoverFacts:
    company: str | None = None
    ticker: str | None = None
    form: str | None = None
    period: str | None = None  # period end (or an 8-K's report date), YYYY-MM-DD
    filed: str | None = None

    @property
    def found(self) -> bool:
        return bool(self.form or self.company)


def read_cover(pages: Sequence[str], pdf_title: str = "") -> CoverFacts:
    """Cover facts from the first pages' text; all None when they hold no SEC cover."""
    text = "\n".join(pages[:2])[:_COVER_CHARS]
    head = text[:4000]
    form_match = _FORM.search(head)
    if not (form_match and _SEC.search(head) and _COVER_MARKER.search(head)):
        return CoverFacts(filed=_filed(pdf_title))
    form = (form_match.group(1) + (form_match.group(2) or "")).upper()
    lines = [squash(line) for line in text.split("\n")]
    lines = [line for line in lines if line and not re.fullmatch(r"[_\-=\s]+", line)]
    return CoverFacts(
        company=_company(lines),
        ticker=_ticker(text),
        form=form,
        period=_period(text, form),
        filed=_filed(pdf_title),
    )


def apply_cover(meta: DocMeta, pages: Sequence[str], pdf_title: str = "") -> None:
    """Fill `meta` from the cover, and give it a filing-style title ('Apple Inc. 10-Q 2023-04-01').
    Command-line / API overrides are applied later by the pipeline, so they still win."""
    facts = read_cover(pages, pdf_title)
    meta.filed = meta.filed or facts.filed
    if not facts.found:
        return
    meta.company = meta.company or facts.company
    meta.ticker = meta.ticker or facts.ticker
    meta.form = meta.form or facts.form
    meta.period_end = meta.period_end or facts.period
    meta.period = meta.period or facts.period  # the pipeline turns a date into 'Q2 FY2023'
    meta.language = meta.language or "en"
    parts = [meta.company, meta.form, meta.period]
    title = " ".join(p for p in parts if p)
    if meta.company and title:
        meta.title = title[:200]


def _company(lines: Sequence[str]) -> str | None:
    """The line above '(Exact name of registrant ...)', else the line after the Commission File
    Number (covers such as Microsoft's print no 'exact name' caption)."""
    for i, line in enumerate(lines):
        match = _EXACT_NAME.search(line)
        if match:
            before = line[: match.start()].strip()
            candidate = before or (lines[i - 1] if i > 0 else "")
            if _name_like(candidate):
                return candidate
    for i, line in enumerate(lines[:-1]):
        if _FILE_NUMBER.search(line) and _name_like(lines[i + 1]):
            return lines[i + 1]
    return None


def _name_like(text: str) -> bool:
    lowered = text.lower()
    return (
        2 <= len(text) <= 100
        and len(re.findall(r"[^\W\d_]", text)) >= 2
        and not lowered.startswith(_NOT_A_NAME)
        and "report pursuant" not in lowered
    )


def _ticker(text: str) -> str | None:
    """The symbol in the first row of the 'Trading Symbol(s)' table (Section 12(b) securities),
    else an inline '(NASDAQ: AAPL)'."""
    header = _SYMBOL_HEADER.search(text)
    if header:
        table = text[header.end() : header.end() + 1500]
        row = _SYMBOL_ROW.search(table)
        if row:
            return row.group(1)
    inline = _INLINE_TICKER.search(text)
    return inline.group(1) if inline else None


def _period(text: str, form: str) -> str | None:
    match = _PERIOD.search(text)
    if match:
        return iso_date(match.group(1))
    if form.startswith(("8-K", "6-K")):
        report = _DATE_OF_REPORT.search(text)
        return iso_date(report.group(1)) if report else None
    return None


def _filed(pdf_title: str) -> str | None:
    match = _FILED_IN_TITLE.search(pdf_title or "")
    return iso_date(match.group(1) or match.group(2)) if match else None
