"""Finding a computation's operands among the stored facts (ingest/facts.py): the figure of a
row for a year.

A subject ("finished goods", "cost of goods sold") names a row by its label: the row whose label
(with its group rows) holds most of the subject's words, and few others, wins; a subject that is a
vocabulary line item ("COGS" is `cost_of_revenue`) also finds the rows the vocabulary knows by that
item, in the statement the vocabulary puts it in. A year is a column: its fiscal label ('FY2019'),
else the year its period ends, else the one year its header names. Nothing is guessed: no row or no
column, no operand.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property

from assistant.answer.quarters import Quarter
from assistant.answer.terms import stems
from ingest.facts import Fact
from ingest.finance import load_vocabulary
from ingest.finance.lookup import default_lookup
from ingest.finance.phrases import PhraseIndex

_FY = re.compile(r"^FY(\d{4})$")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_SPACED_YEAR = re.compile(r"\b([12]) ([09]) (\d) (\d)\b")  # "2 0 1 8"
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATED = re.compile(  # a day's date, not a year alone ("Notes due 2024" is a maturity)
    rf"\b{_MONTH}\s+\d{{1,2}},?\s+((?:19|20)\d\d)\b|\b\d{{1,2}}\s+{_MONTH}\s+((?:19|20)\d\d)\b", re.I
)
_SHORT_YEAR = re.compile(r"\bF(?:Y\s?)?'?(\d\d)\b", re.I)  # FY19, F19
_MIN_RECALL = 0.5  # half the subject's words are in the row's label, or half the label's in the subject
_STRICT_RECALL = 0.66  # a figure asked for by itself: the row says two thirds of the subject
_CLOSING = re.compile(r"\b(?:end(?:ing)?|closing)\b", re.I)
_OPENING = re.compile(r"\b(?:beginning|opening)\b", re.I)


@dataclass(frozen=True)
class Found:
    fact: Fact
    name: str  # what the operand stands for: the subject or the vocabulary item


def fact_year(fact: Fact) -> int | None:
    """The year of a fact's column: its fiscal year, else the year its period ends or its header
    names, else the one year the group row above it names, else the one year its row names."""
    if fact.fiscal_period:
        found = _FY.match(fact.fiscal_period)
        return int(found.group(1)) if found else None  # a quarter is not a year
    if fact.period_end:
        return int(fact.period_end[:4])
    header = _SPACED_YEAR.sub(r"\1\2\3\4", fact.header)
    years = {int(y) for y in _YEAR.findall(header)}
    years = years or {2000 + int(y) for y in _SHORT_YEAR.findall(fact.header)}
    if not years:  # the group row names it: "December 31, 2019" over that year's rows
        years = {int(y) for y in _YEAR.findall(" ".join(fact.parents))}
    if not years:  # the row's own date: "Nonvested as of December 31, 2018" in a roll-forward
        years = {int(a or b) for a, b in _DATED.findall(fact.line_item)}
    return years.pop() if len(years) == 1 else None


_FUNCTION_WORDS = frozenset(stems("the a an of and in for to from on at by with as its their our"))


def _words(text: str) -> set[str]:
    """The stemmed words of a label or subject, function words and numbers aside ("Other" and
    "Total" count: they tell rows apart)."""
    return {w for w in stems(text) if w not in _FUNCTION_WORDS and not w[0].isdigit()}


@cache
def _item_phrases() -> PhraseIndex:
    vocab = load_vocabulary()
    return PhraseIndex({item.id: (*item.aliases, *item.labels) for item in vocab.line_items.values()})


def line_items_named(subject: str) -> list[str]:
    """The vocabulary line items a subject names ("cost of goods sold" -> cost_of_revenue)."""
    named = _item_phrases().keys_in(subject)
    for metric in default_lookup().metric_for(subject):
        names = metric.line_item_ids()
        if len(names) == 1 and names[0] not in named:
            named.append(names[0])
    return named


Period = int | Quarter  # a fiscal year, or a quarter (quarters.py)


def period_name(period: Period) -> str:
    """'FY2023', or 'Q3 FY2023'."""
    return str(period) if isinstance(period, Quarter) else f"FY{period}"


class Facts:
    """The facts a computation may use, in order of preference (documents first to last)."""

    def __init__(self, facts: Sequence[Fact]) -> None:
        self.facts = list(facts)
        self._by_year: dict[int, list[Fact]] = {}
        for fact in self.facts:
            year = fact_year(fact)
            if year is not None:
                self._by_year.setdefault(year, []).append(fact)

    def _pool(self, period: Period) -> list[Fact]:
        """The facts of a year's columns, or of a quarter's (never a year-to-date column)."""
        if isinstance(period, Quarter):
            return [f for f in self.facts if period.holds(f)]
        return self._by_year.get(period, [])

    @cached_property
    def row_words(self) -> set[str]:
        """Every word the rows, their groups and their columns say."""
        return set().union(*(_words(" ".join((f.line_item, *f.parents, f.header))) for f in self.facts))

    def years(self) -> list[int]:
        return sorted(self._by_year, reverse=True)

    def row_years(self, subject: str) -> list[int]:
        """The years of the columns the row `subject` names has figures in, latest first."""
        found = self.row(subject, None, any_column=True)
        if found is None:
            return []
        return sorted(
            {y for f in self.facts if _same_row(f, found.fact) and (y := fact_year(f))}, reverse=True
        )

    def row(
        self,
        subject: str,
        year: Period | None,
        *,
        exclude: Fact | None = None,
        any_column: bool = False,
        strict: bool = False,
    ) -> Found | None:
        """The figure of the row `subject` names in `year`'s column (None: a table with one
        column of figures for that row); never `exclude` (the other side of a ratio). `strict`
        (a figure asked for by itself, not an operand): the row must say most of the subject's
        words, and a row is taken for being the vocabulary's item only when the subject is that
        item and nothing more ("operating income", not "LinkedIn operating loss"), and then the row,
        its group or its column must say each of the subject's own words that some row of the
        documents says ("iPhone" of "iPhone net sales": a segment's "Net sales" is not its
        figure; a word no row says, as the company's name, tells no row from another)."""
        pool = self._pool(year) if year is not None else self.facts
        if exclude is not None:  # with no year asked, another column of its row may be the whole
            pool = [f for f in pool if f != exclude] if year is None else [
                f for f in pool if not _same_row(f, exclude)]
        words = _words(subject)
        items = line_items_named(subject)
        required: set[str] = set()
        if strict and items and (own := words - _item_words(items)):
            items = []
            required = own & self.row_words
        best: tuple[float, int] | None = None
        chosen: Fact | None = None
        for i, fact in enumerate(pool):
            if required and not required <= _words(" ".join((fact.line_item, *fact.parents, fact.header))):
                continue  # "iPhone net sales": a row that says no "iPhone" is another's figure
            score = self._score(fact, words, items, strict)
            if score is not None and (best is None or (score, -i) > best):
                best, chosen = (score, -i), fact
        if chosen is None:
            return None
        if year is None and not any_column and not _named_column(chosen, pool, words):
            return None  # several columns and no year asked, none named: not ours to pick
        return Found(chosen, subject)

    def item(self, item_id: str, year: Period) -> Found | None:
        """The figure of a vocabulary line item in `year`: a row the vocabulary knows as it, in
        its own statement first."""
        item = load_vocabulary().line_items[item_id]
        pool = [f for f in self._pool(year) if f.line_item_id == item_id]
        if not pool:
            words = _words(item.label)
            pool = [
                f
                for f in self._pool(year)
                if any(_words(label) == _words(f.line_item) for label in (*item.labels, item.label))
                or _words(f.line_item) == words
            ]
        if not pool:
            return None
        own = [f for f in pool if f.statement == item.statement]
        return Found((own or pool)[0], item_id)

    @staticmethod
    def _score(fact: Fact, words: set[str], items: list[str], strict: bool = False) -> float | None:
        """How well a row's label answers to the subject: the share of the label's words the
        subject says (a row named exactly scores highest), then of the subject's words the row,
        its group and its column header say; a row the vocabulary knows as the subject's line item counts too.
        Of two balances alike ("Goodwill, beginning of the year" / "..., end of the year") the
        closing one is the year's; the vocabulary's item in another statement, under a group the
        subject does not name, is a part (a segment's "Net sales"), not the item."""
        label = _words(fact.line_item)
        group = _words(" ".join(fact.parents)) - label
        column = _words(fact.header) - label - group
        vocabulary = bool(items) and fact.line_item_id in items
        if not words:
            return None
        said = len(words & label)
        recall = (said + 0.5 * len(words & group) + 0.5 * len(words & column)) / len(words)
        precision = said / len(label) if label else 0.0
        if not vocabulary and (not said or max(recall, precision) < _MIN_RECALL):
            return None
        if strict and not vocabulary and recall < _STRICT_RECALL:
            return None
        own_statement = vocabulary and _statement_of(fact.line_item_id) == fact.statement
        # the vocabulary's item in another known statement, under a group the subject does not
        # name, is a part of a breakdown ("Net sales" under "Americas:" in the segment note): its
        # group's words count against it, and it is never named exactly
        elsewhere = vocabulary and fact.statement is not None and not own_statement
        unnamed = group - words if elsewhere else set()
        exact = 2.0 if label == words and not unnamed else 0.0
        precision = said / (len(label) + len(unnamed)) if label else 0.0
        closing = (
            0.05 if _CLOSING.search(fact.line_item) else -0.05 if _OPENING.search(fact.line_item) else 0.0
        )
        return (
            exact
            + precision
            + 0.5 * recall
            + (0.5 if vocabulary else 0.0)
            + (0.3 if own_statement else 0.0)
            + closing
        )


def _named_column(chosen: Fact, pool: list[Fact], words: set[str]) -> bool:
    """Whether the chosen figure is its row's only one, or the only one in a column whose
    header the subject names ("the fair value amount of purchased technology")."""
    row = [f for f in pool if _same_row(f, chosen)]
    if len(row) == 1:
        return True
    said = {id(f): len(words & _words(f.header)) for f in row}
    most = max(said.values())
    named = [f for f in row if said[id(f)] == most]
    return most > 0 and len(named) == 1 and named[0] is chosen


def _item_words(items: list[str]) -> set[str]:
    """Every word the vocabulary names these line items by."""
    vocab = load_vocabulary()
    return {
        w
        for i in items
        for name in (*vocab.line_items[i].aliases, *vocab.line_items[i].labels, vocab.line_items[i].label)
        for w in _words(name)
    }


def _statement_of(item_id: str | None) -> str | None:
    item = load_vocabulary().line_items.get(item_id or "")
    return item.statement if item else None


def _same_row(a: Fact, b: Fact) -> bool:
    return a.doc_id == b.doc_id and a.line_item == b.line_item and a.parents == b.parents
