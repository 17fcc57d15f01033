"""Phrase matching for the finance vocabulary: normalised text, whole words, singular or plural.

Text and phrases are normalised the same way (lower case, curly quotes and apostrophes folded,
"&" read as "and", every other run of punctuation a single space), and each word of a phrase
matches its singular or plural ("expenditure" = "expenditures", "inventory" = "inventories").
`find_phrases` returns non-overlapping matches, longest first, so "gross margin" is found where
"margin" alone would also match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
_AMPERSAND = re.compile(r"\s*&\s*")
_SEPARATORS = re.compile(r"[^\w'\u2018\u2019\u02bc`&]+")  # dashes, slashes, brackets: word breaks
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Lower case, no accents or apostrophes, '&' as 'and', words separated by single spaces."""
    spaced = _SEPARATORS.sub(" ", text)
    folded = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode("ascii")
    folded = _APOSTROPHES.sub("", folded.lower())
    folded = _AMPERSAND.sub(" and ", folded)
    return _NON_WORD.sub(" ", folded).strip()


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def name_key(text: str) -> str:
    """`normalise(text)` with each word singular: two names with one key match the same text."""
    return " ".join(_singular(word) for word in normalise(text).split())


def _word_pattern(word: str) -> str:
    """A regex for one normalised word, tolerant of its singular/plural form."""
    if len(word) > 3 and word.endswith("ies"):
        return re.escape(word[:-3]) + "(?:y|ies)"
    if len(word) > 2 and word.endswith("y") and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + "(?:y|ies)"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return re.escape(word[:-1]) + "(?:s|es)?"
    if word.isalpha() and len(word) > 3:
        return re.escape(word) + "(?:s|es)?"
    return re.escape(word)


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A compiled regex finding `phrase` as whole words in normalised text."""
    words = normalise(phrase).split()
    if not words:
        raise ValueError(f"empty phrase {phrase!r}: nothing to match")
    return re.compile(r"(?<![0-9a-z])" + " ".join(_word_pattern(w) for w in words) + r"(?![0-9a-z])")


@dataclass(frozen=True)
class PhraseMatch:
    """One phrase found in normalised text: the key it names and where it sits."""

    key: str
    phrase: str
    start: int
    end: int


class PhraseIndex:
    """Phrases (each naming a key) compiled once; finds them in text, longest match first."""

    def __init__(self, phrases: Mapping[str, Iterable[str]]) -> None:
        self._patterns: list[tuple[str, str, re.Pattern[str]]] = [
            (key, phrase, phrase_pattern(phrase)) for key, names in phrases.items() for phrase in names
        ]

    def find(self, text: str) -> list[PhraseMatch]:
        """Non-overlapping matches in `normalise(text)`, longest first, returned in text order."""
        normal = normalise(text)
        found = [
            PhraseMatch(key, phrase, m.start(), m.end())
            for key, phrase, pattern in self._patterns
            for m in pattern.finditer(normal)
        ]
        found.sort(key=lambda m: (-(m.end - m.start), m.start))
        kept: list[PhraseMatch] = []
        for match in found:
            if all(match.end <= k.start or match.start >= k.end for k in kept):
                kept.append(match)
        return sorted(kept, key=lambda m: m.start)

    def keys_in(self, text: str) -> list[str]:
        """The keys found in `text`, in text order, each once."""
        return list(dict.fromkeys(m.key for m in self.find(text)))
