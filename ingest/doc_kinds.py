"""What a document is beyond its SEC form, its own date, and an earnings release's period, read from
its text.

Analysts keep more than 10-Ks and 10-Qs: earnings releases ("AMD Reports Fourth Quarter and Full
Year 2022 Financial Results", an 8-K's EX-99.1 or a PDF on its own), other press releases, glossy
annual reports, and 8-Ks they name by date ("the 8-K dated 3rd March 2021"). `fill_document_kind`
gives a document:

- `doc_type`: 'earnings release' when its opening announces results for a period, 'press release'
  for another EX-99 exhibit or a text opening with a release line, 'annual report' for a PDF whose
  opening says so without an SEC cover (a 10-K is one by its form);
- `period` of an earnings release: "fourth quarter and fiscal 2023 results" -> 'Q4 FY2023',
  "full year 2022 results" -> 'FY2022' (a release names its fiscal period, as the fiscal label
  the SEC gives filings), and `period_end` from "for the quarter ended November 2, 2024";
- `dated`: "dated March 3, 2021", an 8-K's "Date of Report (Date of earliest event reported)",
  else the report date an 8-K's period already holds.
"""

from __future__ import annotations

import re

from ingest.dates import FULL_MONTH_PATTERN, MONTH_PATTERN, iso_date, parse_iso_day
from ingest.documents import DocMeta

EARNINGS_RELEASE = "earnings release"
PRESS_RELEASE = "press release"
ANNUAL_REPORT = "annual report"

_OPENING = 3000  # a release announces itself in its headline and first paragraph
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_YEAR = r"(?:fiscal(?:\s+year)?\s+|FY\s?)?((?:19|20)\d{2}|'?\d{2})"
_QUARTER = re.compile(
    rf"\b(first|second|third|fourth|1st|2nd|3rd|4th)[\s-]+(?:fiscal\s+)?quarter"
    rf"(?:\s+(?:and|&)\s+(?:full[\s-]+|fiscal\s+)?(?:year|fiscal(?:\s+year)?)|\s+of)?\s+{_YEAR}"
    rf"|\b{_YEAR}\s+(first|second|third|fourth)[\s-]+quarter"
    rf"|\bQ([1-4])\s*{_YEAR}",
    re.IGNORECASE,
)
_FULL_YEAR = re.compile(r"\b(?:full[\s-]+year|fiscal(?:\s+year)?|annual)\s+((?:19|20)\d{2})",
                        re.IGNORECASE)
_RESULTS = re.compile(
    r"\b(?:reports?|reported|announces?|announced|posts?|delivers?|releases?)\b[^.\n]{0,120}?"
    r"\b(?:results|earnings|net\s+(?:income|loss|sales|revenues?)|revenues?|sales)\b"
    r"|\b(?:financial|operating)\s+results\b|\bearnings\s+release\b",
    re.IGNORECASE,
)
_QUARTER_ENDED = re.compile(rf"\bquarter\s+ended\s+({FULL_MONTH_PATTERN})\s+(\d{{1,2}}),\s*(\d{{4}})",
                            re.IGNORECASE)
_RELEASE_LINE = re.compile(r"\b(?:press\s+release|news\s+release|for\s+immediate\s+release)\b", re.IGNORECASE)
_ANNUAL = re.compile(r"\bannual\s+report\b", re.IGNORECASE)
DAY_PATTERN = (rf"(?:(?:{MONTH_PATTERN})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{MONTH_PATTERN})\.?,?\s+\d{{4}})")
_DATED = re.compile(rf"\b(?:dated|date\s+of\s+report[^:\n]{{0,60}}:?)\s*(?:as\s+of\s+)?({DAY_PATTERN})",
                    re.IGNORECASE)
_PERIODIC = ("10-K", "10-Q", "20-F", "40-F", "10-KT", "10-QT")


def fill_document_kind(meta: DocMeta, text: str) -> None:
    """Set `doc_type`, an earnings release's `period` and `dated` where the text says them;
    what a loader or the user set is kept."""
    form = (meta.form or "").upper()
    opening = text[:_OPENING]
    if form.startswith(_PERIODIC):  # a 10-K's "dated" are its exhibits' agreements
        return
    if not meta.dated:
        meta.dated = dated(text[:20_000]) or (meta.period if form.startswith(("8-K", "6-K"))
                                              and parse_iso_day(meta.period) else None)
    if meta.doc_type:
        return
    exhibit = "EX-99" in form or (meta.exhibit or "").upper().startswith("EX-99")
    period, quarter_end = release_period(opening), _quarter_end(opening)
    if (exhibit or not form) and _RESULTS.search(opening) and (period or quarter_end):
        meta.doc_type = EARNINGS_RELEASE
        if period and (not meta.period or parse_iso_day(meta.period)):  # not a date from its 8-K
            meta.period = period
        meta.period_end = quarter_end or meta.period_end  # the quarter it reports, not the 8-K's day
    elif exhibit or (not form and _RELEASE_LINE.search(opening)):
        meta.doc_type = PRESS_RELEASE
    elif not form and _ANNUAL.search(opening):
        meta.doc_type = ANNUAL_REPORT


def release_period(text: str) -> str | None:
    """The fiscal period results are announced for: 'Q4 FY2023', 'FY2022'; None if unnamed."""
    found = _QUARTER.search(text)
    if found:
        g = found.groups()
        if g[0]:
            quarter, year = _ORDINAL[g[0].lower()], g[1]
        elif g[2]:
            year, quarter = g[2], _ORDINAL[g[3].lower()]
        else:
            quarter, year = int(g[4]), g[5]
        return f"Q{quarter} FY{_year(year)}"
    found = _FULL_YEAR.search(text)
    return f"FY{found.group(1)}" if found else None


def _quarter_end(text: str) -> str | None:
    """'... for the fiscal quarter ended November 2, 2024' -> '2024-11-02'."""
    found = _QUARTER_ENDED.search(text)
    return iso_date(" ".join(found.groups())) if found else None


def dated(text: str) -> str | None:
    """The date a document gives itself: 'dated March 3, 2021', '... Date of Report ...: May 30,
    2023', as ISO 8601."""
    found = _DATED.search(text)
    return parse_day(found.group(1)) if found else None


def parse_day(text: str) -> str | None:
    """A DAY_PATTERN date ('3rd March 2021', 'Mar. 3, 2021') as ISO 8601."""
    return iso_date(re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text).replace(" of ", " "))


def _year(text: str) -> int:
    value = int(text.lstrip("'"))
    return value + 2000 if value < 100 else value
