"""Company names without their legal form: the one suffix rule for the company list, the question's
scope and the chat's labels.

A name loses its trailing legal-form words freely ("Apple Inc." -> "Apple") and its trailing
descriptive words only while at least two words remain ("Washington Trust Bancorp" ->
"Washington Trust", never "Washington"; "Alibaba Group Holding Ltd" -> "Alibaba Group").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["DESCRIPTIVE_WORDS", "LEGAL_FORM_WORDS", "short_name", "suffix_trims"]

# Legal-form words (lower case, without dots): stripped freely.
LEGAL_FORM_WORDS = frozenset({
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "plc", "llc",
    "lp", "l", "p", "sa", "nv", "n", "v", "ag", "se", "spa", "the", "de", "class", "a", "b", "c",
    "adr", "ads", "new",
})  # fmt: skip
# Descriptive words: stripped only while at least two words remain.
DESCRIPTIVE_WORDS = frozenset({
    "holdings", "holding", "group", "trust", "bancorp", "bancshares", "international", "intl",
    "companies", "financial", "industries", "enterprises", "technologies", "partners",
})  # fmt: skip

# A word: "Amazon", "com", "Macy's", or dotted initials ("S.A.", "N.V.") read as one ("sa", "nv").
_TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Za-z0-9&]+(?:['’][A-Za-z]+)?")


def suffix_trims(words: list[str]) -> Iterator[list[str]]:
    """Each shorter form of a name's lower-case words as its suffixes come off, last word first:
    ['alibaba', 'group', 'holding', 'ltd'] -> ['alibaba', 'group', 'holding'], ['alibaba', 'group']."""
    words = list(words)
    while words and (words[-1] in LEGAL_FORM_WORDS or words[-1] in DESCRIPTIVE_WORDS and len(words) > 2):
        words.pop()
        yield list(words)


def short_name(name: str) -> str:
    """The name without a leading "The" and its suffixes, in its own case and punctuation:
    'The Walt Disney Company' -> 'Walt Disney'; 'BUCKLE, INC' -> 'BUCKLE'; 'Amazon.com, Inc.' ->
    'Amazon.com'; 'Qualcomm Inc/DE' -> 'Qualcomm'. A name of nothing but such words is returned
    stripped."""
    tokens = list(_TOKEN.finditer(name))
    if len(tokens) > 1 and tokens[0].group().lower() == "the":
        tokens = tokens[1:]
    words = [t.group().lower().replace(".", "") for t in tokens]
    kept = len(words)
    for trimmed in suffix_trims(words):
        kept = len(trimmed)
    if not kept:
        return name.strip()
    return name[tokens[0].start() : tokens[kept - 1].end()].strip(" ,")
