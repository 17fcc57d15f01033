"""Dates and months as filings, articles and questions write them: the month names and the
parsing rules, in one place for the loaders, the fiscal-period reader and the question's scope."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator

__all__ = [
    "FULL_MONTH_PATTERN",
    "MONTHS",
    "MONTH_PATTERN",
    "iso_date",
    "month_day_year_dates",
    "month_end",
    "parse_iso_day",
    "parse_month_day_year",
]

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")  # fmt: skip
# Lower-case month names and abbreviations -> month number: "march", "mar", "sept" -> 3, 3, 9.
MONTHS: dict[str, int] = {name.lower(): i for i, name in enumerate(_MONTH_NAMES, 1)}
MONTHS.update({name[:3].lower(): i for i, name in enumerate(_MONTH_NAMES, 1)})
MONTHS["sept"] = 9
# A regex alternation of every name and abbreviation (longest first; match with re.IGNORECASE).
MONTH_PATTERN = "|".join(sorted(MONTHS, key=len, reverse=True))
# Full month names only, as filings write their dates: "January|February|...|December".
FULL_MONTH_PATTERN = "|".join(_MONTH_NAMES)

_MONTH_DAY_YEAR = re.compile(rf"\b({FULL_MONTH_PATTERN})\s+(\d{{1,2}})\s*,\s*(\d{{4}})\b", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%m/%d/%Y", "%Y%m%d")


def _month_day_year(found: re.Match[str]) -> dt.date | None:
    try:
        return dt.datetime.strptime(f"{found.group(1)} {found.group(2)} {found.group(3)}", "%B %d %Y").date()
    except ValueError:
        return None


def parse_month_day_year(text: str) -> dt.date | None:
    """The first "March 31, 2024" in ``text`` as a date; None if there is none or it is no real day."""
    found = _MONTH_DAY_YEAR.search(text)
    return _month_day_year(found) if found else None


def month_day_year_dates(text: str) -> Iterator[dt.date]:
    """Every real "March 31, 2024" in ``text``, in order."""
    for found in _MONTH_DAY_YEAR.finditer(text):
        day = _month_day_year(found)
        if day is not None:
            yield day


def iso_date(value: str | None) -> str | None:
    """'November 22, 2024' / 'Nov. 22, 2024' / '2024-11-22T10:00' -> '2024-11-22'; else None."""
    if not value:
        return None
    text = " ".join(value.replace(",", " ").replace(".", " ").replace("Sept ", "Sep ").split())
    iso = re.match(r"(\d{4}-\d{2}-\d{2})", value.strip())
    if iso:
        text = iso.group(1)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def parse_iso_day(value: str | None) -> dt.date | None:
    """The day an ISO date or timestamp ('2024-11-22', '2024-11-22T10:00') names; else None."""
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def month_end(year: int, month: int) -> dt.date:
    """The last day of that month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])
