"""Follow-up questions, rewritten to stand alone before they are searched (chat, CLI, API, MCP).

An elliptical follow-up ("And iPhone?", "What about Mac?", "and in 2022?", "same for Microsoft")
is short, starts with a continuation ("and", "what about", "how about", "same for"...) or is a
bare fragment, and leaves out what the previous question said. It is rebuilt from the previous
question's subject (its topic, company and period), each part replaced by what the follow-up
names instead:

    "What were Apple's total net sales in the third quarter of fiscal 2023?"
    "And iPhone?"        -> "iPhone net sales, Apple, Q3 FY2023"
    "and in 2022?"       -> "total net sales, Apple, Q3 FY2022"   (a year alone keeps the quarter)
    "What about operating income?" -> "operating income, Apple, Q3 FY2023"

A follow-up that names a financial metric or line item (ingest/finance) replaces the topic; one
that names something else ("iPhone") is that thing's figure under the previous metric. A name the
store holds as a company replaces the company; a name the previous company's documents never
mention ("Microsoft" after Apple) is read as another company too.

Any other short question that names no company of its own is asked about the previous question's
names ("What was the dividend in 2019?" -> "About Alibaba: what was the dividend in 2019?").
Longer questions are asked as typed. Whoever shows the answer shows the question as searched, so
the rewrite is never hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from assistant.answer.terms import STOPWORDS
from assistant.question import (
    Mention,
    Question,
    company_mentions,
    named_period,
    period_mentions,
    without_mentions,
)
from ingest.finance.lookup import default_lookup, line_item_for, metric_for
from ingest.finance.phrases import name_key, normalise, phrase_pattern

SHORT_WORDS = 10  # a question longer than this stands on its own
FRAGMENT_WORDS = 3  # "iPhone?", "Mac sales?": a fragment, even without "and" in front
_CONTINUATION = re.compile(
    r"^\s*(?:(?:and|but|also|or|now|then)\b[\s,]*)?"
    r"(?:(?:what|how)\s+about|what\s+of|(?:and\s+)?(?:the\s+)?same\s+(?:for|with)|"
    r"(?:and\s+)?for|and|also|or)\b\s*",
    re.IGNORECASE,
)
_QUESTION_WORD = re.compile(r"^\s*(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|"
                            r"do|does|did|can|could|should|would|will|has|have|had)\b", re.IGNORECASE)
# What a topic does not start or end with: the question's frame and loose connecting words.
_LEADING = re.compile(
    r"^(?:(?:what|which|how\s+(?:much|many)|how)\s+(?:(?:was|were|is|are|did|do|does)\s+)?|"
    r"(?:tell\s+me|show\s+me|give\s+me|list)\s+(?:about\s+)?|compare\s+)?"
    r"(?:(?:the|a|an)\s+)?", re.IGNORECASE)
_LOOSE_END = re.compile(r"(?:[\s,;:]+|\b(?:in|for|of|during|the|and|vs\.?|versus|on|at|to|"
                        r"with|from|by|as)\b)+$", re.IGNORECASE)
_LOOSE_START = re.compile(r"^(?:[\s,;:]+|\b(?:in|for|of|during|the|and|on|at|to|with|from|by|as)"
                          r"\b)+", re.IGNORECASE)
# A quarter named without its year: "Q2", "the second quarter".
_BARE_QUARTER = re.compile(r"\bQ([1-4])\b|\b(first|second|third|fourth)\s+(?:fiscal\s+)?quarter\b",
                           re.IGNORECASE)
_ORDINAL = {"first": "1", "second": "2", "third": "3", "fourth": "4"}
_NAME = re.compile(r"\b[A-Z][A-Za-z0-9&.\-]*(?:['’]s)?")
_POSSESSIVE = re.compile(r"['’]s$")


@dataclass(frozen=True)
class Subject:
    """What a question is about: its topic ('total net sales'), company names as written or
    shortened ('Apple'), and period ('Q3 FY2023')."""

    topic: str
    companies: tuple[str, ...]
    period: str | None

    def text(self) -> str:
        """'iPhone net sales, Apple, Q3 FY2023': what is searched and shown."""
        return ", ".join(p for p in (self.topic, " and ".join(self.companies), self.period) if p)


def subject_of(question: Question) -> Subject:
    """The topic, companies and period of a question, from its text as read. Its companies are
    the stored ones it names and the names it writes possessively; failing both, the names it
    mentions at all (so that "Alibaba" carries on where the store does not list it)."""
    stored = company_mentions(question.text, question.companies)
    written = list(dict.fromkeys(m.written for m in stored))
    written += [n for n in unknown_names(question, stored) if n not in written]
    if not written:
        written = question_names(question)
    mentions = [*stored, *period_mentions(question.text), *name_mentions(question.text, written)]
    return Subject(topic_of(question.text, mentions), tuple(written),
                   question.period.text if question.period else None)


def question_names(question: Question) -> list[str]:
    """The names a question mentions, as written ("Alibaba's" -> "Alibaba"), in order: capitalised
    words after the first that the answerer also treats as names (`question.names`)."""
    words = question.text.split(maxsplit=1)
    rest = words[1] if len(words) > 1 else ""
    return [n for n in _capitalised(rest) if n.lower() in question.names]


def topic_of(text: str, mentions: list[Mention]) -> str:
    """`text` without its mentions (companies, periods) and the words that frame a question:
    "What were Apple's total net sales in the third quarter of fiscal 2023?" -> "total net sales"."""
    rest = without_mentions(text, mentions).strip(" ?.!")
    rest = _LEADING.sub("", rest, count=1)
    for _ in range(3):
        rest = _LOOSE_END.sub("", _LOOSE_START.sub("", rest)).strip(" ?.!,")
    return rest


def unknown_names(question: Question, known: list[Mention]) -> list[str]:
    """Capitalised names the question writes possessively ("Nordstrom's") that are not one of
    its stored companies: companies the store may not hold."""
    taken = [(m.start, m.end) for m in known]
    out = []
    for m in _NAME.finditer(question.text):
        if not _POSSESSIVE.search(m.group(0)) or any(s <= m.start() < e for s, e in taken):
            continue
        name = _POSSESSIVE.sub("", m.group(0))
        first = not question.text[: m.start()].strip()  # "Apple's margin?": a name all the same
        if (name.lower() in question.names or first and name.lower() not in STOPWORDS) and name not in out:
            out.append(name)
    return out


def name_mentions(text: str, names: Iterable[str]) -> list[Mention]:
    """Where `text` writes each of `names` ("the Buckle's" for "Buckle"), possibly overlapping."""
    return [Mention(name, m.start(), m.end(), name) for name in names
            for m in re.finditer(rf"(?:\bthe\s+)?\b{re.escape(name)}(?:['’]s)?\b", text, re.IGNORECASE)]


def names_metric(text: str) -> bool:
    """The text names a metric or a line item of the finance vocabulary, or a measure word of
    one ("margins", "income"), rather than something measured ("iPhone", "Mac")."""
    if metric_for(text) or line_item_for(text):
        return True
    return bool(set(name_key(text).split()) & _metric_words())


@cache
def _metric_words() -> frozenset[str]:
    """The measure words of the vocabulary: the last word of each metric name ("margin" of
    "gross margin", "income" of "net income"), where the name says what is measured."""
    names = (name_key(n).split() for m in default_lookup().vocab.metrics.values() for n in m.names)
    return frozenset(words[-1] for words in names if words and len(words[-1]) > 2)


def metric_phrase(topic: str) -> str | None:
    """The words of `topic` that name its metric ("net sales" in "total net sales"), or None."""
    normal = normalise(topic)
    for metric in metric_for(topic):
        for name in sorted(metric.names, key=len, reverse=True):
            if phrase_pattern(name).search(normal):
                return name
    return None


def is_elliptical(question: Question) -> bool:
    """Short and leaning on what was said before: it starts with a continuation ("and", "what
    about", "same for"...), or is a bare fragment ("iPhone?") without a question word or a
    company of its own ("Apple's margin?" stands alone)."""
    words = question.text.split()
    if not words or len(words) > SHORT_WORDS:
        return False
    if _CONTINUATION.match(question.text):
        return True
    own = question.companies or unknown_names(question, [])
    return len(words) <= FRAGMENT_WORDS and not own and not _QUESTION_WORD.match(question.text)


def _remainder(question: Question) -> str:
    """The follow-up without its continuation words: "And iPhone?" -> "iPhone"."""
    found = _CONTINUATION.match(question.text)
    return question.text[found.end() if found else 0 :].strip(" ?.!,")


def rewrite_followup(question: Question, previous: Question | None,
                     mentioned: Callable[[str], bool] | None = None) -> str:
    """The text to search for `question`, asked after `previous` (both as read); the question
    as typed when it stands on its own. `mentioned(name)`: whether the previous question's
    companies' documents name it (a name they never mention is another company)."""
    text = " ".join(question.text.split())
    if previous is None or not text or len(text.split()) > SHORT_WORDS:
        return text
    before = subject_of(previous)
    if not (before.companies or before.period):
        return text
    if is_elliptical(question):
        return _elliptical(question, before, mentioned) or text
    return _about_previous_names(question, previous) or text


def _elliptical(question: Question, before: Subject, mentioned: Callable[[str], bool] | None) -> str | None:
    """The follow-up rebuilt from `before`, each of topic, companies and period replaced by what
    the follow-up names instead; None when a name in it cannot be placed."""
    rest = _remainder(question)
    companies = _own_companies(question, rest, before, mentioned)
    if companies is None:
        return None
    own_period = question.period.text if question.period and period_mentions(rest) else None
    quarter = _BARE_QUARTER.search(rest) if not own_period else None
    skipped = name_mentions(rest, companies) + period_mentions(rest)
    if quarter:
        skipped.append(Mention("", quarter.start(), quarter.end(), ""))
    topic = _topic(topic_of(rest, skipped), before.topic)
    period = _period(question, own_period, quarter, before.period)
    rewritten = Subject(topic, companies or before.companies, period).text()
    return rewritten if rewritten and rewritten != question.text else None


def _own_companies(question: Question, rest: str, before: Subject,
                   mentioned: Callable[[str], bool] | None) -> tuple[str, ...] | None:
    """The companies the follow-up names (as written): stored, possessive, or a name the previous
    companies' documents never mention; None when a name may be a company or a product."""
    companies = tuple(dict.fromkeys(m.written for m in company_mentions(rest, question.companies)))
    companies += tuple(unknown_names(question, company_mentions(rest, question.companies)))
    alone = re.fullmatch(r"[A-Z][\w&.\-]*", rest) and not _BARE_QUARTER.fullmatch(rest)
    names = [n for n in _capitalised(rest)
             if n not in companies and (n.lower() in question.names or (alone and n == rest))]
    if not names or companies:
        return companies
    if mentioned is None or not before.companies:
        return None  # "What about Oracle?": a company or a product? Asked as typed
    return tuple(n for n in names if not mentioned(n))  # "same for Microsoft", not "Mac"


def _topic(subject_words: str, previous_topic: str) -> str:
    """The follow-up's topic: its own metric ("operating income"), something measured under the
    previous metric ("iPhone" -> "iPhone net sales"), or the previous topic."""
    if not subject_words:
        return previous_topic
    if names_metric(subject_words) or not previous_topic:
        return subject_words
    phrase = metric_phrase(previous_topic)
    return f"{subject_words} {phrase}" if phrase else subject_words


def _period(question: Question, own: str | None, quarter: re.Match[str] | None,
            previous: str | None) -> str | None:
    """The follow-up's period: its own, keeping the previous quarter when it names a year only
    ("and in 2022?" after Q3 FY2023 -> Q3 FY2022) and the previous year when it names a quarter
    only ("What about Q2?" -> Q2 FY2023); else the previous period."""
    kept = named_period(previous) if previous else None
    if own and question.period and question.period.quarter is None and kept and kept.quarter:
        fiscal = "FY" if kept.fiscal or question.period.fiscal else ""
        return f"Q{kept.quarter} {fiscal}{question.period.year}"
    if quarter and kept:
        number = next(g for g in quarter.groups() if g)
        return f"Q{_ORDINAL.get(number.lower(), number)} {'FY' if kept.fiscal else ''}{kept.year}"
    return own or previous


def _capitalised(text: str) -> list[str]:
    return list(dict.fromkeys(_POSSESSIVE.sub("", m.group(0)).rstrip(".") for m in _NAME.finditer(text)))


def _about_previous_names(question: Question, previous: Question) -> str | None:
    """A short question with no names of its own, asked about the previous question's names."""
    if question_names(question) or question.companies or re.match(r"^[A-Z]\S*['’]s\b", question.text):
        return None  # "What about Oracle?", "Apple's margin?": names its own
    names = subject_of(previous).companies
    if not names:
        return None
    text = " ".join(question.text.split())
    return f"About {' '.join(names)}: {text[0].lower()}{text[1:]}"
