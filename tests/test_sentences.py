"""Tests for ingest.sentences: sentence spans in order, disjoint, covering the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.sentences import split_sentences


def sents(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_abbreviations_and_decimals_do_not_split() -> None:
    assert sents("Apple Inc. reported $1.6 billion.") == ["Apple Inc. reported $1.6 billion."]
    text = (
        "Apple Inc. reported $1.6 billion. Gross margin was 46.2% vs. 44.1% a year ago. "
        "Mr. Cook and Dr. Smith met Timothy D. Cook in the U.S. And e.g. Ltd. Co. Corp. held "
        "approx. 5% on Jan. 2, 2024. See Commission File No. 001-36743. It rose 2.5%. Done!"
    )
    assert sents(text) == [
        "Apple Inc. reported $1.6 billion.",
        "Gross margin was 46.2% vs. 44.1% a year ago.",
        "Mr. Cook and Dr. Smith met Timothy D. Cook in the U.S. And e.g. Ltd. Co. Corp. held "
        "approx. 5% on Jan. 2, 2024.",
        "See Commission File No. 001-36743.",
        "It rose 2.5%.",
        "Done!",
    ]


def test_splits_on_terminal_punctuation_before_upper_digit_quote() -> None:
    text = 'Is it up? Yes! Sales rose. 2024 was strong. "We grew," he said. (See Note 5.) Next.'
    assert sents(text) == [
        "Is it up?",
        "Yes!",
        "Sales rose.",
        "2024 was strong.",
        '"We grew," he said.',
        "(See Note 5.)",
        "Next.",
    ]
    # Lowercase after a period is not a new sentence; nor is a period without whitespace.
    assert sents("Revenue was up. in part due to iPhone.com sales.") == [
        "Revenue was up. in part due to iPhone.com sales."
    ]


def test_lines_tables_and_bullets_are_units() -> None:
    text = (
        "Item 7. Management's Discussion\n"
        "Net sales | 2024 | 2023\n"
        "iPhone | 201,183 | 200,583\n"
        "\n"
        "• Services grew.\n"
        "- Mac was flat\n"
        "a) first item\n"
        "The paragraph is hard\nwrapped in the middle.\n\n"
        "Inline list: • one • two"
    )
    assert sents(text) == [
        "Item 7. Management's Discussion",
        "Net sales | 2024 | 2023",
        "iPhone | 201,183 | 200,583",
        "• Services grew.",
        "- Mac was flat",
        "a) first item",
        "The paragraph is hard\nwrapped in the middle.",
        "Inline list:",
        "• one",
        "• two",
    ]


def test_split_sentences_edge_cases() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\t \n") == []
    text = "  One.  Two.\r\n\r\n  Three  "
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["One.", "Two.", "Three"]


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300))
def test_property_split_sentences_covers_text(text: str) -> None:
    spans = split_sentences(text)
    prev_end = 0
    covered = [False] * len(text)
    for s, e in spans:
        assert prev_end <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        covered[s:e] = [True] * (e - s)
        prev_end = e
    assert all(covered[i] or ch.isspace() for i, ch in enumerate(text))
