"""ingest.dates: the month names and date rules the loaders, fiscal periods and scope share."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ingest.dates import (
    FULL_MONTH_PATTERN,
    MONTH_PATTERN,
    MONTHS,
    iso_date,
    month_day_year_dates,
    month_end,
    parse_iso_day,
    parse_month_day_year,
)


def test_month_names_and_abbreviations() -> None:
    assert MONTHS["march"] == MONTHS["mar"] == 3
    assert MONTHS["sept"] == MONTHS["sep"] == MONTHS["september"] == 9
    assert len(set(MONTHS.values())) == 12
    # Longest first, so "September" is never read as "Sep" + "tember".
    assert re.match(rf"(?:{MONTH_PATTERN})", "september", re.I).group(0) == "september"  # type: ignore[union-attr]
    assert re.fullmatch(FULL_MONTH_PATTERN, "December") and not re.fullmatch(FULL_MONTH_PATTERN, "Dec")


@pytest.mark.parametrize(("written", "iso"), [
    ("November 22, 2024", "2024-11-22"),
    ("Nov. 22, 2024", "2024-11-22"),
    ("Sept. 3, 2024", "2024-09-03"),
    ("22 November 2024", "2024-11-22"),
    ("11/22/2024", "2024-11-22"),
    ("20241122", "2024-11-22"),
    ("2024-11-22T10:00:00Z", "2024-11-22"),
    ("February 30, 2024", None),
    ("next Tuesday", None),
    ("", None),
    (None, None),
])  # fmt: skip
def test_iso_date(written: str | None, iso: str | None) -> None:
    assert iso_date(written) == iso


def test_month_day_year_in_text() -> None:
    text = "For the quarter ended March 31, 2024 (February 30, 2023 is no day) and DECEMBER 30, 2023."
    assert parse_month_day_year(text) == dt.date(2024, 3, 31)
    assert list(month_day_year_dates(text)) == [dt.date(2024, 3, 31), dt.date(2023, 12, 30)]
    assert parse_month_day_year("February 30, 2023 then March 1, 2023") is None  # the first only
    assert parse_month_day_year("Mar 31, 2024") is None  # filings write the month in full


def test_parse_iso_day_and_month_end() -> None:
    assert parse_iso_day("2024-11-22T10:00") == dt.date(2024, 11, 22)
    assert parse_iso_day("November 2024") is None and parse_iso_day(None) is None
    assert month_end(2024, 2) == dt.date(2024, 2, 29) and month_end(2023, 2) == dt.date(2023, 2, 28)
