"""Company names without their legal form: the one suffix rule for the company list, the question's
scope and the chat's labels.

A name loses its trailing legal-form words freely ("Apple Inc." -> "Apple") and its trailing
descriptive words only while at least two words remain ("Washington Trust Bancorp" ->
"Washington Trust", never "Washington"; "Alibaba Group Holding Ltd" -> "Alibaba Group").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "CONNECTORS", "DESCRIPTIVE_WORDS", "LEGAL_FORM_WORDS", "NameVariant", "name_variants", "normalised",
    "short_name", "suffix_trims",
]

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
    while kept > 1 and words[kept - 1] in ("&", "and"):  # 'JPMorgan Chase & Co.' -> 'JPMorgan Chase'
        kept -= 1
    if not kept:
        return name.strip()
    return name[tokens[0].start() : tokens[kept - 1].end()].strip(" ,")


# Words that join the parts of a name ("Bank of America", "Procter & Gamble").
CONNECTORS = frozenset({"of", "and", "&", "the", "de", "for"})
_WEB_SUFFIX = re.compile(r"\.(?:com|net|org|io)$", re.IGNORECASE)


def normalised(text: str) -> str:
    """A name as compared: lower case, a possessive 's dropped, punctuation a space, '&' kept:
    "Procter & Gamble's" -> 'procter & gamble'; 'Coca-Cola' -> 'coca cola'."""
    text = text.casefold().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    return " ".join(re.sub(r"[^0-9a-z&]+", " ", text).split())


@dataclass(frozen=True)
class NameVariant:
    """A name people use for a company, and how it was made from the legal name: 'short' (the
    legal form or a web suffix dropped: 'Amazon'; 'P&G'), 'initials' ('PG', 'IBM', 'BofA') or
    'first word' ('Meta' for Meta Platforms): the last two may stand for other companies too."""

    name: str
    kind: str


def name_variants(name: str) -> list[NameVariant]:
    """The shorter names a legal name is known by: 'The Procter & Gamble Company' -> Procter &
    Gamble, P&G (short), PG (initials); 'Amazon.com, Inc.' -> Amazon.com, Amazon (short);
    'Meta Platforms, Inc.' -> Meta Platforms (short), MP (initials), Meta (first word)."""
    short = short_name(name)
    out = [NameVariant(short, "short")]
    if _WEB_SUFFIX.search(short):
        out.append(NameVariant(_WEB_SUFFIX.sub("", short), "short"))
    words = [w for w in re.split(r"\s+", short.replace(",", " ")) if w]
    content = [w for w in words if w.lower() not in CONNECTORS]
    if len(content) >= 2 and all(w[0].isalpha() for w in content):
        out.append(NameVariant("".join(w[0] for w in content).upper(), "initials"))
        if "&" in words[1:-1]:  # "Procter & Gamble" -> "P&G"
            at = words.index("&")
            left = "".join(w[0] for w in words[:at] if w.lower() not in CONNECTORS)
            right = "".join(w[0] for w in words[at + 1 :] if w.lower() not in CONNECTORS)
            out.append(NameVariant(f"{left}&{right}".upper(), "short"))  # as distinctive as the name
        joined = [w.lower() if w.lower() in CONNECTORS else w[0].upper() for w in words]
        if any(w.lower() in CONNECTORS - {"&"} for w in words):  # "Bank of America" -> "BofA"
            out.append(NameVariant("".join(joined), "initials"))
        first = content[0]
        if len(first) >= 4 and first == words[0]:
            out.append(NameVariant(first, "first word"))
    seen: set[str] = set()
    unique = []
    for variant in out:
        if variant.name and variant.name not in seen and normalised(variant.name) != normalised(name):
            seen.add(variant.name)
            unique.append(variant)
    return unique
