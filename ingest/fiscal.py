"""Which fiscal period a filing covers, read from its own text.

Filings printed to PDF carry no XBRL, so their period comes from the words: the cover's "For the
quarterly period ended June 24, 2023" gives the period end, and the balance sheet's comparison
column gives the last fiscal year end (a 10-Q compares the quarter-end balance sheet with the
previous year end: "December 31, 2022 | June 30, 2022" in Microsoft's fiscal Q2 2023). The number
of quarters between the two is the fiscal quarter, and the fiscal year is named by the year it
ends in (NVIDIA's quarter ended April 30, 2023 is Q1 FY2024). Measured on the 20 Docugami 10-Q
PDFs: the comparison date is the most frequent date 2-10 months before the period end in all 20.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from ingest.dates import FULL_MONTH_PATTERN, month_day_year_dates, parse_month_day_year
from ingest.documents import DocMeta

_PERIOD_ENDED = re.compile(
    rf"(quarterly\s+period|fiscal\s+year|transition\s+period)\s+ended\s*:?\s*"
    rf"(?:[^\d\n]{{0,40}}\r?\n\s*)?"  # a two-column cover's other column: "ended Commission file\n"
    rf"(({FULL_MONTH_PATTERN})\s+\d{{1,2}}\s*,\s*\d{{4}})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FiscalPeriod:
    end: dt.date
    fiscal_year: int
    quarter: int | None  # None: the whole fiscal year (10-K, 20-F)

    @property
    def label(self) -> str:
        """'Q2 FY2023' or 'FY2024', the labels the SEC loader gives from dei facts."""
        return f"Q{self.quarter} FY{self.fiscal_year}" if self.quarter else f"FY{self.fiscal_year}"


def period_end_from_cover(text: str) -> tuple[dt.date, bool] | None:
    """(period end, is_quarterly) from the cover's 'For the quarterly period / fiscal year ended'."""
    found = _PERIOD_ENDED.search(text[:20000])
    if not found:
        return None
    end = parse_month_day_year(found.group(2))
    return (end, found.group(1).lower().startswith("quarterly")) if end else None


def previous_year_end(text: str, period_end: dt.date) -> dt.date | None:
    """The last fiscal year end before a quarter: the most frequent date 2-10 months earlier."""
    counts: Counter[dt.date] = Counter()
    for date in month_day_year_dates(text):
        if 60 <= (period_end - date).days <= 310:
            counts[date] += 1
    if not counts:
        return None
    (best, n), = counts.most_common(1)
    return best if n >= 3 else None


def infer_fiscal_period(text: str) -> FiscalPeriod | None:
    """The fiscal period a 10-Q or 10-K text covers, or None when the text does not say."""
    cover = period_end_from_cover(text)
    if cover is None:
        return None
    end, quarterly = cover
    if not quarterly:
        return FiscalPeriod(end=end, fiscal_year=_fiscal_year_named(end), quarter=None)
    year_end = previous_year_end(text, end)
    if year_end is None:
        return None
    quarter = round((end - year_end).days / 91.3)
    if not 1 <= quarter <= 3:
        return None
    next_year_end = year_end + dt.timedelta(days=365)
    return FiscalPeriod(end=end, fiscal_year=_fiscal_year_named(next_year_end), quarter=quarter)


def _fiscal_year_named(year_end: dt.date) -> int:
    """Fiscal years are named by the calendar year they end in; a year ending in the first days
    of January (52/53-week years) belongs to the year before."""
    return year_end.year - 1 if year_end.month == 1 and year_end.day <= 7 else year_end.year


def calendar_quarter(end: dt.date) -> tuple[int, int]:
    """(year, quarter) of the calendar quarter end nearest to a period end: April 1 and April 30
    both close calendar Q1 (52/53-week and January fiscal years)."""
    candidates = [dt.date(end.year - 1, 12, 31)] + [
        dt.date(end.year, m, d) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31))
    ]
    nearest = min(candidates, key=lambda c: abs((end - c).days))
    return nearest.year, (nearest.month - 1) // 3 + 1


_PERIODIC_FORMS = ("10-Q", "10-K", "20-F", "40-F")


def fill_fiscal_period(meta: DocMeta, text: str) -> None:
    """Give a periodic report (10-Q, 10-K, 20-F, or an unlabelled PDF) its period end and fiscal
    label from its text, keeping whatever its loader already read from XBRL facts."""
    form = (meta.form or "").upper()
    if form and not form.startswith(_PERIODIC_FORMS):
        return
    if meta.period_end and meta.period and not _is_date(meta.period):
        return
    found = infer_fiscal_period(text)
    if found is None:
        return
    meta.period_end = meta.period_end or found.end.isoformat()
    if not meta.period or _is_date(meta.period):
        meta.period = found.label


def _is_date(value: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()))
