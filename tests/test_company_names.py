"""ingest.company_names: the one suffix rule for company names, and ingest.locations.is_url."""

from __future__ import annotations

import pytest

from ingest.company_names import short_name, suffix_trims
from ingest.locations import is_url


@pytest.mark.parametrize(("name", "short"), [
    ("Apple Inc.", "Apple"),
    ("BUCKLE, INC", "BUCKLE"),
    ("Amazon.com, Inc.", "Amazon.com"),
    ("The Walt Disney Company", "Walt Disney"),
    ("Alibaba Group Holding Ltd", "Alibaba Group"),
    ("Washington Trust Bancorp", "Washington Trust"),
    ("U.S. Bancorp", "U.S. Bancorp"),  # descriptive words go only while two words remain
    ("Globant S.A.", "Globant"),
    ("Qualcomm Inc/DE", "Qualcomm"),
    ("Macy's, Inc.", "Macy's"),
    ("The Company", "The Company"),  # nothing but suffixes: kept as it is
])  # fmt: skip
def test_short_name(name: str, short: str) -> None:
    assert short_name(name) == short


def test_suffix_trims_steps() -> None:
    assert list(suffix_trims(["alibaba", "group", "holding", "ltd"])) == [
        ["alibaba", "group", "holding"], ["alibaba", "group"]]
    assert list(suffix_trims(["first", "bancorp"])) == []


def test_is_url() -> None:
    assert is_url("https://www.sec.gov/x.htm") and is_url("HTTP://example.com")
    assert not is_url("/data/filings/aapl.htm") and not is_url("ftp://example.com/x")
    assert not is_url("http.txt")
