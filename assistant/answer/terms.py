"""The question's key terms: what evidence must mention for an answer to count as supported."""

from __future__ import annotations

import re
from collections.abc import Set

import Stemmer

_STEMMER = Stemmer.Stemmer("english")

# Words that carry the form of a question, not its subject.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves much many tell describe explain say said says give list show
    according company company's companies report reported mention mentioned please does did
    do doing was were been being there any
    """.split()  # noqa: SIM905
)

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]{2,}|\d[\d,.]*\d|\d")


def tokens(text: str) -> list[str]:
    """Lower-cased word and number tokens; possessives dropped ("Alibaba's" -> "alibaba")."""
    out = []
    for raw in _TOKEN.findall(text):
        word = re.sub(r"['’]s$", "", raw.lower()).replace(",", "")
        out.append(word)
    return out


def stems(text: str) -> set[str]:
    return {_STEMMER.stemWord(t) for t in tokens(text)}


def key_terms(question: str) -> set[str]:
    """Stemmed content words and numbers of a question."""
    words = [t for t in tokens(question) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]
    return {_STEMMER.stemWord(w) for w in words}


def coverage(terms: Set[str], evidence: str) -> float:
    """Share of `terms` the evidence mentions. Stems of four letters or more also match by
    prefix, so "regulation" (regul) is found in "regulatory" (regulatori)."""
    if not terms:
        return 1.0
    found = stems(evidence)
    return sum(1 for t in terms if _mentioned(t, found)) / len(terms)


def _mentioned(term: str, found: set[str]) -> bool:
    if term in found:
        return True
    if len(term) < 4:
        return False
    return any(len(f) >= 4 and (f.startswith(term) or term.startswith(f)) for f in found)


_NAME = re.compile(r"\b[A-Z][a-z]+(?:['’]s)?\b")


def named_terms(question: str) -> set[str]:
    """Capitalised words after the first ("Apple", "Oracle's" -> "oracle"): the names a cited
    document must mention for its sentences to answer the question."""
    words = question.split()
    rest = " ".join(words[1:])
    names = {re.sub(r"['’]s$", "", m.group(0)).lower() for m in _NAME.finditer(rest)}
    return {n for n in names if n not in STOPWORDS and n not in _COMMON_CAPITALISED}


_COMMON_CAPITALISED = frozenset(
    """january february march april may june july august september october november december
    monday tuesday wednesday thursday friday item part note form total net""".split()  # noqa: SIM905
)
