"""What a question says about time: "latest", "this quarter", "since March 2025", "as of <date>".

    recency_scope("news about Alibaba since March 2025", today)
        -> RecencyScope(date_from="2025-03-01", date_to=None, prefer_recent=False, ...)

A pure function of the question and today's date; the caller turns the scope into filters
(date_from / date_to on the published or filed date) and a preference for newer sources.

Only phrases about *when something was published* count. A period the question asks about
("revenue in Q2 2025", "FY2024 results") is not a date filter: filings about Q2 2025 are filed
after it, so filtering by that date would drop the very reports that answer it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from ingest.dates import MONTH_PATTERN as _MONTH
from ingest.dates import MONTHS as _MONTHS
from ingest.dates import month_end as _month_end

# A date as people write it: 2025-03-31, 3/31/2025, March 31, 2025, 31 March 2025, March 2025,
# Q1 2025, 2025.
_DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}/\d{1,2}/\d{4}"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTH})\.?,?\s+\d{{4}}"
    r"|q[1-4]\s*(?:of\s+)?(?:fy\s*)?\d{4}"
    r"|(?:19|20)\d{2})"
)
_AS_OF = re.compile(rf"\b(?:as of|as at|at the end of)\s+(?P<d>{_DATE})\b", re.I)
_SINCE = re.compile(rf"\b(?:since|after|starting|beginning)\s+(?:in\s+|on\s+)?(?P<d>{_DATE})\b", re.I)
_UNTIL = re.compile(rf"\b(?:before|until|till|through|thru|up to|prior to)\s+(?P<d>{_DATE})\b", re.I)
_BETWEEN = re.compile(rf"\bbetween\s+(?P<a>{_DATE})\s+and\s+(?P<b>{_DATE})\b", re.I)
_RELATIVE = re.compile(
    r"\b(?P<which>this|current|last|previous|past|prior)\s+(?P<unit>week|month|quarter|year)\b", re.I
)
_PAST_N = re.compile(
    r"\b(?:in\s+)?(?:the\s+)?(?:last|past|previous)\s+(?P<n>\d{1,3}|two|three|four|five|six|twelve)\s+"
    r"(?P<unit>days?|weeks?|months?|quarters?|years?)\b", re.I
)
_TO_DATE = re.compile(r"\b(?:year[- ]to[- ]date|ytd)\b", re.I)
_RECENT = re.compile(
    r"\b(?:latest|most recent|recent(?:ly)?|newest|currently|so far|up[- ]to[- ]date|"
    r"right now|today|this week|lately)\b", re.I
)
_WORD_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "twelve": 12}


@dataclass(frozen=True)
class RecencyScope:
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None  # ISO date, inclusive
    prefer_recent: bool = False  # rank newer sources first
    phrase: str | None = None  # the words that set the scope, for showing the user

    def is_empty(self) -> bool:
        return not (self.date_from or self.date_to or self.prefer_recent)


def recency_scope(question: str, today: date) -> RecencyScope:
    """The date range and recency preference a question asks for (empty scope if none)."""
    prefer = _RECENT.search(question) is not None
    if m := _BETWEEN.search(question):
        start, end = _span(m.group("a")), _span(m.group("b"))
        if start and end:
            return _scope(start[0], end[1], prefer, m.group(0))
    if m := _AS_OF.search(question):
        span = _span(m.group("d"))
        if span:
            return _scope(None, span[1], True, m.group(0))
    date_from = date_to = None
    phrases = []
    if m := _SINCE.search(question):
        span = _span(m.group("d"))
        if span:
            date_from, _ = span
            phrases.append(m.group(0))
    if m := _UNTIL.search(question):
        span = _span(m.group("d"))
        if span:
            date_to = span[1] if not m.group(0).lower().startswith(("before", "prior")) else (
                span[0] - timedelta(days=1))
            phrases.append(m.group(0))
    if date_from or date_to:
        return _scope(date_from, date_to, prefer, " ".join(phrases))
    if m := _PAST_N.search(question):
        n = m.group("n")
        count = int(n) if n.isdigit() else _WORD_NUMBERS[n.lower()]
        return _scope(_back(today, count, m.group("unit").lower().rstrip("s")), today, True, m.group(0))
    if m := _RELATIVE.search(question):
        span = _relative(today, m.group("which").lower(), m.group("unit").lower())
        return _scope(span[0], span[1], True, m.group(0))
    if m := _TO_DATE.search(question):
        return _scope(date(today.year, 1, 1), today, True, m.group(0))
    return RecencyScope(prefer_recent=prefer, phrase=m.group(0) if (m := _RECENT.search(question)) else None)


def _scope(start: date | None, end: date | None, prefer: bool, phrase: str) -> RecencyScope:
    return RecencyScope(start.isoformat() if start else None, end.isoformat() if end else None,
                        prefer, phrase.strip())


def _span(text: str) -> tuple[date, date] | None:
    """The first and last day a written date covers: a day, a month, a quarter or a year."""
    t = text.strip().lower().replace(",", " ").replace(".", " ")
    t = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", t)
    words = t.split()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return day, day
        if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", t):  # US order: month/day/year
            day = date(int(m[3]), int(m[1]), int(m[2]))
            return day, day
        if m := re.fullmatch(r"q([1-4])\s*(?:of\s+)?(?:fy\s*)?(\d{4})", t):
            first_month = 3 * int(m[1]) - 2
            return date(int(m[2]), first_month, 1), _month_end(int(m[2]), first_month + 2)
        if re.fullmatch(r"\d{4}", t):
            return date(int(t), 1, 1), date(int(t), 12, 31)
        if len(words) == 2 and words[0] in _MONTHS:  # March 2025
            month, year = _MONTHS[words[0]], int(words[1])
            return date(year, month, 1), _month_end(year, month)
        if len(words) == 3:
            if words[0] in _MONTHS:  # March 31 2025
                day = date(int(words[2]), _MONTHS[words[0]], int(words[1]))
            else:  # 31 March 2025
                day = date(int(words[2]), _MONTHS[words[1]], int(words[0]))
            return day, day
    except (ValueError, KeyError):
        return None
    return None


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _relative(today: date, which: str, unit: str) -> tuple[date, date]:
    """'this quarter' -> its first day to today; 'last quarter' -> the whole previous one."""
    if unit == "week":
        start = today - timedelta(days=today.weekday())
        return (start, today) if which in ("this", "current") else (start - timedelta(days=7),
                                                                     start - timedelta(days=1))
    if unit == "month":
        start = today.replace(day=1)
        if which in ("this", "current"):
            return start, today
        end = start - timedelta(days=1)
        return end.replace(day=1), end
    if unit == "quarter":
        start = _quarter_start(today)
        if which in ("this", "current"):
            return start, today
        end = start - timedelta(days=1)
        return _quarter_start(end), end
    if which in ("this", "current"):
        return date(today.year, 1, 1), today
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


def _back(today: date, count: int, unit: str) -> date:
    if unit == "day":
        return today - timedelta(days=count)
    if unit == "week":
        return today - timedelta(weeks=count)
    months = count * {"month": 1, "quarter": 3, "year": 12}[unit]
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))
