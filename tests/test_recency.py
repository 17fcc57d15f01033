"""recency_scope: what a question says about publication dates (a pure function of the question
and today's date)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.recency import RecencyScope, recency_scope

TODAY = date(2025, 8, 20)  # a Wednesday in calendar Q3


@pytest.mark.parametrize(
    ("question", "date_from", "date_to", "prefer_recent"),
    [
        ("News about Alibaba since March 2025", "2025-03-01", None, False),
        ("What changed since 2024-05-14?", "2024-05-14", None, False),
        ("Anything after Q1 2025?", "2025-01-01", None, False),
        ("news since 5/14/2025", "2025-05-14", None, False),
        ("Apple's cash as of March 31, 2025", None, "2025-03-31", True),
        ("Debt as of Q1 2025", None, "2025-03-31", True),
        ("Debt as at 2024", None, "2024-12-31", True),
        ("News before 2025", None, "2024-12-31", False),
        ("News until June 2025", None, "2025-06-30", False),
        ("Deals between January 2024 and March 2024", "2024-01-01", "2024-03-31", False),
        ("What happened this quarter?", "2025-07-01", "2025-08-20", True),
        ("What did Alibaba say last quarter?", "2025-04-01", "2025-06-30", True),
        ("Headlines this month", "2025-08-01", "2025-08-20", True),
        ("Headlines last month", "2025-07-01", "2025-07-31", True),
        ("Results this year", "2025-01-01", "2025-08-20", True),
        ("Results last year", "2024-01-01", "2024-12-31", True),
        ("Performance year to date", "2025-01-01", "2025-08-20", True),
        ("News in the past 3 months", "2025-05-20", "2025-08-20", True),
        ("News in the last two weeks", "2025-08-06", "2025-08-20", True),
        ("News this week", "2025-08-18", "2025-08-20", True),
    ],
)
def test_dates(question: str, date_from: str | None, date_to: str | None, prefer_recent: bool) -> None:
    scope = recency_scope(question, TODAY)
    assert (scope.date_from, scope.date_to, scope.prefer_recent) == (date_from, date_to, prefer_recent)
    assert scope.phrase and scope.phrase.lower() in question.lower()


@pytest.mark.parametrize("question", ["What is the latest on Alibaba's AI spending?",
                                      "Most recent guidance from Apple", "Recent news on Nvidia"])
def test_latest_prefers_recent_without_a_filter(question: str) -> None:
    scope = recency_scope(question, TODAY)
    assert scope.prefer_recent and scope.date_from is None and scope.date_to is None


@pytest.mark.parametrize("question", [
    "What was Apple's revenue in Q2 2025?",  # a period asked about, not a publication date
    "FY2024 operating margin of Microsoft",
    "What are Apple's current assets?",  # 'current' as in the balance sheet
    "How much will Alibaba invest by 2027?",
    "Revenue from 2023 to 2024",
])
def test_periods_and_plain_words_set_no_scope(question: str) -> None:
    assert recency_scope(question, TODAY).is_empty()


def test_month_arithmetic_at_month_ends() -> None:
    scope = recency_scope("news in the past 1 month", date(2025, 3, 31))
    assert scope.date_from == "2025-02-28"
    assert recency_scope("last quarter", date(2025, 1, 15)) == RecencyScope(
        "2024-10-01", "2024-12-31", True, "last quarter")


def test_impossible_dates_are_ignored() -> None:
    assert recency_scope("since February 30, 2025", TODAY).date_from is None
