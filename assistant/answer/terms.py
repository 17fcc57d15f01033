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

# Words that say what kind of answer a question wants, not what it is about: analysis and
# comparison, extent, change and cause, hedges, and the time frame over which it asks. The
# sentence that answers "What major factors contributed to the change in gross margin compared
# to previous quarters?" names the gross margin, not these words; they stay key terms for
# searching, and count where the evidence uses them ("no significant acquisitions"), but
# evidence is not asked to name them (`subject_terms`, `asked_of`).
FRAMING_WORDS = frozenset(
    """
    analyze analyse analysis discuss discussion compare comparison correlate correlation relate
    relation relationship reflect indicate suggest imply implication insight identify
    identifiable outline detail provide breakdown highlight overview summarize assess evaluate
    role play way aspect area information figure number amount data section pattern
    significant substantial considerable major main key notable extent scale level overall
    particular especially
    change shift fluctuate trend alter alteration evolve vary variation
    factor cause driver drive drove contribute reason influence affect impact consequence
    might potential potentially possible likely engage partake take activity
    quarter period previous prior historical recent reporting time one across among throughout
    various different
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


def subject_terms(terms: Set[str]) -> frozenset[str]:
    """`terms` (stems, as `key_terms` gives them) without the question's framing words
    (FRAMING_WORDS: "factors", "significant", "compared", "previous quarters"); all of `terms`
    when nothing else is left."""
    subject = frozenset(t for t in terms if t not in _FRAMING_STEMS)
    return subject or frozenset(terms)


def asked_of(terms: Set[str], evidence: str) -> frozenset[str]:
    """The terms `evidence` is asked to cover: the subject's, and the framing words it uses."""
    subject = subject_terms(terms)
    found = stems(evidence)
    return subject | frozenset(t for t in terms - subject if _mentioned(t, found))


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


_FRAMING_STEMS = frozenset(_STEMMER.stemWord(w) for w in FRAMING_WORDS)


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
